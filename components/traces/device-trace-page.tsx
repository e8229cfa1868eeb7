'use client';
/**
 * Device trace (PRODUCT.md §7): a device's connects, disconnects and closes over at most a day.
 * Events are grouped by channel ID, so a connection's connect and its end sit together as one
 * session, with how long it lasted and why it ended; a refused login is a session of one event.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { Cable } from 'lucide-react';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { cx } from '@/components/ui/cx';
import { ChoiceGroup } from '@/components/ui/choice-group';
import { CodeInput, FormField } from '@/components/ui/form-field';
import { Cell, PlainTable } from '@/components/ui/plain-table';
import { EmptyState, LoadingState } from '@/components/ui/states';
import { deviceTraceSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import type { DeviceEvent } from '@/server/telemetry/queries';
import { InstanceSelect, RangeField, TraceList, useMounted, type SearchParams } from './query-parts';
import { initialRange, resolveRange, type QuickRange, type RangeState } from './time-range';
import { clientMessagesHref, formatDuration, reasonKey, useTraceTime } from './trace-bits';

const QUICK: readonly QuickRange[] = ['15m', '1h', '6h', '1d'];
const FIELDS = ['instanceId', 'groupId', 'deviceId', 'clientId', 'range', 'from', 'to'] as const;
const BY = ['group', 'client'] as const;
type By = (typeof BY)[number];

export function DeviceTracePage({ params }: { params: SearchParams }) {
  const { t } = useI18n();
  const mounted = useMounted();
  return (
    <>
      <PageHeader title={t('nav.deviceTrace')} description={t('traces.devices.description')} />
      {mounted ? <DeviceTrace params={params} /> : <LoadingState />}
    </>
  );
}

function DeviceTrace({ params }: { params: SearchParams }) {
  const { t } = useI18n();
  const router = useRouter();
  const pathname = usePathname();
  const [by, setBy] = useState<By>(params.clientId ? 'client' : 'group');
  const [form, setForm] = useState({
    instanceId: params.instanceId ?? '',
    groupId: params.groupId ?? '',
    deviceId: params.deviceId ?? '',
    clientId: params.clientId ?? '',
  });
  const [range, setRange] = useState<RangeState>(() => initialRange(params, '1h', Date.now()));
  const errors = useFormErrors(FIELDS);

  function set<K extends keyof typeof form>(key: K, value: string) {
    setForm((f) => ({ ...f, [key]: value }));
    errors.clear(key);
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const { from, to } = resolveRange(range);
    const who = by === 'client' ? { clientId: form.clientId } : { groupId: form.groupId, deviceId: form.deviceId };
    // An empty client ID means "use the Group ID and Device ID": say it is required instead.
    const r = validate(deviceTraceSchema, { instanceId: form.instanceId, ...who, from, to });
    if (by === 'client' && !form.clientId.trim()) {
      const errs = r.ok ? {} : r.errors;
      delete errs.groupId;
      delete errs.deviceId;
      errs.clientId = { key: 'v.required' };
      if (!form.instanceId) errs.instanceId = { key: 'traces.instance.required' };
      return errors.setErrors(errs);
    }
    if (!r.ok) {
      if (!form.instanceId) r.errors.instanceId = { key: 'traces.instance.required' };
      return errors.setErrors(r.errors);
    }
    errors.clear();
    const q = new URLSearchParams({ instanceId: form.instanceId, ...(by === 'client' ? { clientId: form.clientId.trim() } : { groupId: form.groupId.trim(), deviceId: form.deviceId.trim() }) });
    q.set('from', String(from));
    q.set('to', String(to));
    if (range.quick !== 'custom') q.set('range', range.quick);
    router.push(`${pathname}?${q}&at=${Date.now()}`);
  }

  return (
    <div className="space-y-4">
      <Card title={t('traces.query')}>
        <form id={errors.formId} noValidate onSubmit={onSubmit} className="space-y-4">
          <div className="grid gap-4 lg:grid-cols-[minmax(0,16rem)_minmax(0,1fr)]">
            <InstanceSelect id="device-instance" value={form.instanceId} onChange={(v) => set('instanceId', v)} error={errors.message('instanceId')} />
            <div>
              <ChoiceGroup
                label={t('traces.device.by')}
                className="mb-2"
                choices={BY}
                value={by}
                onChange={(b) => {
                  setBy(b);
                  errors.clear();
                }}
                choiceLabel={(b) => t(b === 'group' ? 'traces.device.byGroup' : 'traces.device.byClient')}
              />
              {by === 'group' ? (
                <div className="grid gap-3 sm:grid-cols-2">
                  <FormField id="device-group" label={t('traces.groupId')} error={errors.message('groupId')} required>
                    {(p) => (
                      <CodeInput {...p} value={form.groupId} placeholder="GID_sensors" onChange={(e) => set('groupId', e.target.value)} />
                    )}
                  </FormField>
                  <FormField id="device-device" label={t('traces.deviceId')} error={errors.message('deviceId')} required>
                    {(p) => (
                      <CodeInput {...p} value={form.deviceId} placeholder="device-001" onChange={(e) => set('deviceId', e.target.value)} />
                    )}
                  </FormField>
                </div>
              ) : (
                <FormField id="device-client" label={t('traces.clientId')} error={errors.message('clientId')} required>
                  {(p) => (
                    <CodeInput {...p} value={form.clientId} placeholder={t('credentials.clientId.placeholder')} onChange={(e) => set('clientId', e.target.value)} />
                  )}
                </FormField>
              )}
            </div>
          </div>
          <RangeField id="device-range" value={range} onChange={setRange} options={QUICK} hint={t('traces.range.devicesHint')} form={errors} />
          <Button type="submit" variant="primary">
            {t('traces.search')}
          </Button>
        </form>
      </Card>
      {params.instanceId && (params.clientId || (params.groupId && params.deviceId)) && params.from && params.to ? (
        <Sessions
          instanceId={params.instanceId}
          who={params.clientId ? { clientId: params.clientId } : { groupId: params.groupId!, deviceId: params.deviceId! }}
          from={Number(params.from)}
          to={Number(params.to)}
        />
      ) : (
        <Card>
          <EmptyState icon={<Cable className="size-6" />} title={t('traces.start.title')} description={t('traces.start.devices')} />
        </Card>
      )}
    </div>
  );
}

interface Session {
  channelId: string;
  /** Oldest first. */
  events: DeviceEvent[];
}

