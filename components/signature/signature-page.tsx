'use client';
/**
 * The signature helper (PRODUCT.md section 8): AccessKey (or device credential), secret,
 * instance and client ID in; the MQTT user name and password out, each with a copy button.
 * Computed on the server (plain-http pages have no crypto.subtle); the secret stays in this
 * form's state only.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { Info, Signature } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Callout, Card, PageHeader } from '@/components/ui/card';
import { FormAlert, FormField, Input, Select } from '@/components/ui/form-field';
import { EmptyState } from '@/components/ui/states';
import { ValueRow } from '@/components/ui/value-row';
import { SIGNATURE_MODES, signatureHelperSchema, type SignatureMode } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { InstanceOptions } from '@/components/instances/instance-options';

const FIELDS = ['mode', 'accessKeyId', 'secret', 'instanceId', 'clientId'] as const;

export interface SignatureInitial {
  mode: SignatureMode;
  accessKeyId: string;
  instanceId: string;
  clientId: string;
}

interface Login {
  clientId: string;
  username: string;
  password: string;
}

export function SignaturePage({ initial }: { initial: SignatureInitial }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const instances = useQuery(trpc.instances.list.queryOptions());
  const accessKeys = useQuery(trpc.accessKeys.list.queryOptions());
  const [mode, setMode] = useState<SignatureMode>(initial.mode);
  const [accessKeyId, setAccessKeyId] = useState(initial.accessKeyId);
  const [secret, setSecret] = useState('');
  const [instanceId, setInstanceId] = useState(initial.instanceId);
  const [clientId, setClientId] = useState(initial.clientId);
  const [result, setResult] = useState<Login | null>(null);
  const form = useFormErrors(FIELDS);

  const compute = useMutation(
    trpc.signature.compute.mutationOptions({
      // The response is a password: keep no copy in the mutation cache.
      gcTime: 0,
      onSuccess: (login) => setResult(login),
      onError: (err) => {
        setResult(null);
        form.fromServer(err);
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const r = validate(signatureHelperSchema, { mode, accessKeyId, secret, instanceId, clientId });
    if (!r.ok) {
      setResult(null);
      // Nothing chosen in the select: say so, rather than "not an instance ID".
      if (instanceId === '') r.errors.instanceId = { key: 'signature.instance.required' };
      return form.setErrors(r.errors);
    }
    form.clear();
    compute.mutate(r.data);
  }

  /** Any change makes the shown result stale. */
  function changed(field: (typeof FIELDS)[number]) {
    form.clear(field);
    setResult(null);
  }

  const device = mode === 'deviceCredential';
  return (
    <>
      <PageHeader title={t('nav.signature')} description={t('signature.description')} />
      <div className="grid items-start gap-4 lg:grid-cols-2">
        <Card title={t('signature.form.title')}>
          <form id={form.formId} noValidate onSubmit={onSubmit} className="space-y-4">
            <FormField id="signature-mode" label={t('signature.mode')} error={form.message('mode')}>
              {(p) => (
                <Select
                  {...p}
                  value={mode}
                  onChange={(e) => {
                    setMode(e.target.value as SignatureMode);
                    changed('mode');
                    form.clear('accessKeyId');
                  }}
                >
                  {SIGNATURE_MODES.map((m) => (
                    <option key={m} value={m}>
                      {t(`signature.mode.${m}`)}
                    </option>
                  ))}
                </Select>
              )}
            </FormField>
            <FormField
              id="signature-access-key"
              label={device ? t('signature.deviceAccessKeyId') : t('signature.accessKeyId')}
              error={form.message('accessKeyId')}
              required
            >
              {(p) => (
                <>
                  <Input
                    {...p}
                    value={accessKeyId}
                    list={device ? undefined : 'signature-access-keys'}
                    autoComplete="off"
                    spellCheck={false}
                    className="font-mono"
                    placeholder={device ? 'dk-…' : 'LTAI…'}
                    onChange={(e) => {
                      setAccessKeyId(e.target.value);
                      changed('accessKeyId');
                    }}
                  />
                  <datalist id="signature-access-keys">
                    {accessKeys.data?.map((k) => (
                      <option key={k.id} value={k.id}>
                        {k.description}
                      </option>
                    ))}
                  </datalist>
                </>
              )}
            </FormField>
            <FormField
              id="signature-secret"
              label={device ? t('signature.deviceSecret') : t('signature.secret')}
              hint={t('signature.secret.hint')}
              error={form.message('secret')}
              required
            >
              {(p) => (
                <Input
                  {...p}
                  type="password"
                  value={secret}
                  autoComplete="off"
                  spellCheck={false}
                  className="font-mono"
                  onChange={(e) => {
                    setSecret(e.target.value);
                    changed('secret');
                  }}
                />
              )}
            </FormField>
            <FormField id="signature-instance" label={t('signature.instance')} error={form.message('instanceId')} required>
              {(p) => (
                <Select
                  {...p}
                  value={instanceId}
                  onChange={(e) => {
                    setInstanceId(e.target.value);
                    changed('instanceId');
                  }}
                >
                  <InstanceOptions instances={instances.data} placeholder={t('signature.instance.choose')} />
                </Select>
              )}
            </FormField>
            <FormField
              id="signature-client-id"
              label={t('signature.clientId')}
              hint={t('credentials.clientId.hint')}
              error={form.message('clientId')}
              required
            >
              {(p) => (
                <Input
                  {...p}
                  value={clientId}
                  autoComplete="off"
                  spellCheck={false}
                  className="font-mono"
                  placeholder={t('credentials.clientId.placeholder')}
                  onChange={(e) => {
                    setClientId(e.target.value);
                    changed('clientId');
                  }}
                />
              )}
            </FormField>
            {form.formError && <FormAlert>{form.formError}</FormAlert>}
            <Button type="submit" variant="primary" pending={compute.isPending}>
              {t('signature.submit')}
            </Button>
          </form>
        </Card>
        <Card title={t('signature.result.title')}>
          {result ? (
            <div className="space-y-3" data-testid="signature-result">
              <ValueRow label={t('signature.clientId')} value={result.clientId} what={t('signature.copyClientId')} testId="signature-client-id" />
              <ValueRow label={t('signature.username')} value={result.username} what={t('signature.copyUsername')} testId="signature-username" />
              <ValueRow label={t('signature.password')} value={result.password} what={t('signature.copyPassword')} testId="signature-password" />
              <Callout tone="info" icon={<Info aria-hidden="true" className="size-4 text-brand-500" />}>
                {t('signature.result.note')}
              </Callout>
            </div>
          ) : (
            <EmptyState className="py-10" icon={<Signature className="size-6" />} title={t('signature.result.empty')} />
          )}
        </Card>
      </div>
    </>
  );
}
