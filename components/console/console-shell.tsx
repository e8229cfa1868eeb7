'use client';
/** The console frame: header (brand, instance switcher, language, user), left navigation, breadcrumbs. */
import { useMutation, useQuery } from '@tanstack/react-query';
import { Cable, CircleUser, Database, KeyRound, LogOut, MonitorSmartphone, Route, Server, Settings, Signature } from 'lucide-react';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { Suspense, type ReactNode } from 'react';
import { useI18n } from '@/components/i18n';
import { LanguageSelect } from '@/components/language-select';
import { Logo } from '@/components/logo';
import { Breadcrumbs, type Crumb } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { cx } from '@/components/ui/cx';
import { useTRPC } from '@/lib/trpc/client';
import { InstanceSwitcher } from './instance-switcher';
import { INSTANCE_TABS, tabLabelKey } from './instance-tabs';

const NAV = [
  { href: '/instances', key: 'nav.instances', icon: Server },
  { href: '/clients', key: 'nav.clients', icon: MonitorSmartphone },
  { href: '/traces/messages', key: 'nav.messageTrace', icon: Route },
  { href: '/traces/devices', key: 'nav.deviceTrace', icon: Cable },
  { href: '/rocketmq', key: 'nav.rocketmq', icon: Database },
  { href: '/access-keys', key: 'nav.accessKeys', icon: KeyRound },
  { href: '/signature', key: 'nav.signature', icon: Signature },
  { href: '/settings', key: 'nav.settings', icon: Settings },
] as const;

export function ConsoleShell({ user, children }: { user: { username: string }; children: ReactNode }) {
  const { t } = useI18n();
  const pathname = usePathname();
  const trpc = useTRPC();
  const router = useRouter();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        router.replace('/login');
        router.refresh();
      },
    }),
  );

  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only z-50 rounded bg-white px-3 py-2 text-sm focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        {t('nav.skip')}
      </a>
      <header className="sticky top-0 z-40 flex h-12 items-center gap-3 border-b border-slate-200 bg-white px-4 shadow-[0_1px_2px_rgba(15,23,42,0.04)]">
        <Link href="/instances" className="shrink-0 rounded focus-visible:outline-2 focus-visible:outline-brand-500">
          <Logo subtitle={t('brand.subtitle')} />
        </Link>
        <div aria-hidden="true" className="mx-2 h-5 w-px bg-slate-200" />
        <Suspense fallback={null}>
          <InstanceSwitcher />
        </Suspense>
        <div className="ml-auto flex items-center gap-1">
          <LanguageSelect />
          <div aria-hidden="true" className="mx-1.5 h-5 w-px bg-slate-200" />
          <span className="flex items-center gap-1.5 px-1.5 text-sm text-slate-700" title={t('shell.signedInAs', { name: user.username })}>
            <CircleUser aria-hidden="true" className="size-4 text-slate-400" />
            <span className="sr-only">{t('shell.signedInAs', { name: '' })}</span>
            {user.username}
          </span>
          <Button variant="ghost" pending={logout.isPending} onClick={() => logout.mutate()}>
            {!logout.isPending && <LogOut aria-hidden="true" className="size-4" />}
            {t('shell.logout')}
          </Button>
        </div>
      </header>

      <div className="flex">
        <aside className="sticky top-12 z-30 flex h-[calc(100vh-3rem)] w-56 shrink-0 flex-col border-r border-slate-200 bg-white">
          <nav aria-label={t('nav.label')} className="flex-1 overflow-y-auto px-2 py-3">
            <p className="px-3 pb-1.5 text-xs font-medium text-slate-400">{t('nav.section')}</p>
            <ul className="space-y-0.5">
              {NAV.map(({ href, key, icon: Icon }) => {
                const active = pathname === href || pathname.startsWith(`${href}/`);
                return (
                  <li key={href}>
                    <Link
                      href={href}
                      aria-current={active ? 'page' : undefined}
                      className={cx(
                        'relative flex items-center gap-2.5 rounded px-3 py-2 text-sm transition-colors focus-visible:outline-2 focus-visible:outline-brand-500',
                        active ? 'bg-brand-50 font-medium text-brand-600' : 'text-slate-700 hover:bg-slate-50 hover:text-slate-900',
                      )}
                    >
                      {active && <span aria-hidden="true" className="absolute top-1.5 bottom-1.5 left-0 w-0.5 rounded bg-brand-500" />}
                      <Icon aria-hidden="true" className={cx('size-4', active ? 'text-brand-500' : 'text-slate-400')} />
                      {t(key)}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
        </aside>

        <div className="min-w-0 flex-1">
          <div className="flex h-10 items-center border-b border-slate-200 bg-white px-6">
            <Suspense fallback={null}>
              <ConsoleBreadcrumbs />
            </Suspense>
          </div>
          <main id="main" className="mx-auto max-w-[1400px] px-6 py-5">
            {children}
          </main>
        </div>
      </div>
    </div>
  );
}

function ConsoleBreadcrumbs() {
  const { t } = useI18n();
  const pathname = usePathname();
  const params = useSearchParams();
  const trpc = useTRPC();
  const instanceId = /^\/instances\/([^/]+)/.exec(pathname)?.[1];
  const list = useQuery({ ...trpc.instances.list.queryOptions(), enabled: Boolean(instanceId) });

  const items: Crumb[] = [];
  if (pathname.startsWith('/instances')) {
    items.push({ label: t('nav.instances'), href: '/instances' });
    if (instanceId) {
      const id = decodeURIComponent(instanceId);
      const name = list.data?.find((i) => i.id === id)?.name ?? id;
      const tab = params.get('tab');
      const known = INSTANCE_TABS.find((x) => x === tab);
      items.push({ label: name, href: `/instances/${id}` });
      if (known && known !== 'basic') items.push({ label: t(tabLabelKey(known)) });
    }
  } else if (pathname.startsWith('/clients')) {
    items.push({ label: t('nav.clients') });
  } else if (pathname.startsWith('/rocketmq')) {
    items.push({ label: t('nav.rocketmq') });
  } else if (pathname.startsWith('/access-keys')) {
    items.push({ label: t('nav.accessKeys') });
  } else if (pathname.startsWith('/traces/messages')) {
    items.push({ label: t('nav.messageTrace') });
  } else if (pathname.startsWith('/traces/devices')) {
    items.push({ label: t('nav.deviceTrace') });
  } else if (pathname.startsWith('/signature')) {
    items.push({ label: t('nav.signature') });
  } else if (pathname.startsWith('/settings')) {
    items.push({ label: t('nav.settings') });
  }
  return <Breadcrumbs label={t('nav.breadcrumb')} items={items} />;
}
