'use client';
/**
 * The Rules tab of an instance: the rules with their status, type, source → target, the
 * broker's counters and last error; enable/disable, edit (all but the ID and the type), delete
 * with confirmation, and the three-step create wizard.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { ArrowRight, Workflow } from 'lucide-react';
import { useState } from 'react';
import { useFormat } from '@/components/format';
import { useFormErrors, type FieldErrors } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { useListChange, useRefresh } from '@/components/mutations';
import { Badge } from '@/components/ui/badge';
import { Callout } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { DescriptionField } from '@/components/ui/description-field';
import { Dialog } from '@/components/ui/dialog';
import { DialogForm } from '@/components/ui/dialog-form';
import { Switch } from '@/components/ui/form-field';
import { actionsColumn, CreateButton, Dash, queryTableProps } from '@/components/ui/list-parts';
import { clusterIdSchema, ruleEndSchemas, RULES_PER_INSTANCE } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import type { AppRouter } from '@/server/api/root';
import { RuleEndFields } from './rule-end-fields';
import { RuleWizard } from './rule-wizard';

type Rule = inferRouterOutputs<AppRouter>['rules']['list']['rules'][number];

const searchRule = (r: Rule) => [r.ruleId, r.type, r.source, r.target, r.clusterName, r.description];

function useRules(instanceId: string) {
  const trpc = useTRPC();
  return { router: trpc.rules, refresh: useRefresh(trpc.rules.list.queryKey({ instanceId })) };
}

export function RulesTab({ instanceId }: { instanceId: string }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const trpc = useTRPC();
  // Counters move while the broker works: refreshed every few seconds.
  const list = useQuery({ ...trpc.rules.list.queryOptions({ instanceId }), refetchInterval: 5000 });
  const { router, refresh } = useRules(instanceId);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Rule | null>(null);
  const [deleting, setDeleting] = useState<Rule | null>(null);
  const toggle = useMutation(
    router.setEnabled.mutationOptions(
      useListChange({ refresh, success: (r: Pick<Rule, 'enabled' | 'ruleId'>) => t(r.enabled ? 'rules.enabled' : 'rules.disabled') + `: ${r.ruleId}` }),
    ),
  );
  const rules = list.data?.rules;
  const dash = <Dash />;

  const columns: Column<Rule>[] = [
    {
      id: 'ruleId',
      header: t('rules.id'),
      sortValue: (r) => r.ruleId,
      className: 'whitespace-nowrap',
      cell: (r) => (
        <div className="max-w-56">
          <span className="font-mono text-[13px] font-medium text-slate-900">{r.ruleId}</span>
          {r.description && <span className="block truncate text-xs text-slate-500">{r.description}</span>}
        </div>
      ),
    },
    {
      id: 'status',
      header: t('rules.status'),
      sortValue: (r) => r.enabled,
      className: 'whitespace-nowrap',
      cell: (r) => (
        <span className="inline-flex items-center gap-2">
          <Switch
            checked={r.enabled}
            disabled={toggle.isPending}
            aria-label={`${t(r.enabled ? 'rules.disable' : 'rules.enable')}: ${r.ruleId}`}
            onChange={(e) => toggle.mutate({ instanceId, ruleId: r.ruleId, enabled: e.target.checked })}
          />
          <Badge tone={r.enabled ? 'green' : 'gray'}>{t(r.enabled ? 'rules.enabled' : 'rules.disabled')}</Badge>
        </span>
      ),
    },
    {
      id: 'type',
      header: t('rules.type'),
      sortValue: (r) => r.type,
      cell: (r) => t(`rule.type.${r.type}`),
    },
    {
      id: 'route',
      header: `${t('rules.source')} → ${t('rules.target')}`,
      sortValue: (r) => r.source,
      cell: (r) => (
        <span className="inline-flex flex-wrap items-center gap-1 font-mono text-[13px]">
          <span>{r.source}</span>
          <ArrowRight aria-label="→" className="size-3.5 text-slate-400" />
          <span>{r.target}</span>
          <span className="font-sans text-xs text-slate-500">({r.clusterName})</span>
        </span>
      ),
    },
    {
      id: 'counters',
      header: t('rules.counters'),
      sortValue: (r) => r.stats?.sent ?? -1,
      className: 'tabular-nums',
      cell: (r) =>
        r.stats ? (
          <span>
            {fmt.number(r.stats.sent)} / <span className={r.stats.failed ? 'text-red-600' : undefined}>{fmt.number(r.stats.failed)}</span> /{' '}
            {fmt.number(r.stats.buffered)} / <span className={r.stats.dropped ? 'text-red-600' : undefined}>{fmt.number(r.stats.dropped)}</span>
            {r.stats.lastSentAt !== null && (
              <span className="block text-xs text-slate-500">
                {t('rules.lastSent')}: {fmt.dateTime(r.stats.lastSentAt)}
              </span>
            )}
          </span>
        ) : (
          dash
        ),
    },
    {
      id: 'lastError',
      header: t('rules.lastError'),
      sortValue: (r) => r.stats?.lastErrorAt ?? 0,
      className: 'max-w-xs',
      cell: (r) =>
        r.stats?.lastError ? (
          <span className="text-red-700">
            <span className="line-clamp-2 break-words">{r.stats.lastError}</span>
            {r.stats.lastErrorAt !== null && <span className="block text-xs text-slate-500">{fmt.dateTime(r.stats.lastErrorAt)}</span>}
          </span>
        ) : (
          dash
        ),
    },
    actionsColumn(t('common.actions'), (r) => [
      { text: t('common.edit'), label: `${t('common.edit')}: ${r.ruleId}`, onClick: () => setEditing(r) },
      { text: t('common.delete'), label: `${t('common.delete')}: ${r.ruleId}`, onClick: () => setDeleting(r), danger: true },
    ]),
  ];

  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">{t('rules.description')}</p>
      {list.data?.statsError && (
        <Callout tone="warning">{t('rules.statsUnavailable', { reason: list.data.statsError })}</Callout>
      )}
      <DataTable
        label={t('rules.title')}
        {...queryTableProps(list, rules)}
        columns={columns}
        rowKey={(r) => r.ruleId}
        rowTestId={(r) => `rule-row-${r.ruleId}`}
        search={searchRule}
        initialSort={{ id: 'ruleId', direction: 'asc' }}
        toolbar={
          <CreateButton onClick={() => setCreating(true)} disabled={(rules?.length ?? 0) >= RULES_PER_INSTANCE}>
            {t('rules.create')}
          </CreateButton>
        }
        empty={<EmptyRules />}
      />
      <Dialog open={creating} onClose={() => setCreating(false)} title={t('rules.wizardTitle')} size="lg">
        <RuleWizard instanceId={instanceId} onClose={() => setCreating(false)} />
      </Dialog>
      <Dialog open={editing !== null} onClose={() => setEditing(null)} title={editing ? t('rules.editTitle', { ruleId: editing.ruleId }) : ''}>
        {editing && <EditRuleForm rule={editing} onClose={() => setEditing(null)} />}
      </Dialog>
      {deleting && <DeleteRule rule={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}

function EmptyRules() {
  const { t } = useI18n();
  return (
    <div className="flex flex-col items-center gap-2 py-8 text-center">
      <Workflow aria-hidden="true" className="size-6 text-slate-400" />
      <p className="text-sm font-medium text-slate-700">{t('rules.empty')}</p>
    </div>
  );
}

const EDIT_FIELDS = ['description', 'source', 'target', 'clusterId'] as const;

function EditRuleForm({ rule, onClose }: { rule: Rule; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = useRules(rule.instanceId);
  const [description, setDescription] = useState(rule.description);
  const [source, setSource] = useState(rule.source);
  const [target, setTarget] = useState(rule.target);
  const [clusterId, setClusterId] = useState(String(rule.clusterId));
  const form = useFormErrors(EDIT_FIELDS);
  const after = useListChange({ refresh, success: (r: Pick<Rule, 'ruleId'>) => t('rules.saved', { ruleId: r.ruleId }), done: onClose });
  const update = useMutation(router.update.mutationOptions({ ...after, onError: (err) => form.fromServer(err) }));

  function onSubmit() {
    const errors: FieldErrors = {};
    const ends = ruleEndSchemas(rule.type);
    for (const [side, value] of [
      ['source', source],
      ['target', target],
    ] as const) {
      const parsed = ends[side].safeParse(value);
      if (!value.trim()) errors[side] = { key: 'v.required' };
      else if (!parsed.success) errors[side] = { key: parsed.error.issues[0]!.message };
    }
    if (!clusterIdSchema.safeParse(clusterId || undefined).success) errors.clusterId = { key: 'v.cluster.id' };
    if (description.trim().length > 256) errors.description = { key: 'v.description.length' };
    if (Object.keys(errors).length) return form.setErrors(errors);
    form.clear();
    update.mutate({ instanceId: rule.instanceId, ruleId: rule.ruleId, description, source, target, clusterId: Number(clusterId) });
  }

  const end = (side: 'source' | 'target') => (
    <RuleEndFields
      instanceId={rule.instanceId}
      type={rule.type}
      side={side}
      value={side === 'source' ? source : target}
      clusterId={clusterId}
      onValue={(v) => {
        if (side === 'source') setSource(v);
        else setTarget(v);
        form.clear(side);
      }}
      onCluster={(v) => {
        setClusterId(v);
        form.clear('clusterId');
      }}
      message={form.message}
    />
  );

  return (
    <DialogForm form={form} onSubmit={onSubmit} onCancel={onClose} pending={update.isPending} submitLabel={t('common.save')}>
      <p className="text-sm text-slate-600">
        {t('rules.type')}: <span className="font-medium text-slate-900">{t(`rule.type.${rule.type}`)}</span>
      </p>
      {/* Only the RocketMQ end carries the cluster select. */}
      {end('source')}
      {end('target')}
      <DescriptionField id="rule-edit-description" value={description} error={form.message('description')} onChange={form.setter('description', setDescription)} />
    </DialogForm>
  );
}

function DeleteRule({ rule, onClose }: { rule: Rule; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = useRules(rule.instanceId);
  const remove = useMutation(router.delete.mutationOptions(useListChange({ refresh, done: onClose })));
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      pending={remove.isPending}
      title={t('rules.delete.title', { ruleId: rule.ruleId })}
      confirmLabel={t('common.delete')}
      onConfirm={() => remove.mutate({ instanceId: rule.instanceId, ruleId: rule.ruleId })}
    >
      {t('rules.delete.text')}
    </ConfirmDialog>
  );
}
