'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { KeyRound, Plus, TriangleAlert } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormat } from '@/components/format';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { DescriptionField } from '@/components/instances/resource-tab';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Callout, PageHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { CopyButton } from '@/components/ui/copy-button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Dialog, DialogBody, DialogFooter, FormDialogFooter } from '@/components/ui/dialog';
import { FormAlert, Switch } from '@/components/ui/form-field';
import { EmptyState } from '@/components/ui/states';
import { ValueRow } from '@/components/ui/value-row';
import { accessKeyCreateSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { errorInfo } from '@/lib/trpc/errors';
import type { AppRouter } from '@/server/api/root';

type AccessKey = inferRouterOutputs<AppRouter>['accessKeys']['list'][number];

const searchKey = (k: AccessKey) => [k.id, k.description];

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
    {
      id: 'description',
      header: t('field.description'),
      sortValue: (k) => k.description,
      className: 'max-w-xs',
      cell: (k) => (k.description ? <span className="line-clamp-2 break-words">{k.description}</span> : <span className="text-slate-400">—</span>),
    },
    {
      id: 'created',
      header: t('common.created'),
      sortValue: (k) => k.createdAt,
      className: 'whitespace-nowrap text-slate-600 tabular-nums',
      cell: (k) => fmt.dateTime(k.createdAt),
    },
    {
      id: 'lastUsed',
      header: t('ak.col.lastUsed'),
      sortValue: (k) => k.lastUsedAt,
      className: 'whitespace-nowrap text-slate-600 tabular-nums',
      cell: (k) => (k.lastUsedAt ? fmt.dateTime(k.lastUsedAt) : <span className="text-slate-400">{t('ak.never')}</span>),
    },
    {
      id: 'enabled',
      header: t('ak.col.enabled'),
      sortValue: (k) => k.enabled,
      cell: (k) => <EnabledToggle accessKey={k} />,
    },
    {
      id: 'actions',
      header: t('common.actions'),
      headerClassName: 'text-right',
      className: 'text-right',
      cell: (k) => (
        <Button
          variant="link"
          className="text-red-600 hover:text-red-700"
          onClick={() => setDeleting(k)}
          aria-label={t('ak.deleteAria', { id: k.id })}
        >
          {t('common.delete')}
        </Button>
      ),
    },
  ];

  return (
    <>
      <PageHeader title={t('nav.accessKeys')} description={t('ak.description')} />
      <DataTable
        label={t('nav.accessKeys')}
        rows={list.data}
        loading={list.isPending}
        error={list.error}
        onRetry={() => list.refetch()}
        columns={columns}
        rowKey={(k) => k.id}
        rowTestId={(k) => `accesskey-row-${k.id}`}
        search={searchKey}
        searchPlaceholder={t('ak.searchPlaceholder')}
        initialSort={{ id: 'created', direction: 'desc' }}
        toolbar={
          <Button variant="primary" onClick={() => setCreating(true)}>
            <Plus aria-hidden="true" className="size-4" />
            {t('ak.create.button')}
          </Button>
        }
        empty={<EmptyState icon={<KeyRound className="size-6" />} title={t('ak.empty.title')} description={t('ak.empty.description')} />}
      />
      <CreateAccessKeyDialog open={creating} onClose={() => setCreating(false)} />
      {deleting && <DeleteAccessKey accessKey={deleting} onClose={() => setDeleting(null)} />}
    </>
  );
}

function EnabledToggle({ accessKey }: { accessKey: AccessKey }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const setEnabled = useMutation(
    trpc.accessKeys.setEnabled.mutationOptions({
      onSuccess: async (k) => {
        await queryClient.invalidateQueries({ queryKey: trpc.accessKeys.list.queryKey() });
        toast.success(t(k.enabled ? 'ak.enabled.success' : 'ak.disabled.success', { id: k.id }));
      },
      onError: (err) => {
        const info = errorInfo(err);
        toast.error(t(info.key, info.params));
      },
    }),
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
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [description, setDescription] = useState('');
  const form = useFormErrors(CREATE_FIELDS);
  const create = useMutation(
    trpc.accessKeys.create.mutationOptions({
      // Once this form unmounts (the dialog then shows the secret), the mutation cache drops
      // its copy of the response at once: the dialog's state holds the only one.
      gcTime: 0,
      onSuccess: async (k) => {
        onCreated({ id: k.id, secret: k.secret });
        toast.success(t('ak.create.success', { id: k.id }));
        await queryClient.invalidateQueries({ queryKey: trpc.accessKeys.list.queryKey() });
      },
      onError: (err) => form.fromServer(err),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const result = validate(accessKeyCreateSchema, { description });
    if (!result.ok) return form.setErrors(result.errors);
    form.clear();
    create.mutate(result.data);
  }

  return (
    <form id={form.formId} noValidate onSubmit={onSubmit}>
      <DialogBody>
        <DescriptionField
          id="accesskey-description"
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
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.accessKeys.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.accessKeys.list.queryKey() });
        toast.success(t('ak.delete.success', { id: accessKey.id }));
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
      title={t('ak.delete.title')}
      onConfirm={() => remove.mutate({ id: accessKey.id })}
    >
      {t('ak.delete.text', { id: accessKey.id })}
    </ConfirmDialog>
  );
}
