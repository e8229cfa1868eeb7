'use client';
/** The Topics and Groups tabs: parent topics and Group IDs of one instance. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { FolderTree, Info, Plus, Users } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormat } from '@/components/format';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Callout } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Dialog, DialogBody, FormDialogFooter } from '@/components/ui/dialog';
import { FormAlert, FormField, Input, Textarea } from '@/components/ui/form-field';
import { EmptyState } from '@/components/ui/states';
import { DESCRIPTION_MAX, describeSchema, groupCreateSchema, topicCreateSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { errorInfo } from '@/lib/trpc/errors';
import { TestMessageDialog } from './test-message-dialog';

export type ResourceKind = 'topic' | 'group';

interface Resource {
  id: number;
  instanceId: string;
  name: string;
  description: string;
  createdAt: number;
}

/** The two routers have the same procedures; this picks one and its texts. */
function useResource(kind: ResourceKind, instanceId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = kind === 'topic' ? trpc.topics : trpc.groups;
  const listKey = router.list.queryKey({ instanceId });
  return {
    router,
    listOptions: router.list.queryOptions({ instanceId }),
    /** After a change: this list and the instance list's counts. */
    refresh: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: listKey }),
        queryClient.invalidateQueries({ queryKey: trpc.instances.list.queryKey() }),
      ]),
    k: (key: string) => `${kind}s.${key}`,
  };
}

const searchResource = (r: Resource) => [r.name, r.description];

export function ResourceTab({ kind, instanceId, openMode }: { kind: ResourceKind; instanceId: string; openMode: boolean }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const { listOptions, k } = useResource(kind, instanceId);
  const list = useQuery(listOptions);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Resource | null>(null);
  const [deleting, setDeleting] = useState<Resource | null>(null);
  const [sending, setSending] = useState<Resource | null>(null);

  const columns: Column<Resource>[] = [
    {
      id: 'name',
      header: t(k('col.name')),
      sortValue: (r) => r.name,
      cell: (r) => <span className="font-mono text-[13px] font-medium text-slate-900">{r.name}</span>,
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
        <span className="inline-flex items-center gap-3">
          {kind === 'topic' && (
            <Button variant="link" onClick={() => setSending(r)} aria-label={t('topics.sendTestAria', { name: r.name })}>
              {t('topics.sendTest')}
            </Button>
          )}
          <Button variant="link" onClick={() => setEditing(r)} aria-label={t('resource.editAria', { name: r.name })}>
            {t('resource.editDescription')}
          </Button>
          <Button
            variant="link"
            className="text-red-600 hover:text-red-700"
            onClick={() => setDeleting(r)}
            aria-label={t('resource.deleteAria', { name: r.name })}
          >
            {t('common.delete')}
          </Button>
        </span>
      ),
    },
  ];

  const Icon = kind === 'topic' ? FolderTree : Users;

  return (
    <div className="space-y-4">
      {openMode && (
        <Callout tone="warning" icon={<Info aria-hidden="true" className="size-4 text-amber-600" />}>
          {t(k('openModeNote'))}
        </Callout>
      )}
      <DataTable
        label={t(k('tableLabel'))}
        rows={list.data}
        loading={list.isPending}
        error={list.error}
        onRetry={() => list.refetch()}
        columns={columns}
        rowKey={(r) => String(r.id)}
        rowTestId={(r) => `${kind}-row-${r.name}`}
        search={searchResource}
        searchPlaceholder={t(k('searchPlaceholder'))}
        initialSort={{ id: 'name', direction: 'asc' }}
        toolbar={
          <Button variant="primary" onClick={() => setCreating(true)}>
            <Plus aria-hidden="true" className="size-4" />
            {t(k('create.button'))}
          </Button>
        }
        empty={<EmptyState icon={<Icon className="size-6" />} title={t(k('empty.title'))} description={t(k('empty.description'))} />}
      />

      <Dialog open={creating} onClose={() => setCreating(false)} title={t(k('create.title'))} description={t(k('create.description'))}>
        <CreateResourceForm kind={kind} instanceId={instanceId} onClose={() => setCreating(false)} />
      </Dialog>
      <Dialog
        open={editing !== null}
        onClose={() => setEditing(null)}
        title={t(k('edit.title'))}
        description={editing ? t(k('editDescription'), { name: editing.name }) : undefined}
      >
        {editing && <EditDescriptionForm kind={kind} resource={editing} onClose={() => setEditing(null)} />}
      </Dialog>
      {deleting && <DeleteResource kind={kind} resource={deleting} onClose={() => setDeleting(null)} />}
      {sending && <TestMessageDialog instanceId={instanceId} topic={sending.name} onClose={() => setSending(null)} />}
    </div>
  );
}

