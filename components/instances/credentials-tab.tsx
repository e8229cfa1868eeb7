'use client';
/**
 * The Device credentials tab: one DeviceAccessKeyId + secret per client ID of the instance
 * (register, refresh, unregister). The secret is shown once, right after register or refresh,
 * and lives only in the dialog's state until it closes.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { Fingerprint, Info, TriangleAlert } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';
import { useFormat } from '@/components/format';
import { useFormErrors } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { useErrorToast, useListChange, useRefresh } from '@/components/mutations';
import { Button } from '@/components/ui/button';
import { Callout } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { CopyButton } from '@/components/ui/copy-button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Dialog, DialogBody, DialogFooter } from '@/components/ui/dialog';
import { DialogForm } from '@/components/ui/dialog-form';
import { CodeInput, FormField } from '@/components/ui/form-field';
import { actionsColumn, CreateButton, dateColumn, queryTableProps } from '@/components/ui/list-parts';
import { EmptyState } from '@/components/ui/states';
import { ValueRow } from '@/components/ui/value-row';
import { credentialRefSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import type { AppRouter } from '@/server/api/root';

type Outputs = inferRouterOutputs<AppRouter>['deviceCredentials'];
type Credential = Outputs['list'][number];
type Issued = Outputs['register'];

function useCredentials(instanceId: string) {
  const trpc = useTRPC();
  return {
    router: trpc.deviceCredentials,
    listOptions: trpc.deviceCredentials.list.queryOptions({ instanceId }),
    refresh: useRefresh(trpc.deviceCredentials.list.queryKey({ instanceId })),
  };
}

const searchCredential = (c: Credential) => [c.clientId, c.deviceAccessKeyId];

export function CredentialsTab({ instanceId, openMode }: { instanceId: string; openMode: boolean }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const list = useQuery(useCredentials(instanceId).listOptions);
  const [registering, setRegistering] = useState(false);
  const [refreshing, setRefreshing] = useState<Credential | null>(null);
  const [unregistering, setUnregistering] = useState<Credential | null>(null);
  const [issued, setIssued] = useState<Issued | null>(null);

  const columns: Column<Credential>[] = [
    {
      id: 'clientId',
      header: t('credentials.col.clientId'),
      sortValue: (c) => c.clientId,
      cell: (c) => <span className="font-mono text-[13px] font-medium break-all text-slate-900">{c.clientId}</span>,
    },
    {
      id: 'accessKeyId',
      header: t('credentials.col.accessKeyId'),
      sortValue: (c) => c.deviceAccessKeyId,
      cell: (c) => (
        <span className="flex items-center gap-1 font-mono text-[13px] text-slate-800">
          {c.deviceAccessKeyId}
          <CopyButton iconOnly value={c.deviceAccessKeyId} what={t('credentials.copyAccessKeyId')} />
        </span>
      ),
    },
    dateColumn('created', t('common.created'), (c) => c.createdAt, fmt.dateTime),
    dateColumn('updated', t('credentials.col.updated'), (c) => c.updatedAt, fmt.dateTime),
    actionsColumn(t('common.actions'), (c) => [
      { text: t('credentials.refresh'), label: t('credentials.refreshAria', { clientId: c.clientId }), onClick: () => setRefreshing(c) },
      { text: t('credentials.unregister'), label: t('credentials.unregisterAria', { clientId: c.clientId }), onClick: () => setUnregistering(c), danger: true },
    ]),
  ];

  return (
    <div className="space-y-4">
      {openMode && (
        <Callout tone="warning" icon={<Info aria-hidden="true" className="size-4 text-amber-600" />}>
          {t('credentials.openModeNote')}
        </Callout>
      )}
      <p className="text-sm text-slate-600">{t('credentials.intro')}</p>
      <DataTable
        label={t('credentials.tableLabel')}
        {...queryTableProps(list, list.data)}
        columns={columns}
        rowKey={(c) => c.clientId}
        rowTestId={(c) => `credential-row-${c.clientId}`}
        search={searchCredential}
        searchPlaceholder={t('credentials.searchPlaceholder')}
        initialSort={{ id: 'clientId', direction: 'asc' }}
        toolbar={<CreateButton onClick={() => setRegistering(true)}>{t('credentials.register.button')}</CreateButton>}
        empty={
          <EmptyState
            icon={<Fingerprint className="size-6" />}
            title={t('credentials.empty.title')}
            description={t('credentials.empty.description')}
          />
        }
      />

      <Dialog
        open={registering}
        onClose={() => setRegistering(false)}
        title={t('credentials.register.title')}
        description={t('credentials.register.description')}
      >
        <RegisterForm
          instanceId={instanceId}
          onClose={() => setRegistering(false)}
          onIssued={(c) => {
            setRegistering(false);
            setIssued(c);
          }}
        />
      </Dialog>
      {refreshing && (
        <RefreshCredential
          credential={refreshing}
          onClose={() => setRefreshing(null)}
          onIssued={(c) => {
            setRefreshing(null);
            setIssued(c);
          }}
        />
      )}
      {unregistering && <UnregisterCredential credential={unregistering} onClose={() => setUnregistering(null)} />}
      <Dialog open={issued !== null} onClose={() => setIssued(null)} title={t('credentials.issued.title')}>
        {issued && <IssuedCredential issued={issued} onClose={() => setIssued(null)} />}
      </Dialog>
    </div>
  );
}

const REGISTER_FIELDS = ['clientId'] as const;

function RegisterForm({ instanceId, onClose, onIssued }: { instanceId: string; onClose: () => void; onIssued: (c: Issued) => void }) {
  const { t } = useI18n();
  const { router, refresh } = useCredentials(instanceId);
  const [clientId, setClientId] = useState('GID_');
  const form = useFormErrors(REGISTER_FIELDS);
  const register = useMutation(
    router.register.mutationOptions({
      // The response holds the secret: only the dialog's state keeps it.
      gcTime: 0,
      onSuccess: async (c) => {
        onIssued(c);
        toast.success(t('credentials.register.success', { clientId: c.clientId }));
        await refresh();
      },
      onError: (err) => form.fromServer(err),
    }),
  );

  function onSubmit() {
    const data = form.check(credentialRefSchema, { instanceId, clientId });
    if (data) register.mutate(data);
  }

  return (
    <DialogForm form={form} onSubmit={onSubmit} onCancel={onClose} pending={register.isPending} submitLabel={t('credentials.register.submit')}>
      <FormField id="credential-client-id" label={t('credentials.col.clientId')} hint={t('credentials.clientId.hint')} error={form.message('clientId')} required>
        {(p) => (
          <CodeInput {...p} value={clientId} placeholder={t('credentials.clientId.placeholder')} onChange={(e) => form.setter('clientId', setClientId)(e.target.value)} />
        )}
      </FormField>
    </DialogForm>
  );
}

function IssuedCredential({ issued, onClose }: { issued: Issued; onClose: () => void }) {
  const { t } = useI18n();
  const username = `DeviceCredential|${issued.deviceAccessKeyId}|${issued.instanceId}`;
  return (
    <>
      <DialogBody>
        <Callout
          tone="warning"
          icon={<TriangleAlert aria-hidden="true" className="size-4 text-amber-600" />}
          title={t('credentials.issued.warningTitle')}
        >
          {t('credentials.issued.warning')}
        </Callout>
        <ValueRow label={t('credentials.col.clientId')} value={issued.clientId} what={t('credentials.copyClientId')} testId="credential-client-id" />
        <ValueRow
          label={t('credentials.col.accessKeyId')}
          value={issued.deviceAccessKeyId}
          what={t('credentials.copyAccessKeyId')}
          testId="credential-access-key-id"
        />
        <ValueRow
          label={t('credentials.secret')}
          value={issued.deviceAccessKeySecret}
          what={t('credentials.copySecret')}
          testId="credential-secret"
        />
        <ValueRow label={t('credentials.username')} value={username} what={t('credentials.copyUsername')} testId="credential-username" />
        <p className="text-xs leading-relaxed text-slate-500">{t('credentials.passwordNote')}</p>
      </DialogBody>
      <DialogFooter>
        <Button variant="primary" onClick={onClose}>
          {t('credentials.done')}
        </Button>
      </DialogFooter>
    </>
  );
}

function RefreshCredential({
  credential,
  onClose,
  onIssued,
}: {
  credential: Credential;
  onClose: () => void;
  onIssued: (c: Issued) => void;
}) {
  const { t } = useI18n();
  const { router, refresh } = useCredentials(credential.instanceId);
  const onError = useErrorToast();
  const mutation = useMutation(
    router.refresh.mutationOptions({
      gcTime: 0,
      onSuccess: async (c) => {
        onIssued(c);
        toast.success(t('credentials.refresh.success', { clientId: c.clientId }));
        await refresh();
      },
      onError,
    }),
  );
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      pending={mutation.isPending}
      title={t('credentials.refresh.title')}
      confirmLabel={t('credentials.refresh')}
      onConfirm={() => mutation.mutate({ instanceId: credential.instanceId, clientId: credential.clientId })}
    >
      {t('credentials.refresh.text', { clientId: credential.clientId })}
    </ConfirmDialog>
  );
}

function UnregisterCredential({ credential, onClose }: { credential: Credential; onClose: () => void }) {
  const { t } = useI18n();
  const { router, refresh } = useCredentials(credential.instanceId);
  const mutation = useMutation(
    router.unregister.mutationOptions(
      useListChange({ refresh, success: () => t('credentials.unregister.success', { clientId: credential.clientId }), done: onClose }),
    ),
  );
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      pending={mutation.isPending}
      title={t('credentials.unregister.title')}
      confirmLabel={t('credentials.unregister')}
      onConfirm={() => mutation.mutate({ instanceId: credential.instanceId, clientId: credential.clientId })}
    >
      {t('credentials.unregister.text', { clientId: credential.clientId })}
    </ConfirmDialog>
  );
}
