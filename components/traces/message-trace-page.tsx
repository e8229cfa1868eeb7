'use client';
/**
 * Message trace (PRODUCT.md §7): by message ID (a timeline), by client ID or by topic (a table,
 * newest first, more on demand). The query lives in the URL, so a search can be bookmarked,
 * shared and reached from links on the device trace page; the form validates with the same
 * schemas as the server.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Route } from 'lucide-react';
import { usePathname, useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { ChoiceGroup } from '@/components/ui/choice-group';
import { CodeInput, FormField } from '@/components/ui/form-field';
import { Cell, PlainBody, PlainTable } from '@/components/ui/plain-table';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { clientMessagesSchema, messageTraceSchema, topicMessagesSchema } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import { MessageNotFound, MessageTimeline } from './message-timeline';
import { InstanceSelect, RangeField, TraceList, useMounted, type SearchParams } from './query-parts';
import { initialRange, resolveRange, type QuickRange, type RangeState } from './time-range';
import { AckStatus, ClientLink, KindBadge, MessageLink, useTraceTime } from './trace-bits';

const MODES = ['id', 'client', 'topic'] as const;
type Mode = (typeof MODES)[number];
const QUICK: readonly QuickRange[] = ['15m', '1h', '6h', '1d', '3d', '7d'];
const FIELDS = ['instanceId', 'messageId', 'clientId', 'topic', 'range', 'from', 'to'] as const;

export function MessageTracePage({ params }: { params: SearchParams }) {
  const { t } = useI18n();
  const mounted = useMounted();
  return (
    <>
      <PageHeader title={t('nav.messageTrace')} description={t('traces.messages.description')} />
      {/* Times are shown in the browser's time zone: render on the client only. */}
      {mounted ? <MessageTrace params={params} /> : <LoadingState />}
    </>
  );
}

function MessageTrace({ params }: { params: SearchParams }) {
  const { t } = useI18n();
  const router = useRouter();
  const pathname = usePathname();
  const mode: Mode = MODES.find((m) => m === params.mode) ?? (params.clientId ? 'client' : params.topic ? 'topic' : 'id');
  const [form, setForm] = useState({
    instanceId: params.instanceId ?? '',
    mode,
    messageId: params.messageId ?? '',
    clientId: params.clientId ?? '',
    topic: params.topic ?? '',
  });
  const [range, setRange] = useState<RangeState>(() => initialRange(params, '1h', Date.now()));
  const errors = useFormErrors(FIELDS);

  function set<K extends keyof typeof form>(key: K, value: (typeof form)[K]) {
    setForm((f) => ({ ...f, [key]: value }));
    errors.clear(key);
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const { from, to } = resolveRange(range);
    const q = new URLSearchParams({ instanceId: form.instanceId, mode: form.mode });
    let r;
    if (form.mode === 'id') {
      r = validate(messageTraceSchema, { instanceId: form.instanceId, messageId: form.messageId });
      if (r.ok) q.set('messageId', r.data.messageId);
    } else {
      const schema = form.mode === 'client' ? clientMessagesSchema : topicMessagesSchema;
      r = validate(schema, { instanceId: form.instanceId, clientId: form.clientId, topic: form.topic, from, to });
      if (r.ok) {
        if (form.mode === 'client') q.set('clientId', form.clientId.trim());
        else q.set('topic', form.topic);
        q.set('from', String(from));
        q.set('to', String(to));
        if (range.quick !== 'custom') q.set('range', range.quick);
      }
    }
    if (!r.ok) {
      if (!form.instanceId) r.errors.instanceId = { key: 'traces.instance.required' };
      return errors.setErrors(r.errors);
    }
    errors.clear();
    // A new search (even the same one again, for "last 1 h" now) gets a new URL entry.
    router.push(`${pathname}?${q}&at=${Date.now()}`);
  }

  return (
    <div className="space-y-4">
      <Card title={t('traces.query')}>
        <form id={errors.formId} noValidate onSubmit={onSubmit} className="space-y-4">
          <ChoiceGroup
            label={t('traces.mode')}
            choices={MODES}
            value={form.mode}
            onChange={(m) => {
              set('mode', m);
              errors.clear();
            }}
            choiceLabel={(m) => t(`traces.mode.${m}`)}
          />
          <div className="grid gap-4 lg:grid-cols-[minmax(0,16rem)_minmax(0,1fr)]">
            <InstanceSelect id="trace-instance" value={form.instanceId} onChange={(v) => set('instanceId', v)} error={errors.message('instanceId')} />
            {form.mode === 'id' && (
              <FormField id="trace-message-id" label={t('traces.messageId')} hint={t('traces.messageId.hint')} error={errors.message('messageId')} required>
                {(p) => (
                  <CodeInput {...p} value={form.messageId} placeholder="0123456789abcdef0123456789abcdef" onChange={(e) => set('messageId', e.target.value)} />
                )}
              </FormField>
            )}
            {form.mode === 'client' && (
              <FormField id="trace-client-id" label={t('traces.clientId')} error={errors.message('clientId')} required>
                {(p) => (
                  <CodeInput {...p} value={form.clientId} placeholder={t('credentials.clientId.placeholder')} onChange={(e) => set('clientId', e.target.value)} />
                )}
              </FormField>
            )}
            {form.mode === 'topic' && (
              <FormField id="trace-topic" label={t('traces.topic')} hint={t('traces.topic.hint')} error={errors.message('topic')} required>
                {(p) => (
                  <CodeInput {...p} value={form.topic} placeholder="Orders/eu/42" onChange={(e) => set('topic', e.target.value)} />
                )}
              </FormField>
            )}
          </div>
          {form.mode !== 'id' && (
            <RangeField id="trace-range" value={range} onChange={setRange} options={QUICK} hint={t('traces.range.messagesHint')} form={errors} />
          )}
          <Button type="submit" variant="primary">
            {t('traces.search')}
          </Button>
        </form>
      </Card>
      <Results params={params} mode={mode} />
    </div>
  );
}

