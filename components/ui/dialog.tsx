'use client';
/**
 * A modal dialog: role="dialog", aria-modal, labelled by its title. Escape and the backdrop
 * close it (unless `busy`), Tab stays inside, and the first field (or the element marked
 * `data-autofocus`) gets the focus; the focus returns where it was when it closes.
 * Rendered only while open, so the state of what is inside starts fresh every time.
 */
import { X } from 'lucide-react';
import { useEffect, useId, useRef, type ReactNode, type RefObject } from 'react';
import { createPortal } from 'react-dom';
import { useI18n } from '@/components/i18n';
import { Button } from './button';
import { cx } from './cx';

/** Open dialogs, innermost last: only that one answers Escape and Tab. */
const openDialogs: Array<RefObject<HTMLDivElement | null>> = [];

/**
 * While a dialog is open, the rest of the page is inert and hidden from assistive technology
 * (only the dialog and the toasts stay reachable). Returns the function that undoes it.
 */
function hideBackground(keep: HTMLElement | null): () => void {
  const changed: HTMLElement[] = [];
  for (const child of Array.from(document.body.children)) {
    if (!(child instanceof HTMLElement) || child === keep || child.inert) continue;
    if (['SCRIPT', 'STYLE', 'LINK', 'NEXT-ROUTE-ANNOUNCER'].includes(child.tagName)) continue;
    // Live regions (the toasts) keep speaking and stay clickable.
    if (child.hasAttribute('aria-live') || child.querySelector('[data-sonner-toaster]')) continue;
    child.inert = true;
    child.setAttribute('aria-hidden', 'true');
    changed.push(child);
  }
  return () => {
    for (const el of changed) {
      el.inert = false;
      el.removeAttribute('aria-hidden');
    }
  };
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function Dialog({
  open,
  onClose,
  title,
  description,
  size = 'md',
  busy,
  tone,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  size?: 'sm' | 'md' | 'lg';
  /** A request is under way: Escape and the backdrop do not close the dialog. */
  busy?: boolean;
  tone?: 'danger';
  children: ReactNode;
}) {
  if (!open) return null;
  return (
    <DialogPanel onClose={onClose} title={title} description={description} size={size} busy={busy} tone={tone}>
      {children}
    </DialogPanel>
  );
}

function DialogPanel({
  onClose,
  title,
  description,
  size,
  busy,
  tone,
  children,
}: {
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  size: 'sm' | 'md' | 'lg';
  busy?: boolean;
  tone?: 'danger';
  children: ReactNode;
}) {
  const { t } = useI18n();
  const titleId = useId();
  const descId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const container = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  const busyRef = useRef(busy);
  useEffect(() => {
    onCloseRef.current = onClose;
    busyRef.current = busy;
  });

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const root = panel.current;
    if (root) {
      const target =
        root.querySelector<HTMLElement>('[data-autofocus]') ??
        root.querySelector<HTMLElement>('input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])') ??
        root.querySelector<HTMLElement>('[data-dialog-body] button:not([disabled])') ??
        root;
      target.focus();
    }
    openDialogs.push(panel);
    const restoreBackground = hideBackground(container.current);
    const overflow = document.body.style.overflow;
    document.body.style.overflow = 'hidden';

    // On the document, not the panel: a button that turns disabled while a request runs
    // drops the focus to <body>, and Escape and Tab must still work then.
    function onKeyDown(e: globalThis.KeyboardEvent) {
      if (openDialogs[openDialogs.length - 1] !== panel || !panel.current) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        if (!busyRef.current) onCloseRef.current();
        return;
      }
      if (e.key !== 'Tab') return;
      const items = Array.from(panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null);
      if (items.length === 0) return;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      const active = document.activeElement;
      if (!panel.current.contains(active)) {
        e.preventDefault();
        (e.shiftKey ? last : first).focus();
      } else if (e.shiftKey && (active === first || active === panel.current)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first.focus();
      }
    }
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      restoreBackground();
      const i = openDialogs.indexOf(panel);
      if (i >= 0) openDialogs.splice(i, 1);
      document.body.style.overflow = overflow;
      if (previous && document.contains(previous)) previous.focus();
    };
  }, []);

  return createPortal(
    <div ref={container} className="fixed inset-0 z-50 flex items-start justify-center overflow-y-auto p-4 pt-[10vh]">
      <div
        aria-hidden="true"
        className="fixed inset-0 bg-slate-900/45 backdrop-blur-[1px]"
        onMouseDown={() => {
          if (!busyRef.current) onCloseRef.current();
        }}
      />
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descId : undefined}
        tabIndex={-1}
        className={cx(
          'relative w-full rounded-md bg-white shadow-2xl ring-1 ring-slate-900/10 focus:outline-none',
          size === 'sm' && 'max-w-md',
          size === 'md' && 'max-w-lg',
          size === 'lg' && 'max-w-2xl',
          tone === 'danger' && 'border-t-4 border-red-600',
        )}
      >
        <div className="flex items-start justify-between gap-4 border-b border-slate-100 px-5 py-3.5">
          <div className="min-w-0">
            <h2 id={titleId} className="text-base font-semibold text-slate-900">
              {title}
            </h2>
            {description && (
              <p id={descId} className="mt-0.5 text-sm text-slate-500">
                {description}
              </p>
            )}
          </div>
          <button
            type="button"
            aria-label={t('common.close')}
            disabled={busy}
            onClick={onClose}
            className="-mr-1.5 rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700 focus-visible:outline-2 focus-visible:outline-brand-500 disabled:opacity-50"
          >
            <X aria-hidden="true" className="size-4" />
          </button>
        </div>
        {children}
      </div>
    </div>,
    document.body,
  );
}

export function DialogBody({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <div data-dialog-body className={cx('space-y-4 px-5 py-4', className)}>
      {children}
    </div>
  );
}

export function DialogFooter({ children }: { children: ReactNode }) {
  return <div className="flex justify-end gap-2 rounded-b-md border-t border-slate-100 bg-slate-50 px-5 py-3">{children}</div>;
}

/** The footer of a form dialog: Cancel, and the submit button that shows the request running. */
export function FormDialogFooter({
  onCancel,
  pending,
  submitLabel,
  danger,
  submitDisabled,
}: {
  onCancel: () => void;
  pending: boolean;
  submitLabel: string;
  danger?: boolean;
  submitDisabled?: boolean;
}) {
  const { t } = useI18n();
  return (
    <DialogFooter>
      <Button onClick={onCancel} disabled={pending}>
        {t('common.cancel')}
      </Button>
      <Button type="submit" variant={danger ? 'danger' : 'primary'} disabled={submitDisabled} pending={pending}>
        {submitLabel}
      </Button>
    </DialogFooter>
  );
}
