'use client';
/** The Permissions tab: topic permission rules of one instance (list, create, delete). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus, ShieldCheck } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormat } from '@/components/format';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Dialog, DialogBody, FormDialogFooter } from '@/components/ui/dialog';
import { FormAlert, FormField, Input, Select } from '@/components/ui/form-field';
import { EmptyState } from '@/components/ui/states';
import {
  PERMISSION_ACTIONS,
  PERMISSION_EFFECTS,
  permissionCreateSchema,
  type PermissionAction,
  type PermissionEffect,
} from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { errorInfo } from '@/lib/trpc/errors';
import { DescriptionField } from './resource-tab';

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
  const queryClient = useQueryClient();
  return {
    router: trpc.permissions,
    listOptions: trpc.permissions.list.queryOptions({ instanceId }),
    refresh: () => queryClient.invalidateQueries({ queryKey: trpc.permissions.list.queryKey({ instanceId }) }),
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
    {
      id: 'description',
      header: t('field.description'),
      sortValue: (r) => r.description,
      className: 'max-w-md',
      cell: (r) =>
        r.description ? (
          <span className="line-clamp-2 break-words text-slate-700">{r.description}</span>
        ) : (
          <span className="text-slate-400">—</span>
        ),
    },
    {
      id: 'created',
      header: t('common.created'),
      sortValue: (r) => r.createdAt,
      className: 'whitespace-nowrap text-slate-600 tabular-nums',
      cell: (r) => fmt.dateTime(r.createdAt),
    },
    {
      id: 'actions',
      header: t('common.actions'),
      headerClassName: 'text-right',
      className: 'text-right whitespace-nowrap',
      cell: (r) => (
        <Button
          variant="link"
          className="text-red-600 hover:text-red-700"
          onClick={() => setDeleting(r)}
          aria-label={t('permissions.deleteAria', { filter: r.filter, action: t(`permissions.action.${r.action}`) })}
        >
          {t('common.delete')}
        </Button>
      ),
    },
  ];

  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">{t('permissions.intro')}</p>
      <DataTable
        label={t('permissions.tableLabel')}
        rows={list.data}
        loading={list.isPending}
        error={list.error}
        onRetry={() => list.refetch()}
        columns={columns}
        rowKey={(r) => String(r.id)}
        rowTestId={(r) => `permission-row-${r.filter}-${r.action}`}
        search={searchRule}
        searchPlaceholder={t('permissions.searchPlaceholder')}
        initialSort={{ id: 'filter', direction: 'asc' }}
        toolbar={
          <Button variant="primary" onClick={() => setCreating(true)}>
            <Plus aria-hidden="true" className="size-4" />
            {t('permissions.create.button')}
          </Button>
        }
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
  const create = useMutation(
    router.create.mutationOptions({
      onSuccess: async (row) => {
        await refresh();
        toast.success(t('permissions.create.success', { filter: row.filter }));
        onClose();
      },
      onError: (err) => form.fromServer(err),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const result = validate(permissionCreateSchema, { instanceId, filter, action, effect, description });
    if (!result.ok) return form.setErrors(result.errors);
    form.clear();
    create.mutate(result.data);
  }

  return (
    <form id={form.formId} noValidate onSubmit={onSubmit}>
      <DialogBody>
        <FormField
          id="permission-filter"
          label={t('permissions.col.filter')}
          hint={t('permissions.filter.hint')}
          error={form.message('filter')}
          required
        >
          {(p) => (
            <Input
              {...p}
              value={filter}
              autoComplete="off"
              spellCheck={false}
              placeholder={t('permissions.filter.placeholder')}
              className="font-mono"
              onChange={(e) => {
                setFilter(e.target.value);
                form.clear('filter');
              }}
            />
          )}
        </FormField>
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField id="permission-action" label={t('permissions.col.action')} error={form.message('action')}>
            {(p) => (
              <Select
                {...p}
                value={action}
                onChange={(e) => {
                  setAction(e.target.value as PermissionAction);
                  form.clear('action');
                  form.clear('filter'); // a duplicate is per filter and action
                }}
              >
                {PERMISSION_ACTIONS.map((a) => (
                  <option key={a} value={a}>
                    {t(`permissions.action.${a}`)}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
          <FormField id="permission-effect" label={t('permissions.col.effect')} error={form.message('effect')}>
            {(p) => (
              <Select
                {...p}
                value={effect}
                onChange={(e) => {
                  setEffect(e.target.value as PermissionEffect);
                  form.clear('effect');
                }}
              >
                {PERMISSION_EFFECTS.map((x) => (
                  <option key={x} value={x}>
                    {t(`permissions.effect.${x}`)}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
        </div>
        <DescriptionField
          id="permission-description"
          value={description}
          error={form.message('description')}
          onChange={(v) => {
            setDescription(v);
            form.clear('description');
          }}
        />
        {form.formError && <FormAlert>{form.formError}</FormAlert>}
      </DialogBody>
      <FormDialogFooter onCancel={onClose} pending={create.isPending} submitLabel={t('common.create')} />
    </form>
  );
}

function DeletePermission({ rule, onClose }: { rule: Rule; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = usePermissions(rule.instanceId);
  const action = t(`permissions.action.${rule.action}`);
  const remove = useMutation(
    router.delete.mutationOptions({
      onSuccess: async () => {
        await refresh();
        toast.success(t('permissions.delete.success', { filter: rule.filter }));
        onClose();
      },
      onError: (err) => {
        const info = errorInfo(err);
        toast.error(t(info.key, info.params));
      },
    }),
  );
  return (
    <ConfirmDialog
      open
      danger
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
