'use client';
import { useQuery } from '@tanstack/react-query';
import { Plus, Server } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { EmptyState } from '@/components/ui/states';
import type { AppRouter } from '@/server/api/root';
import type { inferRouterOutputs } from '@trpc/server';
import { useTRPC } from '@/lib/trpc/client';
import { CreateInstanceDialog } from './create-instance-dialog';
import { StatusBadge } from './broker-status';
import { ModeBadge } from './instance-badges';
import { SpecSummary } from './spec-fields';

type InstanceRow = inferRouterOutputs<AppRouter>['instances']['list'][number];

const searchInstance = (i: InstanceRow) => [i.name, i.id];

export function InstancesPage() {
  const { t } = useI18n();
  const fmt = useFormat();
  const trpc = useTRPC();
  const list = useQuery(trpc.instances.list.queryOptions());
  const [creating, setCreating] = useState(false);

  const columns: Column<InstanceRow>[] = [
    {
      id: 'name',
      header: t('instances.col.name'),
      sortValue: (i) => i.name,
      cell: (i) => (
        <div className="min-w-0">
          <Link href={`/instances/${i.id}`} className="font-medium text-brand-500 hover:text-brand-700 hover:underline">
            {i.name}
          </Link>
          <div className="mt-0.5 flex items-center gap-1 font-mono text-xs text-slate-500">
            {i.id}
            <CopyButton iconOnly value={i.id} what={t('instance.copyId')} />
          </div>
        </div>
      ),
    },
    { id: 'spec', header: t('instances.col.spec'), cell: (i) => <SpecSummary spec={i} />, sortValue: (i) => i.maxConnections },
    { id: 'mode', header: t('instances.col.mode'), cell: (i) => <ModeBadge openMode={i.openMode} />, sortValue: (i) => (i.openMode ? 1 : 0) },
    { id: 'status', header: t('instances.col.status'), cell: (i) => <StatusBadge instanceId={i.id} /> },
    {
      id: 'topics',
      header: t('instances.col.topics'),
      sortValue: (i) => i.topicCount,
      className: 'tabular-nums',
      cell: (i) => (
        <Link href={`/instances/${i.id}?tab=topics`} className="text-slate-700 hover:text-brand-500 hover:underline">
          {fmt.number(i.topicCount)}
        </Link>
      ),
    },
    {
      id: 'groups',
      header: t('instances.col.groups'),
      sortValue: (i) => i.groupCount,
      className: 'tabular-nums',
      cell: (i) => (
        <Link href={`/instances/${i.id}?tab=groups`} className="text-slate-700 hover:text-brand-500 hover:underline">
          {fmt.number(i.groupCount)}
        </Link>
      ),
    },
    {
      id: 'created',
      header: t('common.created'),
      sortValue: (i) => i.createdAt,
      className: 'whitespace-nowrap text-slate-600 tabular-nums',
      cell: (i) => fmt.dateTime(i.createdAt),
    },
    {
      id: 'actions',
      header: <span className="sr-only">{t('common.actions')}</span>,
      headerClassName: 'text-right',
      className: 'text-right whitespace-nowrap',
      cell: (i) => (
        <Link href={`/instances/${i.id}`} className="text-sm text-brand-500 hover:underline">
          {t('instances.manage')}
          <span className="sr-only"> {i.name}</span>
        </Link>
      ),
    },
  ];

  const createButton = (
    <Button variant="primary" onClick={() => setCreating(true)}>
      <Plus aria-hidden="true" className="size-4" />
      {t('instances.create.button')}
    </Button>
  );

  return (
    <>
      <PageHeader title={t('nav.instances')} description={t('instances.description')} />
      <DataTable
        label={t('nav.instances')}
        rows={list.data}
        loading={list.isPending}
        error={list.error}
        onRetry={() => list.refetch()}
        columns={columns}
        rowKey={(i) => i.id}
        rowTestId={(i) => `instance-row-${i.name}`}
        search={searchInstance}
        searchPlaceholder={t('instances.searchPlaceholder')}
        initialSort={{ id: 'created', direction: 'desc' }}
        toolbar={createButton}
        empty={
          <EmptyState
            icon={<Server className="size-6" />}
            title={t('instances.empty.title')}
            description={t('instances.empty.description')}
          />
        }
      />
      <CreateInstanceDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
