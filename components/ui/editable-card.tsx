'use client';
import { Pencil } from 'lucide-react';
import type { ReactNode } from 'react';
import { useI18n } from '@/components/i18n';
import { Button } from './button';
import { Card } from './card';

/**
 * A card that shows values with an Edit button (named after the card, for screen readers),
 * and while `editing` shows `form` instead.
 */
export function EditableCard({
  title,
  description,
  editing,
  onEdit,
  form,
  children,
}: {
  title: string;
  description?: ReactNode;
  editing: boolean;
  onEdit: () => void;
  form: ReactNode;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <Card
      title={title}
      description={description}
      actions={
        !editing && (
          <Button size="sm" onClick={onEdit} aria-label={`${t('common.edit')}: ${title}`}>
            <Pencil aria-hidden="true" className="size-3.5" />
            {t('common.edit')}
          </Button>
        )
      }
    >
      {editing ? form : children}
    </Card>
  );
}
