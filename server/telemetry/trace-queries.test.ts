/**
 * Paging of the trace lists (pageOf): whatever the page size, every row comes exactly once and
 * in order, also when many rows share one millisecond (a burst of messages) — the case a
 * time-only cursor gets wrong. The rows come from an in-memory list answering like
 * TelemetryReader does: rows in [from, to], newest first, at most `limit`. (The router test
 * pages through real telemetry.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TraceCursor } from '@/lib/schemas';
import { pageOf } from './trace-queries';

interface Row {
  id: number;
  time: number;
}

/** Rows newest first, ties in a fixed order, as the reader's index scans return them. */
function reader(rows: Row[]) {
  const sorted = [...rows].sort((a, b) => b.time - a.time || b.id - a.id);
  return (from: number) => (to: number, limit: number) => sorted.filter((r) => r.time >= from && r.time <= to).slice(0, Math.min(limit, 1000));
}

function pageAll(rows: Row[], from: number, to: number, pageSize: number): { ids: number[]; pages: number } {
  const fetch = reader(rows)(from);
  const ids: number[] = [];
  let cursor: TraceCursor | undefined;
  let pages = 0;
  do {
    const page = pageOf({ from, to, pageSize, cursor }, fetch);
    assert.ok(page.items.length <= pageSize);
    ids.push(...page.items.map((r) => r.id));
    cursor = page.nextCursor ?? undefined;
    pages++;
    assert.ok(pages < 10_000, 'paging ends');
  } while (cursor);
  return { ids, pages };
}

const expected = (rows: Row[], from: number, to: number) =>
  [...rows].sort((a, b) => b.time - a.time || b.id - a.id).filter((r) => r.time >= from && r.time <= to).map((r) => r.id);

describe('pageOf', () => {
  it('pages through rows that share milliseconds: each once, newest first', () => {
    // 60 rows over 7 milliseconds: bursts of up to 20 in one millisecond.
    const times = [100, 100, 100, 101, 101, 105, 105, 105, 105, 105, 105, 105, 105, 105, 105, 105, 105, 105, 105, 105, 105, 105, 105];
    const rows: Row[] = [];
    for (let i = 0; i < 60; i++) rows.push({ id: i, time: times[i] ?? 110 + (i % 3) });
    for (const size of [1, 2, 3, 5, 7, 20, 50, 200]) {
      const { ids, pages } = pageAll(rows, 0, 1000, size);
      assert.deepEqual(ids, expected(rows, 0, 1000), `page size ${size}`);
      assert.equal(pages, Math.max(1, Math.ceil(60 / size)), `page size ${size}`);
    }
  });

  it('keeps to the range', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ id: i, time: 1000 + i * 10 }));
    assert.deepEqual(pageAll(rows, 1050, 1200, 4).ids, expected(rows, 1050, 1200));
    assert.deepEqual(pageOf({ from: 5000, to: 6000, pageSize: 10 }, reader(rows)(5000)), { items: [], nextCursor: null });
  });

  it('a last page that is exactly full has no cursor after it', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: i, time: i }));
    const first = pageOf({ from: 0, to: 100, pageSize: 10 }, reader(rows)(0));
    assert.equal(first.items.length, 10);
    assert.equal(first.nextCursor, null);
  });

  it('more rows in one millisecond than the reader answers at once: moves on instead of looping', () => {
    const rows = [...Array.from({ length: 1500 }, (_, i) => ({ id: i, time: 500 })), { id: 9999, time: 499 }];
    const { ids } = pageAll(rows, 0, 1000, 200);
    assert.equal(new Set(ids).size, ids.length, 'no row twice');
    assert.equal(ids.at(-1), 9999, 'the older row is reached');
  });
});
