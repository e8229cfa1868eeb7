'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { KeyRound, TriangleAlert } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';
import { useFormat } from '@/components/format';
import { useFormErrors } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { useListChange, useRefresh } from '@/components/mutations';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Callout, PageHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { CopyButton } from '@/components/ui/copy-button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { DescriptionField } from '@/components/ui/description-field';
import { Dialog, DialogBody, DialogFooter } from '@/components/ui/dialog';
import { DialogForm } from '@/components/ui/dialog-form';
import { Switch } from '@/components/ui/form-field';
import { actionsColumn, CreateButton, Dash, dateColumn, descriptionColumn, queryTableProps } from '@/components/ui/list-parts';
import { EmptyState } from '@/components/ui/states';
import { ValueRow } from '@/components/ui/value-row';
import { accessKeyCreateSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import type { AppRouter } from '@/server/api/root';

type AccessKey = inferRouterOutputs<AppRouter>['accessKeys']['list'][number];

const searchKey = (k: AccessKey) => [k.id, k.description];

function useAccessKeys() {
  const trpc = useTRPC();
  return { router: trpc.accessKeys, refresh: useRefresh(trpc.accessKeys.list.queryKey()) };
}

export function AccessKeysPage() {
  const { t } = useI18n();
  const fmt = useFormat();
  const trpc = useTRPC();
  const list = useQuery(trpc.accessKeys.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<AccessKey | null>(null);

  const columns: Column<AccessKey>[] = [
    {
      id: 'id',
      header: t('ak.col.id'),
      sortValue: (k) => k.id,
      cell: (k) => (
        <span className="flex items-center gap-1 font-mono text-[13px] text-slate-900">
          {k.id}
          <CopyButton iconOnly value={k.id} what={t('ak.copyId')} />
        </span>
      ),
    },
    descriptionColumn(t('field.description'), (k) => k.description, { className: 'max-w-xs', textClassName: '' }),
    dateColumn('created', t('common.created'), (k) => k.createdAt, fmt.dateTime),
    dateColumn('lastUsed', t('ak.col.lastUsed'), (k) => k.lastUsedAt, fmt.dateTime, <Dash>{t('ak.never')}</Dash>),
    {
      id: 'enabled',
      header: t('ak.col.enabled'),
      sortValue: (k) => k.enabled,
      cell: (k) => <EnabledToggle accessKey={k} />,
    },
    actionsColumn(t('common.actions'), (k) => [{ text: t('common.delete'), label: t('ak.deleteAria', { id: k.id }), onClick: () => setDeleting(k), danger: true }]),
  ];

  return (
    <>
      <PageHeader title={t('nav.accessKeys')} description={t('ak.description')} />
      <DataTable
        label={t('nav.accessKeys')}
        {...queryTableProps(list, list.data)}
        columns={columns}
        rowKey={(k) => k.id}
        rowTestId={(k) => `accesskey-row-${k.id}`}
        search={searchKey}
        searchPlaceholder={t('ak.searchPlaceholder')}
        initialSort={{ id: 'created', direction: 'desc' }}
        toolbar={<CreateButton onClick={() => setCreating(true)}>{t('ak.create.button')}</CreateButton>}
        empty={<EmptyState icon={<KeyRound className="size-6" />} title={t('ak.empty.title')} description={t('ak.empty.description')} />}
      />
      <CreateAccessKeyDialog open={creating} onClose={() => setCreating(false)} />
      {deleting && <DeleteAccessKey accessKey={deleting} onClose={() => setDeleting(null)} />}
    </>
  );
}

function EnabledToggle({ accessKey }: { accessKey: AccessKey }) {
  const { t } = useI18n();
  const { router, refresh } = useAccessKeys();
  const setEnabled = useMutation(
    router.setEnabled.mutationOptions(
      useListChange({ refresh, success: (k: Pick<AccessKey, 'id' | 'enabled'>) => t(k.enabled ? 'ak.enabled.success' : 'ak.disabled.success', { id: k.id }) }),
    ),
  );
  const enabled = setEnabled.isPending ? !accessKey.enabled : accessKey.enabled;
  return (
    <span className="flex items-center gap-2">
      <Switch
        checked={enabled}
        disabled={setEnabled.isPending}
        aria-label={t('ak.enabledAria', { id: accessKey.id })}
        onChange={(e) => setEnabled.mutate({ id: accessKey.id, enabled: e.target.checked })}
      />
      <Badge tone={enabled ? 'green' : 'gray'} dot>
        {enabled ? t('ak.status.enabled') : t('ak.status.disabled')}
      </Badge>
    </span>
  );
}

function CreateAccessKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  // The secret lives only in this state while the dialog is open; closing drops it.
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
  function close() {
    setCreated(null);
    onClose();
  }
  return (
    <Dialog
      open={open}
      onClose={close}
      title={created ? t('ak.created.title') : t('ak.create.title')}
      description={created ? undefined : t('ak.create.description')}
    >
      {created ? <ShowSecret created={created} onClose={close} /> : <CreateAccessKeyForm onCreated={setCreated} onClose={close} />}
    </Dialog>
  );
}

const CREATE_FIELDS = ['description'] as const;

function CreateAccessKeyForm({ onCreated, onClose }: { onCreated: (k: { id: string; secret: string }) => void; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = useAccessKeys();
  const [description, setDescription] = useState('');
  const form = useFormErrors(CREATE_FIELDS);
  const create = useMutation(
    router.create.mutationOptions({
      // Once this form unmounts (the dialog then shows the secret), the mutation cache drops
      // its copy of the response at once: the dialog's state holds the only one.
      gcTime: 0,
      onSuccess: async (k) => {
        onCreated({ id: k.id, secret: k.secret });
        toast.success(t('ak.create.success', { id: k.id }));
        await refresh();
      },
      onError: (err) => form.fromServer(err),
    }),
  );

  function onSubmit() {
    const data = form.check(accessKeyCreateSchema, { description });
    if (data) create.mutate(data);
  }

  return (
    <DialogForm form={form} onSubmit={onSubmit} onCancel={onClose} pending={create.isPending} submitLabel={t('common.create')}>
      <DescriptionField id="accesskey-description" value={description} error={form.message('description')} onChange={form.setter('description', setDescription)} />
    </DialogForm>
  );
}

function ShowSecret({ created, onClose }: { created: { id: string; secret: string }; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <>
      <DialogBody>
        <Callout tone="warning" icon={<TriangleAlert aria-hidden="true" className="size-4 text-amber-600" />} title={t('ak.created.warningTitle')}>
          {t('ak.created.warning')}
        </Callout>
        <ValueRow label={t('ak.col.id')} value={created.id} testId="accesskey-id" what={t('ak.copyId')} />
        <ValueRow label={t('ak.secret')} value={created.secret} testId="accesskey-secret" what={t('ak.copySecret')} />
      </DialogBody>
      <DialogFooter>
        <Button variant="primary" onClick={onClose}>
          {t('ak.created.done')}
        </Button>
      </DialogFooter>
    </>
  );
}

function DeleteAccessKey({ accessKey, onClose }: { accessKey: AccessKey; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = useAccessKeys();
  const remove = useMutation(
    router.delete.mutationOptions(useListChange({ refresh, success: () => t('ak.delete.success', { id: accessKey.id }), done: onClose })),
  );
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      pending={remove.isPending}
      title={t('ak.delete.title')}
      onConfirm={() => remove.mutate({ id: accessKey.id })}
    >
      {t('ak.delete.text', { id: accessKey.id })}
    </ConfirmDialog>
  );
}