/** What the URL asks for; nothing until a search ran. */
function Results({ params, mode }: { params: SearchParams; mode: Mode }) {
  const { t } = useI18n();
  const instanceId = params.instanceId ?? '';
  if (instanceId && mode === 'id' && params.messageId) return <MessageResult instanceId={instanceId} messageId={params.messageId} />;
  const from = Number(params.from);
  const to = Number(params.to);
  if (instanceId && mode !== 'id' && (params.clientId || params.topic) && params.from && params.to) {
    return <EventList instanceId={instanceId} mode={mode} clientId={params.clientId ?? ''} topic={params.topic ?? ''} from={from} to={to} />;
  }
  return (
    <Card>
      <EmptyState icon={<Route className="size-6" />} title={t('traces.start.title')} description={t('traces.start.messages')} />
    </Card>
  );
}

function MessageResult({ instanceId, messageId }: { instanceId: string; messageId: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.traces.message.queryOptions({ instanceId, messageId }));
  if (q.error) return <Card><ErrorState error={q.error} onRetry={() => q.refetch()} /></Card>;
  if (!q.data) return <Card><LoadingState variant="card" /></Card>;
  if (!q.data.trace) return <MessageNotFound retentionDays={q.data.retentionDays} />;
  return <MessageTimeline trace={q.data.trace} instanceId={instanceId} />;
}

function EventList({ instanceId, mode, clientId, topic, from, to }: { instanceId: string; mode: 'client' | 'topic'; clientId: string; topic: string; from: number; to: number }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const time = useTraceTime();
  const getNextPageParam = (page: { nextCursor: { before: number; skip: number } | null }) => page.nextCursor;
  const byClient = useInfiniteQuery({
    ...trpc.traces.byClient.infiniteQueryOptions({ instanceId, clientId, from, to }, { getNextPageParam }),
    enabled: mode === 'client',
  });
  const byTopic = useInfiniteQuery({
    ...trpc.traces.byTopic.infiniteQueryOptions({ instanceId, topic, from, to }, { getNextPageParam }),
    enabled: mode === 'topic',
  });
  const q = mode === 'client' ? byClient : byTopic;
  const rows = q.data?.pages.flatMap((p) => p.items);
  const title = mode === 'client' ? t('traces.messages.clientTitle', { clientId }) : t('traces.messages.topicTitle', { topic });

  const table = (found: NonNullable<typeof rows>) => (
    <PlainTable
      label={t('traces.messages.tableLabel')}
      nowrapHeaders
      headers={[
        t('traces.col.time'),
        t('traces.col.event'),
        t('traces.col.messageId'),
        mode === 'client' ? t('traces.col.topic') : t('traces.col.publisher'),
        t('traces.col.qos'),
        mode === 'client' && t('traces.col.ack'),
      ]}
    >
      <PlainBody>
        {found.map((e, i) => (
          <tr key={`${e.messageId}-${e.kind}-${e.time}-${i}`} data-testid="trace-event-row" className="hover:bg-slate-50/70">
            <Cell className="whitespace-nowrap text-slate-600 tabular-nums">{time(e.time)}</Cell>
            <Cell>
              <KindBadge kind={e.kind} />
            </Cell>
            <Cell>
              <MessageLink instanceId={instanceId} messageId={e.messageId} />
            </Cell>
            <Cell>
              {mode === 'client' ? (
                <span className="font-mono text-xs break-all">{e.topic}</span>
              ) : (
                <ClientLink instanceId={instanceId} clientId={e.clientId} time={e.time} />
              )}
            </Cell>
            <Cell className="tabular-nums">{e.qos}</Cell>
            {/* A topic lists origins only: their deliveries are on each message's trace. */}
            {mode === 'client' && (
              <Cell>
                <AckStatus acked={e.acked} ackedAt={e.ackedAt} time={e.time} qos={e.qos} />
              </Cell>
            )}
          </tr>
        ))}
      </PlainBody>
    </PlainTable>
  );

  return (
    <Card title={<span className="font-mono break-all">{title}</span>} bodyClassName="">
      <TraceList
        query={q}
        rows={rows}
        empty={
          <EmptyState
            title={t('traces.messages.empty')}
            description={mode === 'client' ? t('traces.messages.emptyClient', { clientId }) : t('traces.messages.emptyTopic', { topic })}
          />
        }
      >
        {table}
      </TraceList>
    </Card>
  );
}