/** Events (newest first) → sessions by channel ID, newest session first, each session's events oldest first. */
function sessionsOf(events: DeviceEvent[]): Session[] {
  const byChannel = new Map<string, Session>();
  for (const e of events) {
    let s = byChannel.get(e.channelId);
    if (!s) byChannel.set(e.channelId, (s = { channelId: e.channelId, events: [] }));
    s.events.unshift(e);
  }
  return [...byChannel.values()];
}

type SessionTone = 'refused' | 'clean' | 'abnormal' | 'open';
const CLEAN_ENDS = new Set(['disconnected by client', 'closed by client']);

function toneOf(s: Session): SessionTone {
  const connect = s.events.find((e) => e.action === 'connect');
  if (connect && connect.description !== 'accepted') return 'refused';
  const close = s.events.find((e) => e.action === 'close');
  if (!close) return 'open';
  return CLEAN_ENDS.has(close.description) ? 'clean' : 'abnormal';
}

const rail: Record<SessionTone, string> = {
  refused: 'border-l-red-500',
  clean: 'border-l-slate-300',
  abnormal: 'border-l-amber-500',
  open: 'border-l-emerald-500',
};

function eventTone(e: DeviceEvent): BadgeTone {
  if (e.action === 'connect') return e.description === 'accepted' ? 'green' : 'red';
  if (e.action === 'disconnect') return 'blue';
  return CLEAN_ENDS.has(e.description) ? 'gray' : 'amber';
}

