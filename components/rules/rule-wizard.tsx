'use client';
/**
 * The create-rule wizard, as the original console's: step 1 basic information (ID,
 * description, status, type), step 2 source, step 3 target, then a summary. Each step is
 * checked with the shared schemas before the next; an error the server finds (a duplicate, a
 * missing topic) takes the user back to the step of its field.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormErrors, validate, type FieldErrors } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { DescriptionField } from '@/components/ui/description-field';
import { DialogBody, DialogFooter } from '@/components/ui/dialog';
import { FormAlert, FormField, Input, Select, SwitchField } from '@/components/ui/form-field';
import { clusterIdSchema, RULE_TYPES, ruleBasicSchema, ruleEndSchemas, type RuleType } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { errorInfo } from '@/lib/trpc/errors';
import { endKind, endLabelKey, RuleEndFields, type EndSide } from './rule-end-fields';

const FIELDS = ['ruleId', 'description', 'enabled', 'type', 'source', 'target', 'clusterId'] as const;
const STEPS = ['basic', 'source', 'target', 'summary'] as const;
type Step = (typeof STEPS)[number];

/** The step a field is entered on (the cluster goes with the RocketMQ end). */
function stepOf(field: string, type: RuleType): number {
  if (field === 'source') return 1;
  if (field === 'target') return 2;
  if (field === 'clusterId') return endKind(type, 'source') === 'rocketmq' ? 1 : 2;
  return 0;
}

