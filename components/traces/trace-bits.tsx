'use client';
/** Small pieces both trace pages use: times to the millisecond, durations, event badges, links between the pages. */
import Link from 'next/link';
import { useMemo } from 'react';
import { useI18n } from '@/components/i18n';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { cx } from '@/components/ui/cx';

const HOUR = 3600_000;

/** Times with milliseconds (a trace's events are often within the same second). */
export function useTraceTime() {
  const { locale } = useI18n();
  return useMemo(() => {
    const format = new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en-US', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    return (ms: number) => `${format.format(new Date(ms))}.${String(ms % 1000).padStart(3, '0')}`;
  }, [locale]);
}

/** 850 ms, 2.4 s, 3 min 5 s, 2 h 10 min, 1 d 3 h. */
export function formatDuration(ms: number): string {
  const v = Math.max(0, Math.round(ms));
  if (v < 1000) return `${v} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(v < 10_000 ? 1 : 0)} s`;
  const s = Math.floor(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export type MessageKindName = 'pub_mqtt' | 'ServerSend' | 'pub_mq' | 'sub' | 'push_offline' | 'ack';

const kindTones: Record<MessageKindName, BadgeTone> = {
  pub_mqtt: 'blue',
  ServerSend: 'blue',
  pub_mq: 'blue',
  sub: 'green',
  push_offline: 'amber',
  ack: 'gray',
};

/** The event's name as the cloud console shows it (pub_mqtt, sub…), explained in the user's language. */
export function KindBadge({ kind, withLabel }: { kind: MessageKindName; withLabel?: boolean }) {
  const { t } = useI18n();
  const label = t(`traces.kind.${kind}`);
  return (
    <span className="inline-flex items-center gap-2">
      <Badge tone={kindTones[kind]} title={label} className="font-mono">
        {kind}
      </Badge>
      {withLabel && <span className="text-sm text-slate-600">{label}</span>}
    </span>
  );
}

/** Acknowledged (and how fast), QoS 0, or not acknowledged; `—` for an origin. */
export function AckStatus({ acked, ackedAt, time, qos }: { acked: boolean | null; ackedAt: number | null; time: number; qos: number }) {
  const { t } = useI18n();
  if (acked === null) return <span className="text-slate-400">{t('traces.ack.origin')}</span>;
  if (qos === 0) return <Badge tone="gray">{t('traces.ack.qos0')}</Badge>;
  if (!acked || ackedAt === null) return <Badge tone="red" dot>{t('traces.ack.no')}</Badge>;
  return (
    <Badge tone="green" dot>
      {t('traces.ack.after', { duration: formatDuration(ackedAt - time) })}
    </Badge>
  );
}

/** The i18n key explaining a device trace description (`clientId conflict` → traces.reason.clientIdConflict). */
export function reasonKey(description: string): string {
  const words = description.trim().split(/\s+/);
  return `traces.reason.${words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('')}`;
}

/** The device trace of a client around a moment (the device trace covers at most a day). */
export function deviceTraceHref(instanceId: string, clientId: string, around: number): string {
  const q = new URLSearchParams({ instanceId, clientId, from: String(around - 12 * HOUR), to: String(around + 12 * HOUR) });
  return `/traces/devices?${q}`;
}

export function messageTraceHref(instanceId: string, messageId: string): string {
  return `/traces/messages?${new URLSearchParams({ instanceId, mode: 'id', messageId })}`;
}

export function clientMessagesHref(instanceId: string, clientId: string, from: number, to: number): string {
  return `/traces/messages?${new URLSearchParams({ instanceId, mode: 'client', clientId, from: String(from), to: String(to) })}`;
}

const linkClass = 'font-mono text-brand-600 hover:text-brand-700 hover:underline focus-visible:outline-2 focus-visible:outline-brand-500';

/** A client ID that opens its device trace around `time`. */
export function ClientLink({ instanceId, clientId, time, className }: { instanceId: string; clientId: string; time: number; className?: string }) {
  const { t } = useI18n();
  if (!clientId) return <span className="text-slate-400">—</span>;
  return (
    <Link href={deviceTraceHref(instanceId, clientId, time)} title={t('traces.openDeviceTrace', { clientId })} className={cx(linkClass, 'text-sm break-all', className)}>
      {clientId}
    </Link>
  );
}

/** A message ID that opens its trace. */
export function MessageLink({ instanceId, messageId }: { instanceId: string; messageId: string }) {
  const { t } = useI18n();
  return (
    <Link href={messageTraceHref(instanceId, messageId)} title={t('traces.openMessage', { id: messageId })} className={cx(linkClass, 'text-xs')}>
      {messageId}
    </Link>
  );
}
