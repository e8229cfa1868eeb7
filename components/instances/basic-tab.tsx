'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Trash2, TriangleAlert } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormat } from '@/components/format';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Callout, Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { CopyButton } from '@/components/ui/copy-button';
import { Dialog, DialogBody, FormDialogFooter } from '@/components/ui/dialog';
import { EditableCard } from '@/components/ui/editable-card';
import { FormAlert, FormField, Input } from '@/components/ui/form-field';
import type { Instance } from '@/db/schema';
import { instanceUpdateSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { useInstanceUpdate } from './use-instance-update';
import { errorInfo } from '@/lib/trpc/errors';
import { BrokerCard, StatusBadge } from './broker-status';
import { ModeBadge } from './instance-badges';
import { OpenModeField } from './open-mode-field';
import { LimitsCard } from './limits-card';
import { SpecFields, type SpecValues } from './spec-fields';
import { StatsCard } from './stats-card';
import { DetailItem } from '../ui/detail-item';

export function BasicTab({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  return (
    <div className="space-y-4">
      <EditableCard
        title={t('instance.tab.basic')}
        editing={editing}
        onEdit={() => setEditing(true)}
        form={<EditInstanceForm instance={instance} onDone={() => setEditing(false)} />}
      >
        <dl className="grid gap-x-8 gap-y-4 text-sm sm:grid-cols-2 lg:grid-cols-3">
          <DetailItem label={t('instance.id')}>
            <span className="flex items-center gap-1">
              <span className="font-mono">{instance.id}</span>
              <CopyButton iconOnly value={instance.id} what={t('instance.copyId')} />
            </span>
          </DetailItem>
          <DetailItem label={t('field.name')}>{instance.name}</DetailItem>
          <DetailItem label={t('instances.col.status')}>
            <StatusBadge instanceId={instance.id} />
          </DetailItem>
          <DetailItem label={t('instance.spec.maxConnections')}>{fmt.number(instance.maxConnections)}</DetailItem>
          <DetailItem label={t('instance.spec.maxTps')}>{fmt.number(instance.maxTps)}</DetailItem>
          <DetailItem label={t('instance.spec.maxSubscriptions')}>{fmt.number(instance.maxSubscriptions)}</DetailItem>
          <DetailItem label={t('instance.maxKeepAlive')}>
            {instance.maxKeepAlive === 0 ? t('instance.maxKeepAlive.none') : t('instance.maxKeepAlive.value', { n: instance.maxKeepAlive })}
          </DetailItem>
          <DetailItem label={t('instances.col.mode')}>
            <span className="flex flex-col items-start gap-1">
              <ModeBadge openMode={instance.openMode} />
              <span className="text-xs text-slate-500">
                {instance.openMode ? t('instance.mode.openExplained') : t('instance.mode.authenticatedEnforced')}
              </span>
            </span>
          </DetailItem>
          <DetailItem label={t('common.created')}>{fmt.dateTime(instance.createdAt)}</DetailItem>
        </dl>
      </EditableCard>

      {instance.openMode && !editing && (
        <Callout tone="warning" icon={<TriangleAlert aria-hidden="true" className="size-4 text-amber-600" />} title={t('instance.openMode.badge')}>
          {t('instance.openMode.warning')}
        </Callout>
      )}

      <LimitsCard instance={instance} />

      <StatsCard instanceId={instance.id} limits={instance} />

      <BrokerCard instanceId={instance.id} />

      <Card tone="danger" title={t('instance.danger.title')}>
        <div className="flex flex-wrap items-center justify-between gap-4">
          <div className="text-sm">
            <p className="font-medium text-slate-800">{t('instance.delete.title')}</p>
            <p className="mt-0.5 text-slate-500">{t('instance.danger.description')}</p>
          </div>
          <Button variant="danger" onClick={() => setDeleting(true)}>
            <Trash2 aria-hidden="true" className="size-4" />
            {t('instance.delete.title')}
          </Button>
        </div>
      </Card>

      <DeleteInstanceDialog instance={instance} open={deleting} onClose={() => setDeleting(false)} />
    </div>
  );
}

const EDIT_FIELDS = ['name', 'maxConnections', 'maxTps', 'maxSubscriptions', 'maxKeepAlive', 'openMode'] as const;

function EditInstanceForm({ instance, onDone }: { instance: Instance; onDone: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(instance.name);
  const [spec, setSpec] = useState<SpecValues>({
    maxConnections: instance.maxConnections,
    maxTps: instance.maxTps,
    maxSubscriptions: instance.maxSubscriptions,
  });
  const [openMode, setOpenMode] = useState(instance.openMode);
  const [maxKeepAlive, setMaxKeepAlive] = useState(String(instance.maxKeepAlive));
  const [confirming, setConfirming] = useState(false);
  const form = useFormErrors(EDIT_FIELDS);

  const update = useInstanceUpdate(
    (updated) => {
      toast.success(t('instance.update.success', { name: updated.name }));
      setConfirming(false);
      onDone();
    },
    (err) => {
      setConfirming(false);
      form.fromServer(err);
    },
  );

  function values() {
    return { id: instance.id, name, ...spec, maxKeepAlive: maxKeepAlive.trim() === '' ? Number.NaN : Number(maxKeepAlive), openMode };
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const result = validate(instanceUpdateSchema, values());
    if (!result.ok) return form.setErrors(result.errors);
    form.clear();
    // Switching authentication on or off changes who may connect: ask first.
    if (openMode !== instance.openMode) return setConfirming(true);
    update.mutate(result.data);
  }

  function confirmed() {
    const result = validate(instanceUpdateSchema, values());
    if (result.ok) update.mutate(result.data);
  }

  return (
    <form id={form.formId} noValidate onSubmit={onSubmit} className="max-w-3xl space-y-4">
      <FormField id="edit-instance-name" label={t('field.name')} hint={t('instance.name.hint')} error={form.message('name')} required>
        {(p) => (
          <Input
            {...p}
            className="max-w-md"
            value={name}
            autoComplete="off"
            onChange={(e) => {
              setName(e.target.value);
              form.clear('name');
            }}
          />
        )}
      </FormField>
      <SpecFields
        idPrefix="edit-instance"
        values={spec}
        error={form.message}
        onChange={(field, value) => {
          setSpec((s) => ({ ...s, [field]: value }));
          form.clear(field);
        }}
      />
      <FormField
        id="edit-instance-max-keep-alive"
        label={t('instance.maxKeepAlive')}
        hint={t('instance.maxKeepAlive.hint')}
        error={form.message('maxKeepAlive')}
      >
        {(p) => (
          <Input
            {...p}
            className="max-w-40"
            inputMode="numeric"
            value={maxKeepAlive}
            onChange={(e) => {
              setMaxKeepAlive(e.target.value);
              form.clear('maxKeepAlive');
            }}
          />
        )}
      </FormField>
      <OpenModeField id="edit-instance-open-mode" checked={openMode} onChange={setOpenMode} warn={openMode && !instance.openMode} />
      {form.formError && <FormAlert>{form.formError}</FormAlert>}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" pending={update.isPending && !confirming}>
          {t('common.save')}
        </Button>
        <Button onClick={onDone} disabled={update.isPending}>
          {t('common.cancel')}
        </Button>
      </div>

      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        onConfirm={confirmed}
        pending={update.isPending}
        danger={openMode}
        title={openMode ? t('instance.openMode.enableTitle') : t('instance.openMode.disableTitle')}
        confirmLabel={openMode ? t('instance.openMode.enableConfirm') : t('instance.openMode.disableConfirm')}
      >
        {openMode
          ? t('instance.openMode.enableText', { name: instance.name })
          : t('instance.openMode.disableText', { name: instance.name })}
      </ConfirmDialog>
    </form>
  );
}

function DeleteInstanceDialog({ instance, open, onClose }: { instance: Instance; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog open={open} onClose={onClose} title={t('instance.delete.title')} tone="danger" size="sm">
      <DeleteInstanceForm instance={instance} onClose={onClose} />
    </Dialog>
  );
}

function DeleteInstanceForm({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [typed, setTyped] = useState('');
  const [serverError, setServerError] = useState<string>();
  const matches = typed === instance.name;

  const remove = useMutation(
    trpc.instances.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(t('instance.delete.success', { name: instance.name }));
        router.push('/instances');
        await queryClient.invalidateQueries({ queryKey: trpc.instances.list.queryKey() });
      },
      onError: (err) => {
        const info = errorInfo(err);
        setServerError(t(info.key, info.params));
        toast.error(t(info.key, info.params));
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!matches) return;
    remove.mutate({ id: instance.id, confirmName: typed });
  }

  return (
    <form noValidate onSubmit={onSubmit}>
      <DialogBody>
        <Callout tone="danger" icon={<TriangleAlert aria-hidden="true" className="size-4" />}>
          {t('instance.delete.warning', { name: instance.name })}
        </Callout>
        <FormField
          id="delete-instance-confirm"
          label={t('instance.delete.confirmLabel')}
          hint={t('instance.delete.confirmHint', { name: instance.name })}
          error={serverError}
        >
          {(p) => (
            <Input
              {...p}
              value={typed}
              autoComplete="off"
              spellCheck={false}
              placeholder={instance.name}
              onChange={(e) => {
                setTyped(e.target.value);
                setServerError(undefined);
              }}
            />
          )}
        </FormField>
      </DialogBody>
      <FormDialogFooter onCancel={onClose} pending={remove.isPending} submitLabel={t('common.delete')} danger submitDisabled={!matches} />
    </form>
  );
}
