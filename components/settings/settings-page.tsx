'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { toast } from 'sonner';
import { useFormErrors } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { FormAlert, InputField } from '@/components/ui/form-field';
import { LoadingState, QueryView } from '@/components/ui/states';
import { PASSWORD_MIN, passwordSchema, publicHostSchema, TELEMETRY_RETENTION_DAYS, telemetryRetentionDaysSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { z } from 'zod';

export function SettingsPage() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('nav.settings')} description={t('settings.description')} />
      <div className="max-w-3xl space-y-5">
        <PublicHostCard />
        <RetentionCard />
        <ChangePasswordCard />
      </div>
    </>
  );
}

/** A card for a setting that is loaded first: a placeholder while it loads, then its form. */
function LoadedSettingCard<T>({
  title,
  description,
  query,
  children,
}: {
  title: string;
  description: string;
  query: Parameters<typeof QueryView<T>>[0]['query'];
  children: (data: T) => ReactNode;
}) {
  return (
    <Card title={title} description={description}>
      <QueryView query={query} loading={<LoadingState variant="card" rows={2} className="p-0" />}>
        {children}
      </QueryView>
    </Card>
  );
}

/** The form of a one-field setting: the field, a form-level error if any, Save. */
function SettingForm({
  form,
  onSubmit,
  pending,
  children,
}: {
  form: ReturnType<typeof useFormErrors>;
  onSubmit: (e: FormEvent) => void;
  pending: boolean;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <form id={form.formId} noValidate onSubmit={onSubmit} className="space-y-4">
      {children}
      {form.formError && <FormAlert>{form.formError}</FormAlert>}
      <Button type="submit" variant="primary" pending={pending}>
        {t('common.save')}
      </Button>
    </form>
  );
}

function PublicHostCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const settings = useQuery(trpc.settings.get.queryOptions());
  return (
    <LoadedSettingCard title={t('settings.host.title')} description={t('settings.host.description')} query={settings}>
      {(data) => <PublicHostForm initial={data.publicHost} />}
    </LoadedSettingCard>
  );
}

const HOST_FIELDS = ['publicHost'] as const;

function PublicHostForm({ initial }: { initial: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [host, setHost] = useState(initial);
  const form = useFormErrors(HOST_FIELDS);
  const save = useMutation(
    trpc.settings.setPublicHost.mutationOptions({
      onSuccess: async (data) => {
        setHost(data.publicHost);
        queryClient.setQueryData(trpc.settings.get.queryKey(), data);
        // Every instance's endpoint URLs change with it.
        await queryClient.invalidateQueries({ queryKey: trpc.instances.endpoints.pathKey() });
        toast.success(t('settings.host.success', { host: data.publicHost }));
      },
      onError: (err) => form.fromServer(err, { _: 'publicHost' }),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const data = form.check(z.object({ publicHost: publicHostSchema }), { publicHost: host });
    if (data) save.mutate(data);
  }

  return (
    <SettingForm form={form} onSubmit={onSubmit} pending={save.isPending}>
      <InputField
        form={form}
        field="publicHost"
        id="settings-public-host"
        label={t('settings.host.label')}
        hint={t('settings.host.hint')}
        required
        className="max-w-md font-mono"
        value={host}
        onValue={setHost}
        autoComplete="off"
        spellCheck={false}
        placeholder="mqtt.example.com"
      />
    </SettingForm>
  );
}

function RetentionCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const retention = useQuery(trpc.settings.telemetryRetention.queryOptions());
  return (
    <LoadedSettingCard title={t('settings.retention.title')} description={t('settings.retention.description')} query={retention}>
      {(data) => <RetentionForm initial={data.telemetryRetentionDays} />}
    </LoadedSettingCard>
  );
}

const RETENTION_FIELDS = ['telemetryRetentionDays'] as const;
const retentionSchema = z.object({ telemetryRetentionDays: telemetryRetentionDaysSchema });

function RetentionForm({ initial }: { initial: number }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [days, setDays] = useState(String(initial));
  const form = useFormErrors(RETENTION_FIELDS);
  const save = useMutation(
    trpc.settings.setTelemetryRetention.mutationOptions({
      onSuccess: (data) => {
        setDays(String(data.telemetryRetentionDays));
        queryClient.setQueryData(trpc.settings.telemetryRetention.queryKey(), data);
        toast.success(t('settings.retention.success', { days: data.telemetryRetentionDays }));
      },
      onError: (err) => form.fromServer(err, { _: 'telemetryRetentionDays' }),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    // An empty field is a mistake, not 0 (which z.coerce would make of it).
    const data = form.check(retentionSchema, { telemetryRetentionDays: days.trim() === '' ? NaN : days });
    if (data) save.mutate(data);
  }

  return (
    <SettingForm form={form} onSubmit={onSubmit} pending={save.isPending}>
      <InputField
        form={form}
        field="telemetryRetentionDays"
        id="settings-telemetry-retention"
        label={t('settings.retention.label')}
        hint={t('settings.retention.hint')}
        required
        className="max-w-32"
        type="number"
        inputMode="numeric"
        min={TELEMETRY_RETENTION_DAYS.min}
        max={TELEMETRY_RETENTION_DAYS.max}
        step={1}
        value={days}
        onValue={setDays}
      />
    </SettingForm>
  );
}

const PASSWORD_FIELDS = ['current', 'next', 'confirm'] as const;

const changePasswordSchema = z
  .object({
    current: z.string().min(1, { message: 'v.required' }),
    next: passwordSchema,
    confirm: z.string(),
  })
  .refine((v) => v.next === v.confirm, { message: 'v.password.mismatch', path: ['confirm'] });

function ChangePasswordCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const form = useFormErrors(PASSWORD_FIELDS);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrent('');
        setNext('');
        setConfirm('');
        toast.success(t('settings.password.success'));
      },
      onError: (err) => form.fromServer(err, { _: 'next' }),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const data = form.check(changePasswordSchema, { current, next, confirm });
    if (data) change.mutate({ current: data.current, next: data.next });
  }

  const field = (id: (typeof PASSWORD_FIELDS)[number], label: string, value: string, set: (v: string) => void, hint?: string) => (
    <InputField
      form={form}
      field={id}
      id={`settings-password-${id}`}
      label={label}
      hint={hint}
      className="max-w-md"
      type="password"
      autoComplete={id === 'current' ? 'current-password' : 'new-password'}
      value={value}
      onValue={set}
    />
  );

  return (
    <Card title={t('settings.password.title')} description={t('settings.password.description')}>
      <form id={form.formId} noValidate onSubmit={onSubmit} className="space-y-4">
        {/* Lets password managers attach the new password to the right account. */}
        <input type="text" name="username" autoComplete="username" value="admin" readOnly hidden />
        {field('current', t('settings.password.current'), current, setCurrent)}
        {field('next', t('settings.password.new'), next, setNext, t('auth.passwordHint', { min: PASSWORD_MIN }))}
        {field('confirm', t('settings.password.confirm'), confirm, setConfirm)}
        {form.formError && <FormAlert>{form.formError}</FormAlert>}
        <Button type="submit" variant="primary" pending={change.isPending}>
          {t('settings.password.submit')}
        </Button>
      </form>
    </Card>
  );
}
