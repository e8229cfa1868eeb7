'use client';
/** The Permissions tab: topic permission rules of one instance (list, create, delete). */
import { useMutation, useQuery } from '@tanstack/react-query';
import { ShieldCheck } from 'lucide-react';
import { useState } from 'react';
import { useFormat } from '@/components/format';
import { useFormErrors } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { useListChange, useRefresh } from '@/components/mutations';
import { Badge } from '@/components/ui/badge';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { DescriptionField } from '@/components/ui/description-field';
import { Dialog } from '@/components/ui/dialog';
import { DialogForm } from '@/components/ui/dialog-form';
import { CodeInput, FormField, Select } from '@/components/ui/form-field';
import { actionsColumn, CreateButton, dateColumn, descriptionColumn, queryTableProps } from '@/components/ui/list-parts';
import { EmptyState } from '@/components/ui/states';
import {
  PERMISSION_ACTIONS,
  PERMISSION_EFFECTS,
  permissionCreateSchema,
  type PermissionAction,
  type PermissionEffect,
} from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';

interface Rule {
  id: number;
  instanceId: string;
  filter: string;
  action: PermissionAction;
  effect: PermissionEffect;
  description: string;
  createdAt: number;
}

function usePermissions(instanceId: string) {
  const trpc = useTRPC();
  return {
    router: trpc.permissions,
    listOptions: trpc.permissions.list.queryOptions({ instanceId }),
    refresh: useRefresh(trpc.permissions.list.queryKey({ instanceId })),
  };
}

const searchRule = (r: Rule) => [r.filter, r.action, r.effect, r.description];

export function PermissionsTab({ instanceId }: { instanceId: string }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const list = useQuery(usePermissions(instanceId).listOptions);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Rule | null>(null);

  const columns: Column<Rule>[] = [
    {
      id: 'filter',
      header: t('permissions.col.filter'),
      sortValue: (r) => r.filter,
      cell: (r) => <span className="font-mono text-[13px] font-medium break-all text-slate-900">{r.filter}</span>,
    },
    {
      id: 'action',
      header: t('permissions.col.action'),
      sortValue: (r) => r.action,
      className: 'whitespace-nowrap',
      cell: (r) => t(`permissions.action.${r.action}`),
    },
    {
      id: 'effect',
      header: t('permissions.col.effect'),
      sortValue: (r) => r.effect,
      cell: (r) => <Badge tone={r.effect === 'deny' ? 'red' : 'green'}>{t(`permissions.effect.${r.effect}`)}</Badge>,
    },
    descriptionColumn(t('field.description'), (r) => r.description),
    dateColumn('created', t('common.created'), (r) => r.createdAt, fmt.dateTime),
    actionsColumn(t('common.actions'), (r) => [
      {
        text: t('common.delete'),
        label: t('permissions.deleteAria', { filter: r.filter, action: t(`permissions.action.${r.action}`) }),
        onClick: () => setDeleting(r),
        danger: true,
      },
    ]),
  ];

  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">{t('permissions.intro')}</p>
      <DataTable
        label={t('permissions.tableLabel')}
        {...queryTableProps(list, list.data)}
        columns={columns}
        rowKey={(r) => String(r.id)}
        rowTestId={(r) => `permission-row-${r.filter}-${r.action}`}
        search={searchRule}
        searchPlaceholder={t('permissions.searchPlaceholder')}
        initialSort={{ id: 'filter', direction: 'asc' }}
        toolbar={<CreateButton onClick={() => setCreating(true)}>{t('permissions.create.button')}</CreateButton>}
        empty={
          <EmptyState
            icon={<ShieldCheck className="size-6" />}
            title={t('permissions.empty.title')}
            description={t('permissions.empty.description')}
          />
        }
      />

      <Dialog
        open={creating}
        onClose={() => setCreating(false)}
        title={t('permissions.create.title')}
        description={t('permissions.create.description')}
      >
        <CreatePermissionForm instanceId={instanceId} onClose={() => setCreating(false)} />
      </Dialog>
      {deleting && <DeletePermission rule={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}

const CREATE_FIELDS = ['filter', 'action', 'effect', 'description'] as const;

function CreatePermissionForm({ instanceId, onClose }: { instanceId: string; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = usePermissions(instanceId);
  const [filter, setFilter] = useState('');
  const [action, setAction] = useState<PermissionAction>('subscribe');
  const [effect, setEffect] = useState<PermissionEffect>('deny');
  const [description, setDescription] = useState('');
  const form = useFormErrors(CREATE_FIELDS);
  const after = useListChange({ refresh, success: (row: Rule) => t('permissions.create.success', { filter: row.filter }), done: onClose });
  const create = useMutation(router.create.mutationOptions({ ...after, onError: (err) => form.fromServer(err) }));

  function onSubmit() {
    const data = form.check(permissionCreateSchema, { instanceId, filter, action, effect, description });
    if (data) create.mutate(data);
  }

  /** The action or effect select; the options' names are translated like the column's values. */
  const choice = <V extends string>(field: 'action' | 'effect', value: V, options: readonly V[], onChange: (v: V) => void) => (
    <FormField id={`permission-${field}`} label={t(`permissions.col.${field}`)} error={form.message(field)}>
      {(p) => (
        <Select {...p} value={value} onChange={(e) => form.setter(field, onChange)(e.target.value as V)}>
          {options.map((o) => (
            <option key={o} value={o}>
              {t(`permissions.${field}.${o}`)}
            </option>
          ))}
        </Select>
      )}
    </FormField>
  );

  return (
    <DialogForm form={form} onSubmit={onSubmit} onCancel={onClose} pending={create.isPending} submitLabel={t('common.create')}>
      <FormField id="permission-filter" label={t('permissions.col.filter')} hint={t('permissions.filter.hint')} error={form.message('filter')} required>
        {(p) => (
          <CodeInput {...p} value={filter} placeholder={t('permissions.filter.placeholder')} onChange={(e) => form.setter('filter', setFilter)(e.target.value)} />
        )}
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
        {/* A duplicate is per filter and action: a new action clears the filter's error too. */}
        {choice('action', action, PERMISSION_ACTIONS, (v) => {
          setAction(v);
          form.clear('filter');
        })}
        {choice('effect', effect, PERMISSION_EFFECTS, setEffect)}
      </div>
      <DescriptionField id="permission-description" value={description} error={form.message('description')} onChange={form.setter('description', setDescription)} />
    </DialogForm>
  );
}

function DeletePermission({ rule, onClose }: { rule: Rule; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = usePermissions(rule.instanceId);
  const action = t(`permissions.action.${rule.action}`);
  const remove = useMutation(
    router.delete.mutationOptions(useListChange({ refresh, success: () => t('permissions.delete.success', { filter: rule.filter }), done: onClose })),
  );
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      pending={remove.isPending}
      title={t('permissions.delete.title')}
      confirmLabel={t('common.delete')}
      onConfirm={() => remove.mutate({ instanceId: rule.instanceId, filter: rule.filter, action: rule.action })}
    >
      {t(rule.effect === 'deny' ? 'permissions.delete.textDeny' : 'permissions.delete.textAllow', { filter: rule.filter, action })}
    </ConfirmDialog>
  );
}
