'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { TriangleAlert } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Callout } from '@/components/ui/card';
import { Dialog, DialogBody, FormDialogFooter } from '@/components/ui/dialog';
import { FormAlert, FormField, Input, SwitchField } from '@/components/ui/form-field';
import { DEFAULT_SPEC, instanceCreateSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { SpecFields, type SpecValues } from './spec-fields';

const FIELDS = ['name', 'maxConnections', 'maxTps', 'maxSubscriptions', 'openMode'] as const;

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
    const result = validate(instanceCreateSchema, { name, ...spec, openMode });
    if (!result.ok) return form.setErrors(result.errors);
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
        <div className="rounded border border-slate-200 p-3.5">
          <SwitchField
            id="instance-open-mode"
            label={t('instance.openMode.label')}
            description={t('instance.openMode.description')}
            checked={openMode}
            onChange={setOpenMode}
            tone="amber"
          />
          {openMode && (
            <Callout tone="warning" className="mt-3" icon={<TriangleAlert aria-hidden="true" className="size-4 text-amber-600" />}>
              {t('instance.openMode.warning')}
            </Callout>
          )}
        </div>
        {form.formError && <FormAlert>{form.formError}</FormAlert>}
      </DialogBody>
      <FormDialogFooter onCancel={onClose} pending={create.isPending} submitLabel={t('common.create')} />
    </form>
  );
}
