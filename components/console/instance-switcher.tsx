'use client';
/** The header's instance switcher: a dropdown of instances that opens the chosen one's page. */
import { useQuery } from '@tanstack/react-query';
import { Check, ChevronDown, Search, Server } from 'lucide-react';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '@/components/i18n';
import { OpenModeBadge } from '@/components/instances/instance-badges';
import { cx } from '@/components/ui/cx';
import { Spinner } from '@/components/ui/button';
import { useTRPC } from '@/lib/trpc/client';
import { isInstanceTab } from './instance-tabs';

export function InstanceSwitcher() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const pathname = usePathname();
  const params = useSearchParams();
  const list = useQuery(trpc.instances.list.queryOptions());
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState('');
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  const currentId = /^\/instances\/([^/]+)/.exec(pathname)?.[1];
  const current = list.data?.find((i) => i.id === currentId);
  const tab = params.get('tab');
  const suffix = isInstanceTab(tab) && tab !== 'basic' ? `?tab=${tab}` : '';

  // Close on a click elsewhere.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const q = filter.trim().toLowerCase();
  const items = (list.data ?? []).filter((i) => !q || i.name.toLowerCase().includes(q) || i.id.includes(q));

  function close(focusButton = true) {
    setOpen(false);
    setFilter('');
    if (focusButton) button.current?.focus();
  }

  return (
    <div
      ref={root}
      className="relative"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          close();
        }
      }}
    >
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-haspopup="true"
        onClick={() => (open ? close(false) : setOpen(true))}
        className="flex h-8 max-w-72 items-center gap-2 rounded border border-slate-200 bg-white px-2.5 text-sm hover:border-brand-500 focus-visible:outline-2 focus-visible:outline-brand-500"
      >
        <Server aria-hidden="true" className="size-3.5 shrink-0 text-slate-400" />
        <span className="shrink-0 text-slate-500">{t('switcher.label')}</span>
        <span className={cx('truncate font-medium', current ? 'text-slate-900' : 'text-slate-400')}>
          {current?.name ?? t('switcher.choose')}
        </span>
        <ChevronDown aria-hidden="true" className={cx('size-3.5 shrink-0 text-slate-400 transition-transform', open && 'rotate-180')} />
      </button>

      {open && (
        <div
          id={panelId}
          className="absolute top-full left-0 z-50 mt-1 w-80 overflow-hidden rounded-md border border-slate-200 bg-white shadow-xl"
        >
          <div className="relative border-b border-slate-100 p-2">
            <Search aria-hidden="true" className="pointer-events-none absolute top-1/2 left-4.5 size-3.5 -translate-y-1/2 text-slate-400" />
            <input
              autoFocus
              type="text"
              aria-label={t('switcher.filter')}
              placeholder={t('switcher.filter')}
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              className="h-8 w-full rounded border border-slate-300 pr-2 pl-7 text-sm focus:border-brand-500 focus:outline-none"
            />
          </div>
          {list.isPending ? (
            <div className="flex items-center gap-2 px-4 py-6 text-sm text-slate-500">
              <Spinner /> {t('common.loading')}
            </div>
          ) : items.length === 0 ? (
            <p className="px-4 py-6 text-center text-sm text-slate-500">
              {list.data?.length ? t('switcher.noMatches') : t('switcher.none')}
            </p>
          ) : (
            <ul className="max-h-80 overflow-y-auto py-1" aria-label={t('switcher.listLabel')}>
              {items.map((instance) => {
                const selected = instance.id === currentId;
                return (
                  <li key={instance.id}>
                    <Link
                      href={`/instances/${instance.id}${suffix}`}
                      aria-current={selected ? 'page' : undefined}
                      onClick={() => close(false)}
                      className={cx(
                        'flex items-center gap-2 px-3 py-2 text-sm hover:bg-slate-50 focus-visible:bg-slate-50 focus-visible:outline-none',
                        selected && 'bg-brand-50/60',
                      )}
                    >
                      <span className="flex size-4 shrink-0 items-center justify-center">
                        {selected && <Check aria-hidden="true" className="size-3.5 text-brand-500" />}
                      </span>
                      <span className="min-w-0 flex-1">
                        <span className="block truncate font-medium text-slate-900">{instance.name}</span>
                        <span className="block truncate font-mono text-xs text-slate-500">{instance.id}</span>
                      </span>
                      {instance.openMode && <OpenModeBadge />}
                    </Link>
                  </li>
                );
              })}
            </ul>
          )}
          <div className="border-t border-slate-100 px-3 py-2">
            <Link href="/instances" onClick={() => close(false)} className="text-sm text-brand-500 hover:underline">
              {t('switcher.all')}
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}
