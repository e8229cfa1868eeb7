'use client';
/**
 * The "Connect a client" tab: ready-to-run examples (components/instances/connect/snippets.ts)
 * filled in with this instance's endpoint and a chosen AccessKey, Group ID, device ID and parent
 * topic. The secret is never shown: the examples read it from MAGPIE_SECRET, or the signature
 * helper turns it into a ready password.
 */
import { useQuery } from '@tanstack/react-query';
import { Info, KeyRound, TriangleAlert } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { useI18n } from '@/components/i18n';
import { buttonClass } from '@/components/ui/button';
import { Callout, Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { cx } from '@/components/ui/cx';
import { FormField, Input, Select } from '@/components/ui/form-field';
import { LoadingState } from '@/components/ui/states';
import type { Instance } from '@/db/schema';
import { CLIENT_ID_MAX } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { clientIdOf, LANGUAGE_LABEL, snippet, SNIPPET_LANGUAGES, type SnippetLanguage } from './connect/snippets';

/** Shown in the examples until the instance has the real thing. */
const PLACEHOLDER = { accessKeyId: 'LTAI_YOUR_ACCESS_KEY_ID', groupId: 'GID_YOUR_GROUP', topic: 'YourParentTopic' };

export function ConnectTab({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const endpoints = useQuery(trpc.instances.endpoints.queryOptions({ id: instance.id }));
  const accessKeys = useQuery(trpc.accessKeys.list.queryOptions());
  const groups = useQuery(trpc.groups.list.queryOptions({ instanceId: instance.id }));
  const topics = useQuery(trpc.topics.list.queryOptions({ instanceId: instance.id }));
  const [chosenKey, setAccessKeyId] = useState('');
  const [chosenGroup, setGroupId] = useState('');
  const [chosenTopic, setTopic] = useState('');
  const [deviceId, setDeviceId] = useState('device-001');
  const [language, setLanguage] = useState<SnippetLanguage>('java');

  if (endpoints.isPending || accessKeys.isPending || groups.isPending || topics.isPending) return <LoadingState />;

  // The first of each list until the user picks one.
  const enabledKeys = (accessKeys.data ?? []).filter((k) => k.enabled);
  const accessKeyId = chosenKey || enabledKeys[0]?.id || '';
  const groupId = chosenGroup || groups.data?.[0]?.name || '';
  const topic = chosenTopic || topics.data?.[0]?.name || '';
  const tcp = endpoints.data?.find((e) => e.kind === 'tcp');
  const missing = !instance.openMode && (!accessKeyId || !groupId || !topic);

  const params = {
    instanceId: instance.id,
    host: tcp?.host ?? 'localhost',
    port: tcp?.port ?? instance.tcpPort,
    openMode: instance.openMode,
    accessKeyId: accessKeyId || PLACEHOLDER.accessKeyId,
    groupId: groupId || PLACEHOLDER.groupId,
    deviceId: deviceId || 'device-001',
    parentTopic: topic || PLACEHOLDER.topic,
  };
  const code = snippet(language, params);
  const clientId = clientIdOf(params);
  const signatureHref = `/signature?${new URLSearchParams({ instanceId: instance.id, accessKeyId, clientId }).toString()}`;

  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">{t('connect.description')}</p>
      {instance.openMode && (
        <Callout tone="warning" icon={<Info aria-hidden="true" className="size-4 text-amber-600" />}>
          {t('connect.openMode')}
        </Callout>
      )}
      {missing && (
        <Callout tone="warning" icon={<TriangleAlert aria-hidden="true" className="size-4 text-amber-600" />}>
          {t('connect.missing')}
        </Callout>
      )}

      <Card title={t('connect.settings')}>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          {!instance.openMode && (
            <FormField id="connect-access-key" label={t('connect.accessKey')}>
              {(p) => (
                <Select {...p} value={accessKeyId} onChange={(e) => setAccessKeyId(e.target.value)} disabled={enabledKeys.length === 0}>
                  {enabledKeys.length === 0 && <option value="">{t('connect.accessKey.none')}</option>}
                  {enabledKeys.map((k) => (
                    <option key={k.id} value={k.id}>
                      {k.id}
                      {k.description ? ` (${k.description})` : ''}
                    </option>
                  ))}
                </Select>
              )}
            </FormField>
          )}
          <FormField id="connect-group" label={t('connect.group')}>
            {(p) => (
              <Select {...p} value={groupId} onChange={(e) => setGroupId(e.target.value)} disabled={!groups.data?.length}>
                {!groups.data?.length && <option value="">{t('connect.group.none')}</option>}
                {groups.data?.map((g) => (
                  <option key={g.name} value={g.name}>
                    {g.name}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
          <FormField
            id="connect-device"
            label={t('connect.deviceId')}
            error={clientId.length > CLIENT_ID_MAX ? t('v.clientId.length') : undefined}
          >
            {(p) => (
              <Input
                {...p}
                value={deviceId}
                maxLength={40}
                autoComplete="off"
                spellCheck={false}
                className="font-mono"
                // Only characters that are safe in every example's quoting.
                onChange={(e) => setDeviceId(e.target.value.replace(/[^A-Za-z0-9_.-]/g, ''))}
              />
            )}
          </FormField>
          <FormField id="connect-topic" label={t('connect.topic')}>
            {(p) => (
              <Select {...p} value={topic} onChange={(e) => setTopic(e.target.value)} disabled={!topics.data?.length}>
                {!topics.data?.length && <option value="">{t('connect.topic.none')}</option>}
                {topics.data?.map((x) => (
                  <option key={x.name} value={x.name}>
                    {x.name}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
        </div>
        <p className="mt-3 flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-500">
          <span>
            {t('connect.endpoint')}: <code className="font-mono text-slate-700">{tcp?.url}</code>
          </span>
          <span>{t('connect.clientId', { clientId })}</span>
        </p>
      </Card>

      <Card title={t('connect.examples')} bodyClassName="">
        <div role="tablist" aria-label={t('connect.examples')} className="flex flex-wrap gap-1 border-b border-slate-100 px-3 pt-2">
          {SNIPPET_LANGUAGES.map((lang) => (
            <button
              key={lang}
              type="button"
              role="tab"
              id={`connect-lang-${lang}`}
              aria-selected={lang === language}
              aria-controls="connect-snippet"
              onClick={() => setLanguage(lang)}
              className={cx(
                '-mb-px border-b-2 px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-brand-500',
                lang === language ? 'border-brand-500 text-brand-600' : 'border-transparent text-slate-600 hover:text-slate-900',
              )}
            >
              {LANGUAGE_LABEL[lang]}
            </button>
          ))}
        </div>
        <div id="connect-snippet" role="tabpanel" aria-labelledby={`connect-lang-${language}`} className="relative">
          <div className="absolute top-2 right-3">
            <CopyButton value={code} what={t('connect.copyWhat', { language: LANGUAGE_LABEL[language] })} />
          </div>
          <pre
            data-testid="connect-snippet"
            className="max-h-[32rem] overflow-auto rounded-b-md bg-slate-900 p-4 pr-24 font-mono text-[12.5px] leading-relaxed text-slate-100"
          >
            <code>{code}</code>
          </pre>
        </div>
      </Card>

      {!instance.openMode && (
        <Callout tone="info" icon={<KeyRound aria-hidden="true" className="size-4 text-brand-500" />}>
          <p>{t('connect.secretNote')}</p>
          <Link href={signatureHref} className={buttonClass('secondary', 'sm', 'mt-2')}>
            {t('connect.signatureLink')}
          </Link>
        </Callout>
      )}
    </div>
  );
}
