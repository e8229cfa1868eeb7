'use client';
/**
 * Client lookup (PRODUCT.md §8): on one instance, by client ID (online or not, its connections
 * and session), by Group ID (online count and the online clients) or by topic (who would
 * receive a message on it). The broker process answers; results refresh by themselves.
 * The last lookup lives in the URL (?instanceId=&mode=&q=), so a result can be shared or reloaded.
 */
import { useQuery } from '@tanstack/react-query';
import { Search } from 'lucide-react';
import { usePathname, useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { ChoiceGroup } from '@/components/ui/choice-group';
import { FormField, Input, Select } from '@/components/ui/form-field';
import { clientLookupSchema, groupLookupSchema, topicLookupSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { ClientResult } from './client-result';
import { LOOKUP_MODES, type LookupMode } from './describe';
import { GroupResult } from './group-result';
import { TopicResult } from './topic-result';
import { InstanceOptions } from '@/components/instances/instance-options';

export interface Lookup {
  mode: LookupMode;
  instanceId: string;
  value: string;
}

const FIELDS = ['instanceId', 'value'] as const;

export function ClientsPage({ initial }: { initial: Partial<Lookup> }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const instances = useQuery(trpc.instances.list.queryOptions());
  const [mode, setMode] = useState<LookupMode>(initial.mode ?? 'client');
  const [chosenInstance, setInstanceId] = useState(initial.instanceId ?? '');
  const [value, setValue] = useState(initial.value ?? '');
  const [lookup, setLookup] = useState<Lookup | null>(
    initial.instanceId && initial.value ? { mode: initial.mode ?? 'client', instanceId: initial.instanceId, value: initial.value } : null,
  );
  const form = useFormErrors(FIELDS);
  // With a single instance there is nothing to choose.
  const instanceId = chosenInstance || (instances.data?.length === 1 ? instances.data[0]!.id : '');

  function run(next: Lookup) {
    setLookup(next);
    setMode(next.mode);
    setValue(next.value);
    const q = new URLSearchParams({ instanceId: next.instanceId, mode: next.mode, q: next.value });
    router.replace(`${pathname}?${q}`, { scroll: false });
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    // Pasted values often carry a stray space; no client ID, group or topic we look up starts or ends with one.
    const v = value.trim();
    const r =
      mode === 'client'
        ? validate(clientLookupSchema, { instanceId, clientId: v })
        : mode === 'group'
          ? validate(groupLookupSchema, { instanceId, groupId: v })
          : validate(topicLookupSchema, { instanceId, topic: v });
    if (!r.ok) {
      const errors = { ...r.errors };
      for (const k of ['clientId', 'groupId', 'topic']) {
        if (errors[k]) {
          errors.value = errors[k];
          delete errors[k];
        }
      }
      if (instanceId === '') errors.instanceId = { key: 'clients.instance.required' };
      return form.setErrors(errors);
    }
    form.clear();
    run({ mode, instanceId, value: v });
  }

  const placeholder = mode === 'client' ? 'GID_sensors@@@device-001' : mode === 'group' ? 'GID_sensors' : 'Sensors/room-1/temperature';

  return (
    <>
      <PageHeader title={t('nav.clients')} description={t('clients.description')} />
      <Card>
        <form id={form.formId} noValidate onSubmit={onSubmit} className="space-y-4">
          <ChoiceGroup
            look="soft"
            label={t('clients.mode')}
            choices={LOOKUP_MODES}
            value={mode}
            onChange={(m) => {
              setMode(m);
              form.clear('value');
            }}
            choiceLabel={(m) => t(`clients.mode.${m}`)}
          />
          <div className="flex flex-wrap items-start gap-3">
            <FormField id="clients-instance" label={t('clients.instance')} error={form.message('instanceId')} required className="w-full sm:w-72">
              {(p) => (
                <Select
                  {...p}
                  value={instanceId}
                  onChange={(e) => {
                    setInstanceId(e.target.value);
                    form.clear('instanceId');
                  }}
                >
                  <InstanceOptions instances={instances.data} placeholder={t('signature.instance.choose')} />
                </Select>
              )}
            </FormField>
            <FormField
              id="clients-value"
              label={t(`clients.value.${mode}`)}
              hint={t(`clients.value.${mode}.hint`)}
              error={form.message('value')}
              required
              className="min-w-64 flex-1"
            >
              {(p) => (
                <Input
                  {...p}
                  value={value}
                  autoComplete="off"
                  spellCheck={false}
                  className="font-mono"
                  placeholder={placeholder}
                  onChange={(e) => {
                    setValue(e.target.value);
                    form.clear('value');
                  }}
                />
              )}
            </FormField>
            <div className="pt-6">
              <Button type="submit" variant="primary">
                <Search aria-hidden="true" className="size-4" />
                {t('clients.lookup')}
              </Button>
            </div>
          </div>
        </form>
      </Card>

      <div className="mt-4">
        {lookup?.mode === 'client' && <ClientResult key={`${lookup.instanceId}/${lookup.value}`} instanceId={lookup.instanceId} clientId={lookup.value} />}
        {lookup?.mode === 'group' && (
          <GroupResult
            key={`${lookup.instanceId}/${lookup.value}`}
            instanceId={lookup.instanceId}
            groupId={lookup.value}
            onClient={(clientId) => run({ mode: 'client', instanceId: lookup.instanceId, value: clientId })}
          />
        )}
        {lookup?.mode === 'topic' && (
          <TopicResult
            key={`${lookup.instanceId}/${lookup.value}`}
            instanceId={lookup.instanceId}
            topic={lookup.value}
            onClient={(clientId) => run({ mode: 'client', instanceId: lookup.instanceId, value: clientId })}
          />
        )}
      </div>
    </>
  );
}
