'use client';
/**
 * The RocketMQ clusters page: list, add/edit (the SecretKey is write-only: never shown back,
 * left empty it is kept), delete with confirmation (refused while rules use the cluster), and
 * "Test connection", which the broker process answers check by check.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { CircleCheck, CircleX, Database } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { useListChange, useRefresh } from '@/components/mutations';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { DescriptionField } from '@/components/ui/description-field';
import { Dialog, DialogBody, DialogFooter } from '@/components/ui/dialog';
import { DialogForm } from '@/components/ui/dialog-form';
import { CodeInput, FormAlert, FormField, Input } from '@/components/ui/form-field';
import { actionsColumn, CreateButton, Dash, descriptionColumn, queryTableProps } from '@/components/ui/list-parts';
import { EmptyState } from '@/components/ui/states';
import { clusterCreateSchema, clusterUpdateSchema, rocketmqTopicSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { errorInfo } from '@/lib/trpc/errors';
import type { AppRouter } from '@/server/api/root';

export type Cluster = inferRouterOutputs<AppRouter>['rocketmqClusters']['list'][number];
type TestResult = inferRouterOutputs<AppRouter>['rocketmqClusters']['test'];

const searchCluster = (c: Cluster) => [c.name, c.endpoints, c.namespace, c.accessKey, c.description];

function useClusters() {
  const trpc = useTRPC();
  return { router: trpc.rocketmqClusters, refresh: useRefresh(trpc.rocketmqClusters.list.queryKey()) };
}

export function RocketmqClustersPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const list = useQuery(trpc.rocketmqClusters.list.queryOptions());
  const [editing, setEditing] = useState<Cluster | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Cluster | null>(null);
  const [testing, setTesting] = useState<Cluster | null>(null);

  const columns: Column<Cluster>[] = [
    {
      id: 'name',
      header: t('rocketmq.name'),
      sortValue: (c) => c.name,
      cell: (c) => <span className="font-medium text-slate-900">{c.name}</span>,
    },
    {
      id: 'endpoints',
      header: t('rocketmq.endpoints'),
      sortValue: (c) => c.endpoints,
      cell: (c) => <span className="font-mono text-[13px] break-all">{c.endpoints.split(';').join('; ')}</span>,
    },
    {
      id: 'namespace',
      header: t('rocketmq.namespace'),
      sortValue: (c) => c.namespace,
      cell: (c) => (c.namespace ? <span className="font-mono text-[13px]">{c.namespace}</span> : <Dash />),
    },
    {
      id: 'credentials',
      header: t('rocketmq.credentials'),
      sortValue: (c) => c.accessKey,
      cell: (c) => (c.accessKey ? <span className="font-mono text-[13px]">{c.accessKey}</span> : <Dash>{t('rocketmq.credentials.none')}</Dash>),
    },
    {
      id: 'rules',
      header: t('rocketmq.rules'),
      sortValue: (c) => c.ruleCount,
      className: 'tabular-nums',
      cell: (c) => <Badge tone={c.ruleCount > 0 ? 'blue' : 'gray'}>{c.ruleCount}</Badge>,
    },
    descriptionColumn(t('rocketmq.description.field'), (c) => c.description, { className: 'max-w-xs', textClassName: '' }),
    actionsColumn(t('common.actions'), (c) => [
      { text: t('rocketmq.test'), label: `${t('rocketmq.test')}: ${c.name}`, onClick: () => setTesting(c) },
      { text: t('common.edit'), label: `${t('common.edit')}: ${c.name}`, onClick: () => setEditing(c) },
      { text: t('common.delete'), label: `${t('common.delete')}: ${c.name}`, onClick: () => setDeleting(c), danger: true },
    ]),
  ];

  return (
    <div>
      <PageHeader title={t('rocketmq.title')} description={t('rocketmq.description')} />
      <DataTable
        label={t('rocketmq.title')}
        {...queryTableProps(list, list.data)}
        columns={columns}
        rowKey={(c) => String(c.id)}
        rowTestId={(c) => `cluster-row-${c.name}`}
        search={searchCluster}
        initialSort={{ id: 'name', direction: 'asc' }}
        toolbar={<CreateButton onClick={() => setEditing('new')}>{t('rocketmq.create')}</CreateButton>}
        empty={<EmptyState icon={<Database className="size-6" />} title={t('rocketmq.empty')} />}
      />
      <Dialog
        open={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' || editing === null ? t('rocketmq.createTitle') : t('rocketmq.editTitle', { name: editing.name })}
      >
        {editing !== null && <ClusterForm cluster={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      </Dialog>
      {deleting && <DeleteCluster cluster={deleting} onClose={() => setDeleting(null)} />}
      {testing && <TestClusterDialog cluster={testing} onClose={() => setTesting(null)} />}
    </div>
  );
}

const FIELDS = ['name', 'endpoints', 'namespace', 'accessKey', 'secretKey', 'description'] as const;

function ClusterForm({ cluster, onClose }: { cluster: Cluster | null; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = useClusters();
  const [values, setValues] = useState({
    name: cluster?.name ?? '',
    endpoints: cluster?.endpoints ?? '',
    namespace: cluster?.namespace ?? '',
    accessKey: cluster?.accessKey ?? '',
    secretKey: '',
    description: cluster?.description ?? '',
  });
  const form = useFormErrors(FIELDS);
  const saved = useListChange({ refresh, success: (c: Cluster) => t('rocketmq.saved', { name: c.name }), done: onClose });
  const after = { ...saved, onError: (err: unknown) => form.fromServer(err) };
  const create = useMutation(router.create.mutationOptions(after));
  const update = useMutation(router.update.mutationOptions(after));
  const set = (field: (typeof FIELDS)[number], value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    form.clear(field);
  };

  function onSubmit() {
    if (cluster) {
      const result = validate(clusterUpdateSchema, { id: cluster.id, ...values });
      if (!result.ok) return form.setErrors(result.errors);
      // A new AccessKey with no stored secret needs one: said here rather than after a round trip.
      if (result.data.accessKey && !cluster.hasSecret && !values.secretKey) {
        return form.setErrors({ secretKey: { key: 'v.cluster.secretMissing' } });
      }
      form.clear();
      update.mutate(result.data);
    } else {
      const data = form.check(clusterCreateSchema, values);
      if (data) create.mutate(data);
    }
  }

  const text = (field: 'name' | 'endpoints' | 'namespace' | 'accessKey', label: string, extra: { hint?: string; required?: boolean; mono?: boolean } = {}) => (
    <FormField
      id={`cluster-${field}`}
      label={label}
      hint={extra.hint}
      required={extra.required}
      optional={extra.required ? undefined : t('common.optional')}
      error={form.message(field)}
    >
      {(p) => (
        <Input
          {...p}
          value={values[field]}
          autoComplete="off"
          spellCheck={false}
          className={extra.mono ? 'font-mono' : undefined}
          onChange={(e) => set(field, e.target.value)}
        />
      )}
    </FormField>
  );

  return (
    <DialogForm
      form={form}
      onSubmit={onSubmit}
      onCancel={onClose}
      pending={create.isPending || update.isPending}
      submitLabel={cluster ? t('common.save') : t('common.create')}
    >
      {text('name', t('rocketmq.name'), { required: true })}
      {text('endpoints', t('rocketmq.endpoints'), { required: true, mono: true, hint: t('rocketmq.endpoints.hint') })}
      {text('namespace', t('rocketmq.namespace'), { mono: true })}
      <div className="grid gap-4 sm:grid-cols-2">
        {text('accessKey', t('rocketmq.accessKey'), { mono: true })}
        <FormField
          id="cluster-secretKey"
          label={t('rocketmq.secretKey')}
          optional={t('common.optional')}
          hint={cluster?.hasSecret ? t('rocketmq.secretKey.keep') : undefined}
          error={form.message('secretKey')}
        >
          {(p) => (
            <Input {...p} type="password" value={values.secretKey} autoComplete="new-password" onChange={(e) => set('secretKey', e.target.value)} />
          )}
        </FormField>
      </div>
      <DescriptionField id="cluster-description" value={values.description} error={form.message('description')} onChange={(v) => set('description', v)} />
    </DialogForm>
  );
}

function DeleteCluster({ cluster, onClose }: { cluster: Cluster; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = useClusters();
  const [error, setError] = useState<string | null>(null);
  const after = useListChange({ refresh, done: onClose });
  const remove = useMutation(
    router.delete.mutationOptions({
      ...after,
      // Refused while rules use the cluster: the reason also stays in the dialog.
      onError: (err) => {
        const info = errorInfo(err);
        setError(t(info.key, info.params));
        after.onError(err);
      },
    }),
  );
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      pending={remove.isPending}
      title={t('rocketmq.delete.title', { name: cluster.name })}
      confirmLabel={t('common.delete')}
      onConfirm={() => remove.mutate({ id: cluster.id })}
    >
      <p>{t('rocketmq.delete.text')}</p>
      {error && <FormAlert>{error}</FormAlert>}
    </ConfirmDialog>
  );
}

function TestClusterDialog({ cluster, onClose }: { cluster: Cluster; onClose: () => void }) {
  const { t } = useI18n();
  const { router } = useClusters();
  const [topic, setTopic] = useState('');
  const [topicError, setTopicError] = useState<string | null>(null);
  const [result, setResult] = useState<TestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const test = useMutation(
    router.test.mutationOptions({
      onSuccess: (r) => {
        setResult(r);
        setError(null);
      },
      onError: (err) => {
        const info = errorInfo(err);
        setResult(null);
        setError(t(info.key, info.params));
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (topic.trim()) {
      const parsed = rocketmqTopicSchema.safeParse(topic);
      if (!parsed.success) return setTopicError(t(parsed.error.issues[0]!.message));
    }
    setTopicError(null);
    test.mutate({ id: cluster.id, topic: topic.trim() || undefined });
  }

  return (
    <Dialog open onClose={onClose} title={t('rocketmq.test.title', { name: cluster.name })} busy={test.isPending}>
      <form noValidate onSubmit={onSubmit}>
        <DialogBody>
          <FormField id="cluster-test-topic" label={t('rocketmq.test.topic')} optional={t('common.optional')} error={topicError}>
            {(p) => (
              <CodeInput
                {...p}
                value={topic}
                onChange={(e) => {
                  setTopic(e.target.value);
                  setTopicError(null);
                }}
              />
            )}
          </FormField>
          {error && <FormAlert>{error}</FormAlert>}
          {result && (
            <ul className="space-y-2" aria-label={t('rocketmq.test.title', { name: cluster.name })} data-testid="cluster-test-checks">
              {result.checks.length === 0 && <li className="text-sm text-slate-500">{t('rocketmq.test.none')}</li>}
              {result.checks.map((c, i) => (
                <li key={i} className="flex items-start gap-2 text-sm">
                  {c.ok ? (
                    <CircleCheck aria-label={t('rocketmq.test.ok')} className="mt-0.5 size-4 shrink-0 text-green-600" />
                  ) : (
                    <CircleX aria-label={t('rocketmq.test.failed')} className="mt-0.5 size-4 shrink-0 text-red-600" />
                  )}
                  <span>
                    <span className="font-medium text-slate-900">{c.name}</span>
                    {c.detail && <span className="block break-words text-slate-600">{c.detail}</span>}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </DialogBody>
        <DialogFooter>
          <Button onClick={onClose} disabled={test.isPending}>
            {t('common.done')}
          </Button>
          <Button type="submit" variant="primary" pending={test.isPending}>
            {test.isPending ? t('rocketmq.test.running') : t('rocketmq.test')}
          </Button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}