function Sessions({ instanceId, who, from, to }: { instanceId: string; who: { clientId: string } | { groupId: string; deviceId: string }; from: number; to: number }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const time = useTraceTime();
  const q = useInfiniteQuery(
    trpc.traces.device.infiniteQueryOptions({ instanceId, ...who, from, to }, { getNextPageParam: (page) => page.nextCursor }),
  );
  const clientId = q.data?.pages[0]?.clientId ?? ('clientId' in who ? who.clientId : `${who.groupId}@@@${who.deviceId}`);
  const events = q.data?.pages.flatMap((p) => p.items);

  const table = (found: DeviceEvent[]) => (
    <PlainTable
      label={t('traces.devices.tableLabel')}
      className="border-collapse"
      nowrapHeaders
      headers={[t('traces.col.channel'), t('traces.col.action'), t('traces.col.description'), t('traces.col.address'), t('traces.col.time')]}
    >
      {sessionsOf(found).map((s) => {
        const tone = toneOf(s);
        const close = s.events.find((e) => e.action === 'close');
        const connect = s.events.find((e) => e.action === 'connect');
        let summary: string;
        if (tone === 'refused') summary = t('traces.session.refused');
        else if (connect && close) summary = t('traces.session.lasted', { duration: formatDuration(close.time - connect.time) });
        else if (!connect) summary = t('traces.session.noStart');
        else summary = t('traces.session.open');
        return (
          <tbody
            key={s.channelId}
            data-testid={`session-${s.channelId}`}
            aria-label={t('traces.session.label', { channel: s.channelId })}
            className="border-b-4 border-slate-100 last:border-b-0"
          >
            {s.events.map((e, i) => (
              <tr key={`${e.action}-${e.time}-${i}`} data-testid="device-event-row" className="align-top hover:bg-slate-50/70">
                {i === 0 && (
                  <Cell rowSpan={s.events.length} className={cx('border-l-4', rail[tone])}>
                    <span className="font-mono text-xs text-slate-900" data-testid="session-channel">
                      {s.channelId}
                    </span>
                    <span className="mt-1 block max-w-56 text-xs text-slate-500" data-testid="session-summary">
                      {summary}
                    </span>
                  </Cell>
                )}
                <Cell>
                  <Badge tone={eventTone(e)} className="font-mono">
                    {e.action}
                  </Badge>
                </Cell>
                <Cell>
                  <span className="font-mono text-slate-900" data-testid="event-description">
                    {e.description}
                  </span>
                  <Reason description={e.description} />
                </Cell>
                <Cell className="font-mono text-xs whitespace-nowrap text-slate-600">{e.address}</Cell>
                <Cell className="whitespace-nowrap text-slate-600 tabular-nums">{time(e.time)}</Cell>
              </tr>
            ))}
          </tbody>
        );
      })}
    </PlainTable>
  );

  return (
    <Card
      title={<span className="font-mono break-all">{t('traces.devices.title', { clientId })}</span>}
      actions={
        <Link href={clientMessagesHref(instanceId, clientId, Math.max(from, to - 7 * 86400_000), to)} className="text-sm text-brand-600 hover:underline">
          {t('traces.openMessages', { clientId })}
        </Link>
      }
      bodyClassName=""
    >
      <TraceList
        query={q}
        rows={events}
        empty={<EmptyState title={t('traces.devices.empty')} description={t('traces.devices.emptyText', { clientId })} />}
      >
        {table}
      </TraceList>
    </Card>
  );
}

/** A description's explanation in the user's language (nothing for one this console does not know). */
function Reason({ description }: { description: string }) {
  const { t } = useI18n();
  const key = reasonKey(description);
  const text = t(key);
  return text === key ? null : <span className="block text-xs text-slate-500">{text}</span>;
}