const CREATE_FIELDS = ['name', 'description'] as const;

function CreateResourceForm({ kind, instanceId, onClose }: { kind: ResourceKind; instanceId: string; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh, k } = useResource(kind, instanceId);
  const [name, setName] = useState(kind === 'group' ? 'GID_' : '');
  const [description, setDescription] = useState('');
  const form = useFormErrors(CREATE_FIELDS);
  const create = useMutation(
    router.create.mutationOptions({
      onSuccess: async (row) => {
        await refresh();
        toast.success(t(k('create.success'), { name: row.name }));
        onClose();
      },
      onError: (err) => form.fromServer(err),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const schema = kind === 'topic' ? topicCreateSchema : groupCreateSchema;
    const result = validate(schema, { instanceId, name, description });
    if (!result.ok) return form.setErrors(result.errors);
    form.clear();
    create.mutate(result.data);
  }

  return (
    <form id={form.formId} noValidate onSubmit={onSubmit}>
      <DialogBody>
        <FormField id={`${kind}-name`} label={t('field.name')} hint={t(k('name.hint'))} error={form.message('name')} required>
          {(p) => (
            <Input
              {...p}
              value={name}
              autoComplete="off"
              spellCheck={false}
              placeholder={t(k('name.placeholder'))}
              className="font-mono"
              onChange={(e) => {
                setName(e.target.value);
                form.clear('name');
              }}
            />
          )}
        </FormField>
        <DescriptionField
          id={`${kind}-description`}
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

export function DescriptionField({
  id,
  value,
  error,
  onChange,
}: {
  id: string;
  value: string;
  error?: string;
  onChange: (value: string) => void;
}) {
  const { t } = useI18n();
  return (
    <FormField
      id={id}
      label={t('field.description')}
      optional={t('common.optional')}
      error={error}
      hint={t('field.descriptionHint', { count: value.length, max: DESCRIPTION_MAX })}
    >
      {(p) => <Textarea {...p} rows={3} value={value} onChange={(e) => onChange(e.target.value)} />}
    </FormField>
  );
}

const EDIT_FIELDS = ['description'] as const;

function EditDescriptionForm({ kind, resource, onClose }: { kind: ResourceKind; resource: Resource; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh, k } = useResource(kind, resource.instanceId);
  const [description, setDescription] = useState(resource.description);
  const form = useFormErrors(EDIT_FIELDS);
  const describe = useMutation(
    router.describe.mutationOptions({
      onSuccess: async (row) => {
        await refresh();
        toast.success(t(k('edit.success'), { name: row.name }));
        onClose();
      },
      onError: (err) => form.fromServer(err),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const result = validate(describeSchema, { instanceId: resource.instanceId, name: resource.name, description });
    if (!result.ok) return form.setErrors(result.errors);
    form.clear();
    describe.mutate(result.data);
  }

  return (
    <form id={form.formId} noValidate onSubmit={onSubmit}>
      <DialogBody>
        <FormField id={`${kind}-edit-name`} label={t('field.name')}>
          {(p) => <Input {...p} value={resource.name} readOnly disabled className="font-mono" />}
        </FormField>
        <DescriptionField
          id={`${kind}-edit-description`}
          value={description}
          error={form.message('description')}
          onChange={(v) => {
            setDescription(v);
            form.clear('description');
          }}
        />
        {form.formError && <FormAlert>{form.formError}</FormAlert>}
      </DialogBody>
      <FormDialogFooter onCancel={onClose} pending={describe.isPending} submitLabel={t('common.save')} />
    </form>
  );
}

function DeleteResource({ kind, resource, onClose }: { kind: ResourceKind; resource: Resource; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh, k } = useResource(kind, resource.instanceId);
  const remove = useMutation(
    router.delete.mutationOptions({
      onSuccess: async () => {
        await refresh();
        toast.success(t(k('delete.success'), { name: resource.name }));
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
      onClose={onClose}
      pending={remove.isPending}
      title={t(k('delete.title'))}
      onConfirm={() => remove.mutate({ instanceId: resource.instanceId, name: resource.name })}
    >
      {t(k('delete.text'), { name: resource.name })}
    </ConfirmDialog>
  );
}
