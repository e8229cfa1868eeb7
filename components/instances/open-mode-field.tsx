'use client';
import { TriangleAlert } from 'lucide-react';
import { useI18n } from '@/components/i18n';
import { Callout } from '@/components/ui/card';
import { SwitchField } from '@/components/ui/form-field';

/**
 * The open-mode switch of the instance create and edit forms, with the warning about what
 * turning it on means while `warn` is set.
 */
export function OpenModeField({ id, checked, onChange, warn }: { id: string; checked: boolean; onChange: (on: boolean) => void; warn: boolean }) {
  const { t } = useI18n();
  return (
    <div className="rounded border border-slate-200 p-3.5">
      <SwitchField
        id={id}
        label={t('instance.openMode.label')}
        description={t('instance.openMode.description')}
        checked={checked}
        onChange={onChange}
        tone="amber"
      />
      {warn && (
        <Callout tone="warning" className="mt-3" icon={<TriangleAlert aria-hidden="true" className="size-4 text-amber-600" />}>
          {t('instance.openMode.warning')}
        </Callout>
      )}
    </div>
  );
}
