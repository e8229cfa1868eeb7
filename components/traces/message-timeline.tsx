'use client';
/**
 * One message's life as a timeline: where it came from and when (pub_mqtt with its publisher,
 * pub_mq, ServerSend), then every delivery (sub: pushed online, push_offline: pushed after a
 * reconnect) with the receiving client, its time after the origin, and whether and how fast
 * the client acknowledged it.
 */
import { CircleCheck, CircleDashed, CircleX, Radio, Send, SearchX } from 'lucide-react';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { useI18n } from '@/components/i18n';
import { Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { cx } from '@/components/ui/cx';
import { EmptyState } from '@/components/ui/states';
import type { MessageTrace } from '@/server/telemetry/queries';
import { AckStatus, ClientLink, clientMessagesHref, formatDuration, KindBadge, useTraceTime } from './trace-bits';
import { DetailItem } from '../ui/detail-item';

export function MessageTimeline({ trace, instanceId }: { trace: MessageTrace; instanceId: string }) {
  const { t } = useI18n();
  const time = useTraceTime();
  const acked = trace.deliveries.filter((d) => d.acked).length;
  const start = trace.origin?.time ?? trace.deliveries[0]?.time ?? 0;

  return (
    <Card
      title={
        <span className="flex flex-wrap items-center gap-2">
          {t('traces.timeline.title')}
          <code data-testid="trace-message-id" className="font-mono text-xs font-normal text-slate-600">
            {trace.messageId}
          </code>
          <CopyButton value={trace.messageId} what={t('testMessage.copyMessageId')} iconOnly />
        </span>
      }
    >
      <dl className="mb-5 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <DetailItem label={t('traces.timeline.topic')}>
          <span className="font-mono break-all" data-testid="trace-topic">
            {trace.topic}
          </span>
        </DetailItem>
        <DetailItem label={t('traces.timeline.qos')}>{trace.qos}</DetailItem>
        <DetailItem label={t('traces.timeline.instance')}>
          <span className="font-mono">{trace.instanceId}</span>
        </DetailItem>
        <DetailItem label={t('traces.timeline.deliveries')}>
          <span data-testid="trace-ack-summary">{t('traces.timeline.ackSummary', { acked, total: trace.deliveries.length })}</span>
        </DetailItem>
      </dl>

      <ol aria-label={t('traces.timeline.label', { id: trace.messageId })} className="relative">
        <Step
          testId="trace-origin"
          icon={<Send className="size-3.5" />}
          tone={trace.origin ? 'blue' : 'gray'}
          last={trace.deliveries.length === 0}
          heading={t('traces.timeline.origin')}
        >
          {trace.origin ? (
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
              <KindBadge kind={trace.origin.kind} withLabel />
              {trace.origin.kind === 'pub_mqtt' && trace.origin.clientId && (
                <span className="text-sm text-slate-600">
                  {t('traces.timeline.by', { clientId: '' })}
                  <ClientLink instanceId={instanceId} clientId={trace.origin.clientId} time={trace.origin.time} />
                </span>
              )}
              <time className="text-sm text-slate-500 tabular-nums" dateTime={new Date(trace.origin.time).toISOString()}>
                {time(trace.origin.time)}
              </time>
            </div>
          ) : (
            <p className="text-sm text-slate-500">{t('traces.timeline.originMissing')}</p>
          )}
        </Step>
        {trace.deliveries.map((d, i) => (
          <Step
            key={`${d.clientId}-${d.time}-${i}`}
            testId="trace-delivery"
            icon={d.acked ? <CircleCheck className="size-3.5" /> : d.qos === 0 ? <Radio className="size-3.5" /> : <CircleDashed className="size-3.5" />}
            tone={d.acked ? (d.kind === 'push_offline' ? 'amber' : 'green') : 'red'}
            last={i === trace.deliveries.length - 1}
            heading={`${t('traces.timeline.delivery')} ${i + 1}`}
          >
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
              <KindBadge kind={d.kind} withLabel />
              <ClientLink instanceId={instanceId} clientId={d.clientId} time={d.time} />
              <span className="text-xs text-slate-400">QoS {d.qos}</span>
            </div>
            <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
              <time className="text-slate-500 tabular-nums" dateTime={new Date(d.time).toISOString()}>
                {time(d.time)}
              </time>
              {start > 0 && <span className="text-slate-400">{t('traces.timeline.afterPublish', { duration: formatDuration(d.time - start) })}</span>}
              <AckStatus acked={d.acked} ackedAt={d.ackedAt} time={d.time} qos={d.qos} />
            </div>
          </Step>
        ))}
      </ol>
      {trace.deliveries.length === 0 && (
        <p className="mt-1 flex items-center gap-2 pl-9 text-sm text-slate-500">
          <CircleX aria-hidden="true" className="size-4 text-slate-400" />
          {t('traces.timeline.noDeliveries')}
        </p>
      )}
      {trace.origin?.kind === 'pub_mqtt' && trace.origin.clientId && (
        <p className="mt-4 border-t border-slate-100 pt-3 text-sm">
          <Link
            className="text-brand-600 hover:underline"
            href={clientMessagesHref(instanceId, trace.origin.clientId, trace.origin.time - 3600_000, trace.origin.time + 3600_000)}
          >
            {t('traces.openMessages', { clientId: trace.origin.clientId })}
          </Link>
        </p>
      )}
    </Card>
  );
}

export function MessageNotFound({ retentionDays }: { retentionDays: number }) {
  const { t } = useI18n();
  return (
    <Card>
      <EmptyState
        icon={<SearchX className="size-6" />}
        title={t('traces.timeline.notFound')}
        description={t('traces.timeline.notFoundText', { days: retentionDays })}
      />
    </Card>
  );
}

const stepTones = {
  blue: 'bg-brand-50 text-brand-600 ring-brand-100',
  green: 'bg-emerald-50 text-emerald-700 ring-emerald-200',
  amber: 'bg-amber-50 text-amber-700 ring-amber-300',
  red: 'bg-red-50 text-red-600 ring-red-200',
  gray: 'bg-slate-100 text-slate-500 ring-slate-200',
} as const;

function Step({
  icon,
  tone,
  heading,
  last,
  testId,
  children,
}: {
  icon: ReactNode;
  tone: keyof typeof stepTones;
  heading: string;
  last: boolean;
  testId: string;
  children: ReactNode;
}) {
  return (
    <li data-testid={testId} className="relative flex gap-3 pb-5 last:pb-1">
      {!last && <span aria-hidden="true" className="absolute top-7 bottom-0 left-3 w-px bg-slate-200" />}
      <span aria-hidden="true" className={cx('relative flex size-6 shrink-0 items-center justify-center rounded-full ring-1', stepTones[tone])}>
        {icon}
      </span>
      <div className="min-w-0 flex-1 pt-0.5">
        <p className="mb-1 text-xs font-medium tracking-wide text-slate-400 uppercase">{heading}</p>
        {children}
      </div>
    </li>
  );
}
