'use client';
import { useMutation } from '@tanstack/react-query';
import { ShieldCheck } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormErrors } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Callout } from '@/components/ui/card';
import { FormAlert, FormField, Input, InputField } from '@/components/ui/form-field';
import { PASSWORD_MIN, setupSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { errorInfo } from '@/lib/trpc/errors';
import { AuthFrame } from './auth-frame';

const FIELDS = ['password', 'confirm'] as const;

export function SetupForm() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const form = useFormErrors(FIELDS);
  const [alreadySetUp, setAlreadySetUp] = useState(false);
  const setup = useMutation(
    trpc.auth.setup.mutationOptions({
      onSuccess: () => {
        toast.success(t('auth.setup.success'));
        router.replace('/instances');
        router.refresh();
      },
      onError: (err) => {
        form.fromServer(err, { _: 'password' });
        if (errorInfo(err).key === 'e.alreadySetUp') setAlreadySetUp(true);
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const data = form.check(setupSchema, { password, confirm });
    if (data) setup.mutate(data);
  }

  return (
    <AuthFrame title={t('auth.setup.title')} subtitle={t('auth.setup.subtitle')}>
      <form id={form.formId} noValidate onSubmit={onSubmit} className="space-y-4">
        <Callout tone="info" icon={<ShieldCheck aria-hidden="true" className="size-4 text-brand-500" />}>
          {t('auth.setup.note')}
        </Callout>
        <FormField id="setup-username" label={t('auth.username')}>
          {(p) => <Input {...p} value="admin" readOnly disabled autoComplete="username" />}
        </FormField>
        <InputField
          form={form}
          field="password"
          id="setup-password"
          label={t('auth.password')}
          hint={t('auth.passwordHint', { min: PASSWORD_MIN })}
          type="password"
          autoComplete="new-password"
          autoFocus
          value={password}
          onValue={setPassword}
        />
        <InputField
          form={form}
          field="confirm"
          id="setup-confirm"
          label={t('auth.confirmPassword')}
          type="password"
          autoComplete="new-password"
          value={confirm}
          onValue={setConfirm}
        />
        {form.formError && (
          <FormAlert>
            {form.formError}{' '}
            {alreadySetUp && (
              <Link href="/login" className="font-medium underline">
                {t('auth.login.submit')}
              </Link>
            )}
          </FormAlert>
        )}
        <Button type="submit" variant="primary" pending={setup.isPending} className="w-full">
          {t('auth.setup.submit')}
        </Button>
      </form>
    </AuthFrame>
  );
}
