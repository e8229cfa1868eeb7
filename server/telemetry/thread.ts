/**
 * The telemetry worker thread: writes the batches the broker's thread posts (store.ts) and
 * runs retention between them, so neither SQLite work nor its fsyncs ever run on the thread
 * that delivers messages. Started by TelemetryWriter through thread-boot.mjs.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromThread, ToThread } from './batch';
import { TelemetryStore } from './store';

export interface ThreadData {
  file: string;
  retentionMs: number;
}

/** How often retention looks for old rows, and how soon it continues while there are more. */
const RETENTION_IDLE_MS = 60_000;
const RETENTION_BUSY_MS = 20;

/**
 * Telemetry is background work: on a busy machine the delivering thread (and everything else
 * at normal priority) goes first, and if this thread falls behind, the writer drops events and
 * counts them rather than slowing delivery. Linux applies a TID's nice value to that thread only.
 */
function lowerPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 10);
  } catch {
    // Not Linux, or not allowed: normal priority then.
  }
}
lowerPriority();

const port = parentPort!;
const data = workerData as ThreadData;
const store = new TelemetryStore(data.file);
let retentionMs = data.retentionMs;
let lastError = 0;

function reply(msg: FromThread): void {
  port.postMessage(msg);
}

/** A failing write costs its batch, never the broker; the log gets at most one line a minute. */
function report(what: string, err: unknown): void {
  const now = Date.now();
  if (now - lastError < 60_000) return;
  lastError = now;
  console.error(`[telemetry] ${what} failed:`, err);
}

let retentionTimer: NodeJS.Timeout | null = null;
function scheduleRetention(ms: number): void {
  if (retentionTimer) clearTimeout(retentionTimer);
  retentionTimer = setTimeout(runRetention, ms);
}

function runRetention(): void {
  let more = false;
  try {
    more = store.retain(Date.now() - retentionMs);
  } catch (err) {
    report('retention', err);
  }
  scheduleRetention(more ? RETENTION_BUSY_MS : RETENTION_IDLE_MS);
}

port.on('message', (msg: ToThread) => {
  switch (msg.type) {
    case 'batch':
      try {
        store.write(msg);
      } catch (err) {
        report('writing a batch', err);
      }
      reply({ type: 'done', seq: msg.seq });
      break;
    case 'retention':
      retentionMs = msg.ms;
      scheduleRetention(0);
      break;
    case 'close':
      if (retentionTimer) clearTimeout(retentionTimer);
      store.close();
      reply({ type: 'closed' });
      port.close();
      break;
  }
});

scheduleRetention(0);
