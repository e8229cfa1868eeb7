/**
 * The trace pages' queries (PRODUCT.md §7): TelemetryReader's answers, paged. The reader
 * answers newest first and at most 1000 rows; a page continues with a keyset cursor on time
 * (`before`) plus how many rows at exactly that millisecond were already shown (`skip`), so
 * rows that share a millisecond are neither repeated nor lost between pages.
 *
 * One reader per data directory and process (the console's Next.js handlers may load this
 * module more than once), kept open: it opens the database lazily once the broker created it.
 */
import type { TraceCursor } from '@/lib/schemas';
import { TelemetryReader } from './queries';

/** The reader's own row limit (queries.ts clamps to it). */
const READER_MAX_ROWS = 1000;

const globalKey = Symbol.for('magpie.telemetryReaders');
type GlobalWithReaders = typeof globalThis & { [globalKey]?: Map<string, TelemetryReader> };

export function telemetryReader(dataDir: string): TelemetryReader {
  const g = globalThis as GlobalWithReaders;
  g[globalKey] ??= new Map();
  let reader = g[globalKey].get(dataDir);
  if (!reader) {
    reader = new TelemetryReader(dataDir);
    g[globalKey].set(dataDir, reader);
  }
  return reader;
}

/** Closes the readers of this process (tests that delete their data directory). */
export function closeTelemetryReaders(): void {
  const g = globalThis as GlobalWithReaders;
  for (const reader of g[globalKey]?.values() ?? []) reader.close();
  g[globalKey]?.clear();
}

export interface PageQuery {
  from: number;
  to: number;
  cursor?: TraceCursor;
  pageSize: number;
}

export interface Page<T> {
  items: T[];
  /** Where the next page starts; null on the last page. */
  nextCursor: TraceCursor | null;
}

/**
 * One page of a newest-first query. `fetch(to, limit)` asks the reader for rows in
 * [q.from, to], newest first, at most `limit`.
 */
export function pageOf<T extends { time: number }>(q: PageQuery, fetch: (to: number, limit: number) => T[]): Page<T> {
  let to = q.cursor ? Math.min(q.cursor.before, q.to) : q.to;
  let skip = q.cursor?.skip ?? 0;
  if (skip + q.pageSize + 1 > READER_MAX_ROWS) {
    // More rows in one millisecond than the reader returns at once (never in practice):
    // continue with the next millisecond rather than loop.
    to -= 1;
    skip = 0;
  }
  if (to < q.from) return { items: [], nextCursor: null };
  const rows = fetch(to, skip + q.pageSize + 1).slice(skip);
  const items = rows.slice(0, q.pageSize);
  if (rows.length <= q.pageSize || items.length === 0) return { items, nextCursor: null };
  const last = items[items.length - 1].time;
  const atLast = items.filter((r) => r.time === last).length;
  return { items, nextCursor: { before: last, skip: last === to ? skip + atLast : atLast } };
}
