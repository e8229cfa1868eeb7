'use client';
import { Check, Copy } from 'lucide-react';
import { useEffect, useState } from 'react';
import { toast } from 'sonner';
import { useI18n } from '@/components/i18n';
import { buttonClass } from './button';
import { cx } from './cx';

/** Copies text: the Clipboard API where allowed (secure contexts), else a hidden textarea. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Denied or unavailable: fall through to the old way.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.top = '-1000px';
  area.style.opacity = '0';
  const active = document.activeElement as HTMLElement | null;
  // Inside a modal dialog the textarea must sit in the dialog for the selection to work.
  (active?.closest('[role="dialog"]') ?? document.body).appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  active?.focus();
  return ok;
}

/**
 * A copy button. `what` names the thing copied for screen readers: the accessible name is
 * "Copy <what>" (e.g. "Copy TCP endpoint"); the visible text is "Copy", or just the icon.
 */
export function CopyButton({
  value,
  what,
  iconOnly,
  className,
}: {
  value: string;
  what: string;
  iconOnly?: boolean;
  className?: string;
}) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);

  async function onClick() {
    if (await copyText(value)) {
      setCopied(true);
      toast.success(t('copy.done'), { description: what, duration: 2000 });
    } else {
      toast.error(t('copy.failed'));
    }
  }

  const Icon = copied ? Check : Copy;
  return (
    <button
      type="button"
      aria-label={t('copy.aria', { what })}
      title={t('copy.aria', { what })}
      onClick={onClick}
      className={
        iconOnly
          ? cx(
              'inline-flex size-6 shrink-0 items-center justify-center rounded text-slate-400 hover:bg-slate-100 hover:text-brand-500 focus-visible:outline-2 focus-visible:outline-brand-500',
              className,
            )
          : buttonClass('secondary', 'sm', className)
      }
    >
      <Icon aria-hidden="true" className={cx('size-3.5', copied && 'text-emerald-600')} />
      {!iconOnly && <span>{t('copy.label')}</span>}
    </button>
  );
}
