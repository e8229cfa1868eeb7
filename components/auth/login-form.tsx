'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormErrors } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { FormAlert, InputField } from '@/components/ui/form-field';
import { loginSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { AuthFrame } from './auth-frame';

const FIELDS = ['username', 'password'] as const;

export function LoginForm({ next }: { next: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const form = useFormErrors(FIELDS);
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: () => {
        toast.success(t('auth.login.success'));
        router.replace(next);
        router.refresh();
      },
      onError: (err) => form.fromServer(err),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const data = form.check(loginSchema, { username, password });
    if (data) login.mutate(data);
  }

  return (
    <AuthFrame title={t('auth.login.title')} subtitle={t('auth.login.subtitle')}>
      <form id={form.formId} noValidate onSubmit={onSubmit} className="space-y-4">
        <InputField form={form} field="username" id="login-username" label={t('auth.username')} autoComplete="username" value={username} onValue={setUsername} />
        <InputField
          form={form}
          field="password"
          id="login-password"
          label={t('auth.password')}
          type="password"
          autoComplete="current-password"
          // The username is prefilled: start in the password field.
          autoFocus
          value={password}
          onValue={setPassword}
        />
        {form.formError && <FormAlert>{form.formError}</FormAlert>}
        <Button type="submit" variant="primary" pending={login.isPending} className="w-full">
          {t('auth.login.submit')}
        </Button>
      </form>
    </AuthFrame>
  );
}
