/**
 * The instance statistics page (PRODUCT.md §8): the broker's samples (every
 * MAGPIE_TELEMETRY_SAMPLE_MS, default 10 s; server/telemetry/writer.ts) read back from
 * telemetry.db, folded into at most MAX_POINTS buckets so a week still fits a chart, and the
 * messages per parent topic over the same range.
 */
import { statisticsQuerySchema, type StatisticsRange } from '@/lib/schemas';
import type { Backend } from '../backend';
import { parseInput } from '../errors';
import { TelemetryReader, type Sample, type TopicCount } from '../telemetry/queries';
import { getInstance } from './instances';

export const RANGE_MS: Record<StatisticsRange, number> = {
  '1h': 3_600_000,
  '3h': 3 * 3_600_000,
  '12h': 12 * 3_600_000,
  '1d': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
};

/** Points per chart at most: 1 h in 5 s buckets, 7 d in 14 min ones (never finer than the samples). */
export const MAX_POINTS = 720;

export interface Series {
  from: number;
  to: number;
  /** Each point covers this long (ms); a missing bucket is a gap (no broker running then). */
  bucketMs: number;
  samples: Sample[];
}

export function bucketFor(range: StatisticsRange, sampleMs: number): number {
  const raw = Math.ceil(RANGE_MS[range] / MAX_POINTS);
  return Math.max(sampleMs, Math.ceil(raw / 1000) * 1000);
}

/** One read-only handle per call: cheap, and nothing stays open on a data directory. */
function withReader<T>(backend: Backend, read: (reader: TelemetryReader) => T): T {
  const reader = new TelemetryReader(backend.config.dataDir);
  try {
    return read(reader);
  } finally {
    reader.close();
  }
}

export function statisticsSeries(backend: Backend, input: unknown, now = Date.now()): Series {
  const data = parseInput(statisticsQuerySchema, input);
  const instance = getInstance(backend, data.instanceId);
  const bucketMs = bucketFor(data.range, backend.config.telemetrySampleMs);
  const from = now - RANGE_MS[data.range];
  const samples = withReader(backend, (r) => r.samples({ instanceId: instance.id, from, to: now, bucketMs }));
  return { from, to: now, bucketMs, samples };
}

export function statisticsTopics(backend: Backend, input: unknown, now = Date.now()): { from: number; to: number; topics: TopicCount[] } {
  const data = parseInput(statisticsQuerySchema, input);
  const instance = getInstance(backend, data.instanceId);
  const from = now - RANGE_MS[data.range];
  const topics = withReader(backend, (r) => r.topicCounts({ instanceId: instance.id, from, to: now, limit: 20 }));
  return { from, to: now, topics };
}