export function RuleWizard({ instanceId, onClose }: { instanceId: string; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [step, setStep] = useState(0);
  const [ruleId, setRuleId] = useState('');
  const [description, setDescription] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [type, setType] = useState<RuleType>('outflow');
  const [source, setSource] = useState('');
  const [target, setTarget] = useState('');
  const [clusterId, setClusterId] = useState('');
  const form = useFormErrors(FIELDS);
  const create = useMutation(
    trpc.rules.create.mutationOptions({
      onSuccess: async (r) => {
        await queryClient.invalidateQueries({ queryKey: trpc.rules.list.queryKey({ instanceId }) });
        toast.success(t('rules.saved', { ruleId: r.ruleId }));
        onClose();
      },
      onError: (err) => {
        const fields = Object.keys(errorInfo(err).fields);
        if (fields.length) setStep(Math.min(...fields.map((f) => stepOf(f, type))));
        form.fromServer(err);
      },
    }),
  );

  /** Checks one end (and the cluster when that end is RocketMQ's). */
  function checkEnd(side: EndSide): FieldErrors {
    const errors: FieldErrors = {};
    const value = side === 'source' ? source : target;
    const parsed = ruleEndSchemas(type)[side].safeParse(value);
    // Nothing chosen yet reads better as "required" than as a length rule.
    if (!value.trim()) errors[side] = { key: 'v.required' };
    else if (!parsed.success) errors[side] = { key: parsed.error.issues[0]!.message };
    if (endKind(type, side) === 'rocketmq' && !clusterIdSchema.safeParse(clusterId || undefined).success) {
      errors.clusterId = { key: 'v.cluster.id' };
    }
    return errors;
  }

  function next(e: FormEvent) {
    e.preventDefault();
    const current: Step = STEPS[step]!;
    if (current === 'basic') {
      const r = validate(ruleBasicSchema, { ruleId, description, enabled, type });
      if (!r.ok) return form.setErrors(r.errors);
    } else if (current === 'source' || current === 'target') {
      const errors = checkEnd(current);
      if (Object.keys(errors).length) return form.setErrors(errors);
    } else {
      form.clear();
      return create.mutate({ instanceId, ruleId, description, enabled, type, source, target, clusterId: Number(clusterId) });
    }
    form.clear();
    setStep(step + 1);
  }

  const clear = (field: string) => form.clear(field);
  const stepLabels = [t('rules.step.basic'), t('rules.step.source'), t('rules.step.target'), t('rules.step.summary')];

  return (
    <form id={form.formId} noValidate onSubmit={next}>
      <DialogBody>
        <ol className="flex flex-wrap gap-2 text-xs" aria-label={t('rules.stepOf', { step: step + 1, total: STEPS.length })}>
          {stepLabels.map((label, i) => (
            <li
              key={label}
              aria-current={i === step ? 'step' : undefined}
              className={
                i === step
                  ? 'rounded-full bg-brand-500 px-2.5 py-1 font-medium text-white'
                  : i < step
                    ? 'rounded-full bg-brand-50 px-2.5 py-1 text-brand-700'
                    : 'rounded-full bg-slate-100 px-2.5 py-1 text-slate-500'
              }
            >
              {i + 1}. {label}
            </li>
          ))}
        </ol>

        {step === 0 && (
          <>
            <FormField id="rule-id" label={t('rules.id')} hint={t('rules.id.hint')} required error={form.message('ruleId')}>
              {(p) => (
                <Input
                  {...p}
                  value={ruleId}
                  className="font-mono"
                  autoComplete="off"
                  spellCheck={false}
                  onChange={(e) => {
                    setRuleId(e.target.value);
                    clear('ruleId');
                  }}
                />
              )}
            </FormField>
            <DescriptionField
              id="rule-description"
              value={description}
              error={form.message('description')}
              onChange={(v) => {
                setDescription(v);
                clear('description');
              }}
            />
            <SwitchField id="rule-enabled" label={t('rules.enabled')} checked={enabled} onChange={setEnabled} />
            <FormField id="rule-type" label={t('rules.type')} required error={form.message('type')} hint={t(`rule.type.${type}.help`)}>
              {(p) => (
                <Select
                  {...p}
                  value={type}
                  onChange={(e) => {
                    setType(e.target.value as RuleType);
                    // The ends mean something else for another type.
                    setSource('');
                    setTarget('');
                    clear('type');
                  }}
                >
                  {RULE_TYPES.map((x) => (
                    <option key={x} value={x}>
                      {t(`rule.type.${x}`)}
                    </option>
                  ))}
                </Select>
              )}
            </FormField>
          </>
        )}

        {(step === 1 || step === 2) && (
          <RuleEndFields
            instanceId={instanceId}
            type={type}
            side={step === 1 ? 'source' : 'target'}
            value={step === 1 ? source : target}
            clusterId={clusterId}
            onValue={(v) => {
              if (step === 1) setSource(v);
              else setTarget(v);
              clear(step === 1 ? 'source' : 'target');
            }}
            onCluster={(v) => {
              setClusterId(v);
              clear('clusterId');
            }}
            message={form.message}
          />
        )}

        {step === 3 && <RuleSummary values={{ ruleId, description, enabled, type, source, target, clusterId }} />}
        {form.formError && <FormAlert>{form.formError}</FormAlert>}
      </DialogBody>
      <DialogFooter>
        <Button onClick={onClose} disabled={create.isPending}>
          {t('common.cancel')}
        </Button>
        {step > 0 && (
          <Button
            onClick={() => {
              form.clear();
              setStep(step - 1);
            }}
            disabled={create.isPending}
          >
            {t('rules.back')}
          </Button>
        )}
        <Button type="submit" variant="primary" pending={create.isPending}>
          {step === STEPS.length - 1 ? t('common.create') : t('rules.next')}
        </Button>
      </DialogFooter>
    </form>
  );
}

function RuleSummary({
  values,
}: {
  values: { ruleId: string; description: string; enabled: boolean; type: RuleType; source: string; target: string; clusterId: string };
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const clusters = useQueryClient().getQueryData(trpc.rocketmqClusters.list.queryKey());
  const cluster = clusters?.find((c) => String(c.id) === values.clusterId);
  // [label, value, shown as code]
  const rows: [string, string, boolean][] = [
    [t('rules.id'), values.ruleId, true],
    [t('field.description'), values.description || '—', false],
    [t('rules.status'), values.enabled ? t('rules.enabled') : t('rules.disabled'), false],
    [t('rules.type'), t(`rule.type.${values.type}`), false],
    [t(endLabelKey(values.type, 'source')), values.source, true],
    [t(endLabelKey(values.type, 'target')), values.target, true],
    [t('rules.cluster'), cluster ? `${cluster.name} (${cluster.endpoints})` : values.clusterId, false],
  ];
  return (
    <dl className="divide-y divide-slate-100 rounded-md border border-slate-200 text-sm" data-testid="rule-summary">
      {rows.map(([label, value, code]) => (
        <div key={label} className="grid grid-cols-3 gap-3 px-3 py-2">
          <dt className="text-slate-500">{label}</dt>
          <dd className={code ? 'col-span-2 font-mono break-all text-slate-900' : 'col-span-2 break-words text-slate-900'}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
