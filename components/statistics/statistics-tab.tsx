'use client';
/**
 * The instance's Statistics tab (PRODUCT.md §8): connections, subscriptions, messages in/out per
 * second, throttled and dropped messages over 1 h … 7 d, from the broker's samples; and the
 * messages per parent topic. Spec limits are drawn (with the 70% warning line) once a figure
 * gets near them. A bucket without a sample (no broker running) is a gap, never a made-up line.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ChartLine } from 'lucide-react';
import { useMemo, useState, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { RefreshBar } from '@/components/clients/refresh-bar';
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { Card } from '@/components/ui/card';
import { ChoiceGroup } from '@/components/ui/choice-group';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import type { Instance } from '@/db/schema';
import { STATISTICS_RANGES, type StatisticsRange } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';
import type { Sample } from '@/server/telemetry/queries';
import { WARN_RATIO } from './usage';

const REFRESH_MS = 10_000;
const COLORS = { a: '#2563eb', b: '#059669', c: '#d97706', d: '#dc2626', e: '#7c3aed' };

type Point = { time: number } & Partial<Omit<Sample, 'time'>> & { tps?: number };

/** Samples as chart points, with a null point wherever a bucket is missing so the line breaks there. */
export function toPoints(samples: Sample[], bucketMs: number): Point[] {
  const out: Point[] = [];
  let last = 0;
  for (const s of samples) {
    if (last !== 0 && s.time - last > bucketMs * 2.5) out.push({ time: last + bucketMs });
    out.push({ ...s, tps: s.inPerSecond + s.outPerSecond });
    last = s.time;
  }
  return out;
}

export function StatisticsTab({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [range, setRange] = useState<StatisticsRange>('1h');
  const [auto, setAuto] = useState(true);
  const options = { refetchInterval: auto ? REFRESH_MS : (false as const), placeholderData: keepPreviousData };
  const series = useQuery(trpc.statistics.series.queryOptions({ instanceId: instance.id, range }, options));
  const topics = useQuery(trpc.statistics.topics.queryOptions({ instanceId: instance.id, range }, options));
  const points = useMemo(() => (series.data ? toPoints(series.data.samples, series.data.bucketMs) : []), [series.data]);
  // The range, or from the first sample when the recording started later (a new instance).
  const domain = useMemo<[number, number]>(() => {
    if (!series.data) return [0, 0];
    const first = points[0]?.time;
    return [first === undefined ? series.data.from : Math.max(series.data.from, first - series.data.bucketMs), series.data.to];
  }, [series.data, points]);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <ChoiceGroup
          look="soft"
          label={t('statistics.range')}
          choices={STATISTICS_RANGES}
          value={range}
          onChange={setRange}
          choiceLabel={(r) => t(`statistics.range.${r}`)}
        />
        <RefreshBar
          updatedAt={series.dataUpdatedAt}
          fetching={series.isFetching}
          auto={auto}
          onAuto={setAuto}
          onRefresh={() => {
            void series.refetch();
            void topics.refetch();
          }}
        />
      </div>

      {series.isPending ? (
        <LoadingState />
      ) : series.error ? (
        <Card>
          <ErrorState error={series.error} onRetry={() => void series.refetch()} />
        </Card>
      ) : series.data.samples.length === 0 ? (
        <Card>
          <EmptyState icon={<ChartLine className="size-6" />} title={t('statistics.empty.title')} description={t('statistics.empty.text')} />
        </Card>
      ) : (
        <div className="grid gap-4 xl:grid-cols-2">
          <ChartCard title={t('statistics.connections')} testId="chart-connections" description={limitText(t, instance.maxConnections)}>
            <SeriesChart
              points={points}
              domain={domain}
              lines={[{ key: 'connections', name: t('statistics.connections'), color: COLORS.a }]}
              limit={instance.maxConnections}
            />
          </ChartCard>
          <ChartCard title={t('statistics.subscriptions')} testId="chart-subscriptions" description={limitText(t, instance.maxSubscriptions)}>
            <SeriesChart
              points={points}
              domain={domain}
              lines={[{ key: 'subscriptions', name: t('statistics.subscriptions'), color: COLORS.e }]}
              limit={instance.maxSubscriptions}
            />
          </ChartCard>
          <ChartCard title={t('statistics.messages')} testId="chart-messages" description={limitText(t, instance.maxTps)}>
            <SeriesChart
              points={points}
              domain={domain}
              lines={[
                { key: 'inPerSecond', name: t('statistics.in'), color: COLORS.a },
                { key: 'outPerSecond', name: t('statistics.out'), color: COLORS.b },
                { key: 'tps', name: t('statistics.tps'), color: COLORS.e, dashed: true },
              ]}
              limit={instance.maxTps}
              decimals
            />
          </ChartCard>
          <ChartCard
            title={t('statistics.problems')}
            testId="chart-problems"
            description={t('statistics.problems.description', { seconds: Math.round(series.data.bucketMs / 1000) })}
          >
            <SeriesChart
              points={points}
              domain={domain}
              lines={[
                { key: 'throttled', name: t('statistics.throttled'), color: COLORS.c },
                { key: 'dropped', name: t('statistics.dropped'), color: COLORS.d },
              ]}
            />
          </ChartCard>
        </div>
      )}

      <TopicCounts loading={topics.isPending} error={topics.error} rows={topics.data?.topics} onRetry={() => void topics.refetch()} />
    </div>
  );
}

