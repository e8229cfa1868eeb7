'use client';
import { LockOpen, ShieldCheck } from 'lucide-react';
import { useI18n } from '@/components/i18n';
import { Badge } from '@/components/ui/badge';

/** The amber mark of an instance without authentication. */
export function OpenModeBadge() {
  const { t } = useI18n();
  return (
    <Badge tone="amber" title={t('instance.openMode.badgeTitle')} icon={<LockOpen aria-hidden="true" className="size-3" />}>
      {t('instance.openMode.badge')}
    </Badge>
  );
}

export function ModeBadge({ openMode }: { openMode: boolean }) {
  const { t } = useI18n();
  if (openMode) return <OpenModeBadge />;
  return (
    <Badge tone="gray" icon={<ShieldCheck aria-hidden="true" className="size-3" />}>
      {t('instance.mode.authenticated')}
    </Badge>
  );
}
