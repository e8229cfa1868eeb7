'use client';
/** The optional free-text description of a resource, with its length count as the hint. */
import { useI18n } from '@/components/i18n';
import { DESCRIPTION_MAX } from '@/lib/schemas';
import { FormField, Textarea } from './form-field';

export function DescriptionField({
  id,
  value,
  error,
  onChange,
}: {
  id: string;
  value: string;
  error?: string;
  onChange: (value: string) => void;
}) {
  const { t } = useI18n();
  return (
    <FormField
      id={id}
      label={t('field.description')}
      optional={t('common.optional')}
      error={error}
      hint={t('field.descriptionHint', { count: value.length, max: DESCRIPTION_MAX })}
    >
      {(p) => <Textarea {...p} rows={3} value={value} onChange={(e) => onChange(e.target.value)} />}
    </FormField>
  );
}