function limitText(t: (key: string, params?: Record<string, string | number>) => string, limit: number): string {
  return t('statistics.limit', { limit: limit.toLocaleString('en-US'), warn: Math.round(limit * WARN_RATIO).toLocaleString('en-US') });
}

function ChartCard({ title, description, testId, children }: { title: string; description?: string; testId: string; children: ReactNode }) {
  return (
    <Card title={title} description={description}>
      <div data-testid={testId} className="h-56">
        {children}
      </div>
    </Card>
  );
}

function useTimeFormat(domain: [number, number]) {
  const { locale } = useI18n();
  return useMemo(() => {
    const span = domain[1] - domain[0];
    const f = new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en-US', {
      ...(span > 86_400_000 ? { month: '2-digit', day: '2-digit' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      ...(span < 900_000 ? { second: '2-digit' } : {}),
      hour12: false,
    });
    const full = new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en-US', {
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    return { tick: (ms: number) => f.format(new Date(ms)), full: (ms: number) => full.format(new Date(ms)) };
  }, [domain, locale]);
}

function SeriesChart({
  points,
  domain,
  lines,
  limit,
  decimals,
}: {
  points: Point[];
  domain: [number, number];
  lines: { key: keyof Point; name: string; color: string; dashed?: boolean }[];
  limit?: number;
  decimals?: boolean;
}) {
  const { t } = useI18n();
  const fmt = useFormat();
  const time = useTimeFormat(domain);
  const peak = Math.max(0, ...points.flatMap((p) => lines.map((l) => Number(p[l.key] ?? 0))));
  // The limit lines only once a figure comes near them: drawn always, they would flatten the data.
  const showLimit = limit !== undefined && limit > 0 && peak >= limit * 0.5;
  const value = (v: number) => (decimals ? (Math.round(v * 10) / 10).toLocaleString() : fmt.number(v));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
        <XAxis dataKey="time" type="number" scale="time" domain={domain} tickFormatter={time.tick} fontSize={11} stroke="#94a3b8" minTickGap={40} />
        <YAxis fontSize={11} stroke="#94a3b8" width={48} allowDecimals={!!decimals} domain={showLimit ? [0, Math.max(limit, peak)] : [0, 'auto']} />
        <Tooltip labelFormatter={(v) => time.full(Number(v))} formatter={(v) => value(Number(v))} />
        {lines.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
        {showLimit && <ReferenceLine y={limit * WARN_RATIO} stroke="#d97706" strokeDasharray="4 4" label={{ value: t('statistics.warnLine'), fontSize: 10, fill: '#b45309', position: 'insideTopLeft' }} />}
        {showLimit && <ReferenceLine y={limit} stroke="#dc2626" label={{ value: t('statistics.limitLine'), fontSize: 10, fill: '#b91c1c', position: 'insideTopLeft' }} />}
        {lines.map((l) => (
          <Line
            key={String(l.key)}
            type="monotone"
            dataKey={String(l.key)}
            name={l.name}
            stroke={l.color}
            strokeWidth={1.75}
            strokeDasharray={l.dashed ? '5 3' : undefined}
            dot={points.length < 3}
            isAnimationActive={false}
            connectNulls={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}

function TopicCounts({
  loading,
  error,
  rows,
  onRetry,
}: {
  loading: boolean;
  error: unknown;
  rows: { topic: string; messagesIn: number; messagesOut: number }[] | undefined;
  onRetry: () => void;
}) {
  const { t } = useI18n();
  const fmt = useFormat();
  return (
    <Card title={t('statistics.topics')} description={t('statistics.topics.description')}>
      {loading ? (
        <LoadingState variant="card" rows={3} />
      ) : error ? (
        <ErrorState error={error} onRetry={onRetry} />
      ) : !rows || rows.length === 0 ? (
        <p className="text-sm text-slate-500">{t('statistics.topics.none')}</p>
      ) : (
        <div className="grid gap-6 lg:grid-cols-2">
          <div data-testid="chart-topics" style={{ height: Math.max(120, rows.length * 32 + 40) }}>
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={rows} layout="vertical" margin={{ top: 0, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" horizontal={false} />
                <XAxis type="number" fontSize={11} stroke="#94a3b8" allowDecimals={false} />
                <YAxis type="category" dataKey="topic" fontSize={11} stroke="#94a3b8" width={110} />
                <Tooltip formatter={(v) => fmt.number(Number(v))} />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                <Bar dataKey="messagesIn" name={t('statistics.in.count')} fill={COLORS.a} isAnimationActive={false} />
                <Bar dataKey="messagesOut" name={t('statistics.out.count')} fill={COLORS.b} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <table aria-label={t('statistics.topics')} className="w-full self-start text-left text-sm" data-testid="topic-counts-table">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">{t('statistics.topic')}</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">{t('statistics.in.count')}</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">{t('statistics.out.count')}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r) => (
                <tr key={r.topic}>
                  <td className="px-3 py-2 font-mono">{r.topic}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{fmt.number(r.messagesIn)}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{fmt.number(r.messagesOut)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
