'use client';
import type { ReactNode } from 'react';
import { useI18n } from '@/components/i18n';
import { Button } from './button';
import { Dialog, DialogBody, DialogFooter } from './dialog';

/** "Are you sure?" The Cancel button has the focus, so Enter does not destroy anything. */
export function ConfirmDialog({
  open,
  onClose,
  onConfirm,
  title,
  children,
  confirmLabel,
  danger = true,
  pending,
}: {
  open: boolean;
  onClose: () => void;
  onConfirm: () => void;
  title: ReactNode;
  children: ReactNode;
  confirmLabel?: string;
  danger?: boolean;
  pending?: boolean;
}) {
  const { t } = useI18n();
  return (
    <Dialog open={open} onClose={onClose} title={title} size="sm" busy={pending} tone={danger ? 'danger' : undefined}>
      <DialogBody>
        <div className="text-sm leading-relaxed text-slate-600">{children}</div>
      </DialogBody>
      <DialogFooter>
        <Button data-autofocus onClick={onClose} disabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant={danger ? 'danger' : 'primary'} pending={pending} onClick={onConfirm}>
          {confirmLabel ?? t('common.delete')}
        </Button>
      </DialogFooter>
    </Dialog>
  );
}
