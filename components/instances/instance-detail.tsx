'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowLeft } from 'lucide-react';
import Link from 'next/link';
import { isInstanceTab, tabLabelKey, INSTANCE_TABS, type InstanceTab } from '@/components/console/instance-tabs';
import { useI18n } from '@/components/i18n';
import { buttonClass } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { ErrorState, LoadingState } from '@/components/ui/states';
import { TabPanel, Tabs } from '@/components/ui/tabs';
import { RulesTab } from '@/components/rules/rules-tab';
import { StatisticsTab } from '@/components/statistics/statistics-tab';
import { useTRPC } from '@/lib/trpc/client';
import { BasicTab } from './basic-tab';
import { ConnectTab } from './connect-tab';
import { CredentialsTab } from './credentials-tab';
import { EndpointsTab } from './endpoints-tab';
import { StatusBadge } from './broker-status';
import { ModeBadge } from './instance-badges';
import { PermissionsTab } from './permissions-tab';
import { ResourceTab } from './resource-tab';

export function InstanceDetail({ id, tab: rawTab }: { id: string; tab?: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const tab: InstanceTab = isInstanceTab(rawTab) ? rawTab : 'basic';
  const queryClient = useQueryClient();
  const instance = useQuery({
    ...trpc.instances.get.queryOptions({ id }),
    // Coming from the list or the switcher, the list already knows the instance.
    placeholderData: () => queryClient.getQueryData(trpc.instances.list.queryKey())?.find((i) => i.id === id),
  });
  const list = useQuery(trpc.instances.list.queryOptions());
  const counts = list.data?.find((i) => i.id === id);

  if (instance.isPending) return <LoadingState />;
  if (instance.error) {
    return (
      <div className="rounded-md border border-slate-200 bg-white">
        <ErrorState
          error={instance.error}
          title={t('instance.loadFailed')}
          onRetry={instance.error.data?.httpStatus && instance.error.data.httpStatus < 500 ? undefined : () => instance.refetch()}
          action={
            <Link href="/instances" className={buttonClass('secondary')}>
              {t('instance.backToList')}
            </Link>
          }
        />
      </div>
    );
  }

  const data = instance.data;
  const tabs = INSTANCE_TABS.map((x) => ({
    id: x,
    label: t(tabLabelKey(x)),
    href: x === 'basic' ? `/instances/${id}` : `/instances/${id}?tab=${x}`,
    count: x === 'topics' ? counts?.topicCount : x === 'groups' ? counts?.groupCount : undefined,
  }));

  return (
    <>
      <div className="mb-4 flex flex-wrap items-start gap-3">
        <Link
          href="/instances"
          aria-label={t('instance.backToList')}
          title={t('instance.backToList')}
          className="mt-0.5 rounded p-1 text-slate-400 hover:bg-white hover:text-slate-700"
        >
          <ArrowLeft aria-hidden="true" className="size-5" />
        </Link>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="text-xl font-semibold text-slate-900">{data.name}</h1>
            <StatusBadge instanceId={data.id} />
            <ModeBadge openMode={data.openMode} />
          </div>
          <div className="mt-1 flex items-center gap-1 text-sm text-slate-500">
            <span>{t('instance.id')}:</span>
            <span className="font-mono text-slate-700" data-testid="instance-id">
              {data.id}
            </span>
            <CopyButton iconOnly value={data.id} what={t('instance.copyId')} />
          </div>
        </div>
      </div>

      <Tabs idPrefix="instance" label={t('instance.tabs')} items={tabs} active={tab} />
      <TabPanel idPrefix="instance" active={tab}>
        {tab === 'basic' && <BasicTab instance={data} />}
        {tab === 'statistics' && <StatisticsTab instance={data} />}
        {tab === 'endpoints' && <EndpointsTab instanceId={id} />}
        {tab === 'topics' && <ResourceTab kind="topic" instanceId={id} openMode={data.openMode} />}
        {tab === 'groups' && <ResourceTab kind="group" instanceId={id} openMode={data.openMode} />}
        {tab === 'permissions' && <PermissionsTab instanceId={id} />}
        {tab === 'connect' && <ConnectTab instance={data} />}
        {tab === 'credentials' && <CredentialsTab instanceId={id} openMode={data.openMode} />}
        {tab === 'rules' && <RulesTab instanceId={id} />}
      </TabPanel>
    </>
  );
}
