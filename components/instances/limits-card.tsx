'use client';
/**
 * The instance limits (PRODUCT.md section 4) on the Basic information tab: shown, and edited
 * in place with inline validation; the broker applies a change within a second. The payload
 * limit is stored in bytes and shown in KB.
 */
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormat } from '@/components/format';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { EditableCard } from '@/components/ui/editable-card';
import { FormAlert, FormField, Input } from '@/components/ui/form-field';
import type { Instance } from '@/db/schema';
import { INSTANCE_LIMIT_FIELDS, INSTANCE_LIMITS, instanceUpdateSchema, type InstanceLimit } from '@/lib/schemas';
import { useInstanceUpdate } from './use-instance-update';
import { DetailItem } from '../ui/detail-item';

/** Form text → number; empty is not 0 but invalid. KB must be whole. */
const toNumber = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));
const kbToBytes = (v: string) => {
  const kb = toNumber(v);
  return Number.isInteger(kb) ? kb * 1024 : Number.NaN;
};

const LABEL: Record<InstanceLimit, string> = {
  maxTopicLength: 'limits.maxTopicLength',
  maxPayloadBytes: 'limits.maxPayloadKb',
  maxSubscriptionsPerClient: 'limits.maxSubscriptionsPerClient',
  offlineRetentionHours: 'limits.offlineRetentionHours',
  offlineStoreLimit: 'limits.offlineStoreLimit',
};

/** Element IDs, after a prefix (`limit-…` on the Basic information tab). */
const ID: Record<InstanceLimit, string> = {
  maxTopicLength: 'max-topic-length',
  maxPayloadBytes: 'max-payload-kb',
  maxSubscriptionsPerClient: 'max-subscriptions-per-client',
  offlineRetentionHours: 'offline-retention-hours',
  offlineStoreLimit: 'offline-store-limit',
};

/** The limit fields' texts, as typed (the payload in KB). */
export type LimitValues = Record<InstanceLimit, string>;

/** What the form shows for stored values (KB for the payload): an instance's, or the defaults. */
export function limitValues(source: Record<InstanceLimit, number>): LimitValues {
  return Object.fromEntries(
    INSTANCE_LIMIT_FIELDS.map((f) => [f, String(f === 'maxPayloadBytes' ? source[f] / 1024 : source[f])]),
  ) as LimitValues;
}

/** The defaults of a new instance, as the form shows them. */
export const DEFAULT_LIMIT_VALUES: LimitValues = limitValues(
  Object.fromEntries(INSTANCE_LIMIT_FIELDS.map((f) => [f, INSTANCE_LIMITS[f].default])) as Record<InstanceLimit, number>,
);

/** The typed texts → the numbers the schemas check (bytes for the payload; NaN where not a number). */
export function limitInput(values: LimitValues): Record<InstanceLimit, number> {
  return {
    maxTopicLength: toNumber(values.maxTopicLength),
    maxPayloadBytes: kbToBytes(values.maxPayloadBytes),
    maxSubscriptionsPerClient: toNumber(values.maxSubscriptionsPerClient),
    offlineRetentionHours: toNumber(values.offlineRetentionHours),
    offlineStoreLimit: toNumber(values.offlineStoreLimit),
  };
}

/** The five limit inputs with their hints and inline errors (the edit form here, and the create dialog). */
export function LimitFields({
  values,
  error,
  onChange,
  idPrefix = 'limit',
}: {
  values: LimitValues;
  error: (field: InstanceLimit) => string | undefined;
  onChange: (field: InstanceLimit, value: string) => void;
  idPrefix?: string;
}) {
  const { t } = useI18n();
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      {INSTANCE_LIMIT_FIELDS.map((field) => (
        <FormField key={field} id={`${idPrefix}-${ID[field]}`} label={t(LABEL[field])} hint={t(`${LABEL[field]}.hint`)} error={error(field)}>
          {(p) => (
            <Input {...p} className="max-w-40" inputMode="numeric" value={values[field]} onChange={(e) => onChange(field, e.target.value)} />
          )}
        </FormField>
      ))}
    </div>
  );
}

export function LimitsCard({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const [editing, setEditing] = useState(false);

  const value: Record<InstanceLimit, string> = {
    maxTopicLength: t('limits.maxTopicLength.value', { n: fmt.number(instance.maxTopicLength) }),
    maxPayloadBytes: t('limits.maxPayload.value', { n: fmt.number(instance.maxPayloadBytes / 1024) }),
    maxSubscriptionsPerClient: t('limits.maxSubscriptionsPerClient.value', { n: fmt.number(instance.maxSubscriptionsPerClient) }),
    offlineRetentionHours: t('limits.offlineRetentionHours.value', { n: fmt.number(instance.offlineRetentionHours) }),
    offlineStoreLimit: t('limits.offlineStoreLimit.value', { n: fmt.number(instance.offlineStoreLimit) }),
  };

  return (
    <EditableCard
      title={t('limits.title')}
      description={t('limits.description')}
      editing={editing}
      onEdit={() => setEditing(true)}
      form={<LimitsForm instance={instance} onDone={() => setEditing(false)} />}
    >
      <dl className="grid gap-x-8 gap-y-4 text-sm sm:grid-cols-2 lg:grid-cols-3" data-testid="instance-limits">
        {INSTANCE_LIMIT_FIELDS.map((field) => (
          <DetailItem key={field} label={t(LABEL[field])}>
            {value[field]}
          </DetailItem>
        ))}
      </dl>
    </EditableCard>
  );
}

function LimitsForm({ instance, onDone }: { instance: Instance; onDone: () => void }) {
  const { t } = useI18n();
  const [values, setValues] = useState<LimitValues>(() => limitValues(instance));
  const form = useFormErrors(INSTANCE_LIMIT_FIELDS);

  const update = useInstanceUpdate(
    (updated) => {
      toast.success(t('limits.success', { name: updated.name }));
      onDone();
    },
    (err) => form.fromServer(err),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const r = validate(instanceUpdateSchema, { id: instance.id, ...limitInput(values) });
    if (!r.ok) return form.setErrors(r.errors);
    form.clear();
    update.mutate(r.data);
  }

  return (
    <form id={form.formId} noValidate onSubmit={onSubmit} className="max-w-3xl space-y-4">
      <LimitFields
        values={values}
        error={form.message}
        onChange={(field, value) => {
          setValues((v) => ({ ...v, [field]: value }));
          form.clear(field);
        }}
      />
      {form.formError && <FormAlert>{form.formError}</FormAlert>}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" pending={update.isPending}>
          {t('common.save')}
        </Button>
        <Button onClick={onDone} disabled={update.isPending}>
          {t('common.cancel')}
        </Button>
      </div>
    </form>
  );
}
