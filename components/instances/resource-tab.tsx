'use client';
/** The Topics and Groups tabs: parent topics and Group IDs of one instance. */
import { useMutation, useQuery } from '@tanstack/react-query';
import { FolderTree, Info, Users } from 'lucide-react';
import { useState } from 'react';
import { useFormat } from '@/components/format';
import { useFormErrors } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { useListChange, useRefresh } from '@/components/mutations';
import { Callout } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { DescriptionField } from '@/components/ui/description-field';
import { Dialog } from '@/components/ui/dialog';
import { DialogForm } from '@/components/ui/dialog-form';
import { CodeInput, FormField, Input } from '@/components/ui/form-field';
import { actionsColumn, CreateButton, dateColumn, descriptionColumn, queryTableProps } from '@/components/ui/list-parts';
import { EmptyState } from '@/components/ui/states';
import { describeSchema, groupCreateSchema, topicCreateSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
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
  const router = kind === 'topic' ? trpc.topics : trpc.groups;
  return {
    router,
    listOptions: router.list.queryOptions({ instanceId }),
    /** After a change: this list and the instance list's counts. */
    refresh: useRefresh(router.list.queryKey({ instanceId }), trpc.instances.list.queryKey()),
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
    descriptionColumn(t('field.description'), (r) => r.description),
    dateColumn('created', t('common.created'), (r) => r.createdAt, fmt.dateTime),
    actionsColumn(t('common.actions'), (r) => [
      kind === 'topic' && { text: t('topics.sendTest'), label: t('topics.sendTestAria', { name: r.name }), onClick: () => setSending(r) },
      { text: t('resource.editDescription'), label: t('resource.editAria', { name: r.name }), onClick: () => setEditing(r) },
      { text: t('common.delete'), label: t('resource.deleteAria', { name: r.name }), onClick: () => setDeleting(r), danger: true },
    ]),
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
        {...queryTableProps(list, list.data)}
        columns={columns}
        rowKey={(r) => String(r.id)}
        rowTestId={(r) => `${kind}-row-${r.name}`}
        search={searchResource}
        searchPlaceholder={t(k('searchPlaceholder'))}
        initialSort={{ id: 'name', direction: 'asc' }}
        toolbar={<CreateButton onClick={() => setCreating(true)}>{t(k('create.button'))}</CreateButton>}
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
  const after = useListChange({ refresh, success: (row: Resource) => t(k('create.success'), { name: row.name }), done: onClose });
  const create = useMutation(router.create.mutationOptions({ ...after, onError: (err) => form.fromServer(err) }));

  function onSubmit() {
    const data = form.check(kind === 'topic' ? topicCreateSchema : groupCreateSchema, { instanceId, name, description });
    if (data) create.mutate(data);
  }

  return (
    <DialogForm form={form} onSubmit={onSubmit} onCancel={onClose} pending={create.isPending} submitLabel={t('common.create')}>
      <FormField id={`${kind}-name`} label={t('field.name')} hint={t(k('name.hint'))} error={form.message('name')} required>
        {(p) => (
          <CodeInput
            {...p}
            value={name}
            placeholder={t(k('name.placeholder'))}
            onChange={(e) => {
              setName(e.target.value);
              form.clear('name');
            }}
          />
        )}
      </FormField>
      <DescriptionField id={`${kind}-description`} value={description} error={form.message('description')} onChange={form.setter('description', setDescription)} />
    </DialogForm>
  );
}

const EDIT_FIELDS = ['description'] as const;

function EditDescriptionForm({ kind, resource, onClose }: { kind: ResourceKind; resource: Resource; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh, k } = useResource(kind, resource.instanceId);
  const [description, setDescription] = useState(resource.description);
  const form = useFormErrors(EDIT_FIELDS);
  const after = useListChange({ refresh, success: (row: Resource) => t(k('edit.success'), { name: row.name }), done: onClose });
  const describe = useMutation(router.describe.mutationOptions({ ...after, onError: (err) => form.fromServer(err) }));

  function onSubmit() {
    const data = form.check(describeSchema, { instanceId: resource.instanceId, name: resource.name, description });
    if (data) describe.mutate(data);
  }

  return (
    <DialogForm form={form} onSubmit={onSubmit} onCancel={onClose} pending={describe.isPending} submitLabel={t('common.save')}>
      <FormField id={`${kind}-edit-name`} label={t('field.name')}>
        {(p) => <Input {...p} value={resource.name} readOnly disabled className="font-mono" />}
      </FormField>
      <DescriptionField id={`${kind}-edit-description`} value={description} error={form.message('description')} onChange={form.setter('description', setDescription)} />
    </DialogForm>
  );
}

function DeleteResource({ kind, resource, onClose }: { kind: ResourceKind; resource: Resource; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh, k } = useResource(kind, resource.instanceId);
  const remove = useMutation(
    router.delete.mutationOptions(useListChange({ refresh, success: () => t(k('delete.success'), { name: resource.name }), done: onClose })),
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
