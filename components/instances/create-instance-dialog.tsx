'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Dialog, DialogBody, FormDialogFooter } from '@/components/ui/dialog';
import { FormAlert, FormField, Input } from '@/components/ui/form-field';
import { DEFAULT_SPEC, INSTANCE_LIMIT_FIELDS, instanceCreateSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { DEFAULT_LIMIT_VALUES, LimitFields, limitInput, type LimitValues } from './limits-card';
import { OpenModeField } from './open-mode-field';
import { SpecFields, type SpecValues } from './spec-fields';

const FIELDS = ['name', 'maxConnections', 'maxTps', 'maxSubscriptions', 'openMode', ...INSTANCE_LIMIT_FIELDS] as const;

export function CreateInstanceDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog open={open} onClose={onClose} title={t('instances.create.title')} description={t('instances.create.description')} size="lg">
      <CreateInstanceForm onClose={onClose} />
    </Dialog>
  );
}

function CreateInstanceForm({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [name, setName] = useState('');
  const [spec, setSpec] = useState<SpecValues>({ ...DEFAULT_SPEC });
  const [openMode, setOpenMode] = useState(false);
  const [limits, setLimits] = useState<LimitValues>(DEFAULT_LIMIT_VALUES);
  const [limitsOpen, setLimitsOpen] = useState(false);
  const form = useFormErrors(FIELDS);

  const create = useMutation(
    trpc.instances.create.mutationOptions({
      onSuccess: async (instance) => {
        await queryClient.invalidateQueries({ queryKey: trpc.instances.list.queryKey() });
        toast.success(t('instances.create.success', { name: instance.name }), {
          action: { label: t('instances.create.open'), onClick: () => router.push(`/instances/${instance.id}`) },
        });
        onClose();
      },
      onError: (err) => form.fromServer(err),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const result = validate(instanceCreateSchema, { name, ...spec, openMode, ...limitInput(limits) });
    if (!result.ok) {
      // A wrong limit must be seen: open the section that holds it.
      if (INSTANCE_LIMIT_FIELDS.some((f) => result.errors[f])) setLimitsOpen(true);
      return form.setErrors(result.errors);
    }
    form.clear();
    create.mutate(result.data);
  }

  return (
    <form id={form.formId} noValidate onSubmit={onSubmit}>
      <DialogBody>
        <FormField id="instance-name" label={t('field.name')} hint={t('instance.name.hint')} error={form.message('name')} required>
          {(p) => (
            <Input
              {...p}
              value={name}
              autoComplete="off"
              placeholder={t('instance.name.placeholder')}
              onChange={(e) => {
                setName(e.target.value);
                form.clear('name');
              }}
            />
          )}
        </FormField>
        <fieldset>
          <legend className="mb-2 text-sm font-semibold text-slate-800">{t('instance.spec.title')}</legend>
          <SpecFields
            idPrefix="instance"
            values={spec}
            error={form.message}
            onChange={(field, value) => {
              setSpec((s) => ({ ...s, [field]: value }));
              form.clear(field);
            }}
          />
        </fieldset>
        <OpenModeField id="instance-open-mode" checked={openMode} onChange={setOpenMode} warn={openMode} />
        <details
          className="rounded border border-slate-200 p-3.5"
          open={limitsOpen}
          onToggle={(e) => setLimitsOpen((e.currentTarget as HTMLDetailsElement).open)}
        >
          <summary className="cursor-pointer text-sm font-semibold text-slate-800">{t('limits.title')}</summary>
          <p className="mt-1 mb-3 text-xs text-slate-500">{t('limits.create.description')}</p>
          <LimitFields
            idPrefix="create-limit"
            values={limits}
            error={form.message}
            onChange={(field, value) => {
              setLimits((v) => ({ ...v, [field]: value }));
              form.clear(field);
            }}
          />
        </details>
        {form.formError && <FormAlert>{form.formError}</FormAlert>}
      </DialogBody>
      <FormDialogFooter onCancel={onClose} pending={create.isPending} submitLabel={t('common.create')} />
    </form>
  );
}
