'use client';
/** The three spec selects of the create and edit forms, options from lib/schemas. */
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { FormField, Select } from '@/components/ui/form-field';
import { SPEC_MAX_CONNECTIONS, SPEC_MAX_SUBSCRIPTIONS, SPEC_MAX_TPS } from '@/lib/schemas';

export interface SpecValues {
  maxConnections: number;
  maxTps: number;
  maxSubscriptions: number;
}

export const SPEC_FIELDS = [
  { field: 'maxConnections', label: 'instance.spec.maxConnections', options: SPEC_MAX_CONNECTIONS, hint: 'instance.spec.maxConnectionsHint' },
  { field: 'maxTps', label: 'instance.spec.maxTps', options: SPEC_MAX_TPS, hint: 'instance.spec.maxTpsHint' },
  { field: 'maxSubscriptions', label: 'instance.spec.maxSubscriptions', options: SPEC_MAX_SUBSCRIPTIONS, hint: 'instance.spec.maxSubscriptionsHint' },
] as const;

export function SpecFields({
  idPrefix,
  values,
  onChange,
  error,
  disabled,
}: {
  idPrefix: string;
  values: SpecValues;
  onChange: (field: keyof SpecValues, value: number) => void;
  error: (field: string) => string | undefined;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const fmt = useFormat();
  return (
    <div className="grid gap-4 sm:grid-cols-3">
      {SPEC_FIELDS.map(({ field, label, options, hint }) => (
        <FormField key={field} id={`${idPrefix}-${field}`} label={t(label)} hint={t(hint)} error={error(field)}>
          {(p) => (
            <Select {...p} disabled={disabled} value={values[field]} onChange={(e) => onChange(field, Number(e.target.value))}>
              {options.map((n) => (
                <option key={n} value={n}>
                  {fmt.number(n)}
                </option>
              ))}
            </Select>
          )}
        </FormField>
      ))}
    </div>
  );
}

/** The spec as three short lines, for tables and the details list. */
export function SpecSummary({ spec, inline }: { spec: SpecValues; inline?: boolean }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const lines = [
    t('instance.spec.connectionsValue', { n: fmt.number(spec.maxConnections) }),
    t('instance.spec.tpsValue', { n: fmt.number(spec.maxTps) }),
    t('instance.spec.subscriptionsValue', { n: fmt.number(spec.maxSubscriptions) }),
  ];
  if (inline) return <span>{lines.join(' · ')}</span>;
  return (
    <span className="block text-xs leading-5 text-slate-600">
      {lines.map((l) => (
        <span key={l} className="block whitespace-nowrap">
          {l}
        </span>
      ))}
    </span>
  );
}
