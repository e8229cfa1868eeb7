/**
 * The scenarios: who connects, publishes and subscribes what, for how long, and what is
 * measured (from the load generators' counters and the broker's /proc entries).
 */
import { machineBusyUs, procCpuUs, type BrokerName, type RunningBroker } from './lib/brokers';
import { Histogram } from './lib/histogram';
import { num } from './lib/report';
import type { LoadGenerators } from './lib/loadgens';
import { log, sleep } from './lib/util';
import type { Options } from './options';
import type { Snapshot, Spec } from './protocol';

/** Publish rates of the latency scenario (500 pairs, QoS 1, 64 B), messages/s. */
export const LATENCY_RATES = [5_000, 10_000];
/** The offline backlog: sessions, and QoS 1 messages queued for each. */
export const BACKLOG = { sessions: 10, perSession: 5_000 };

export type TopologyName = 'pairs' | 'fan-in' | 'fan-out';

export interface Layout {
  publishers: string[][];
  subscribers: string[][];
  fanout: number;
}

/** Who publishes and subscribes what, spread over the workers. */
export function layout(topology: TopologyName, n: number, workers: number, tag: string): Layout {
  const publishers = Array.from({ length: workers }, () => [] as string[]);
  const subscribers = Array.from({ length: workers }, () => [] as string[]);
  if (topology === 'pairs') {
    // Pair i: one publisher and one subscriber on their own topic, in the same worker.
    for (let i = 0; i < n; i++) {
      publishers[i % workers].push(`bench/${tag}/p/${i}`);
      subscribers[i % workers].push(`bench/${tag}/p/${i}`);
    }
    return { publishers, subscribers, fanout: 1 };
  }
  if (topology === 'fan-in') {
    // n publishers, each on its own topic, to one subscriber of the wildcard.
    for (let i = 0; i < n; i++) publishers[i % workers].push(`bench/${tag}/in/${i}`);
    subscribers[0].push(`bench/${tag}/in/+`);
    return { publishers, subscribers, fanout: 1 };
  }
  publishers[0].push(`bench/${tag}/out`);
  for (let i = 0; i < n; i++) subscribers[i % workers].push(`bench/${tag}/out`);
  return { publishers, subscribers, fanout: n };
}

export interface ThroughputCase {
  key: string;
  topology: TopologyName;
  clients: number;
  qos: 0 | 1;
  payload: number;
}

export function throughputCases(quick: boolean): ThroughputCase[] {
  const sizes: Record<TopologyName, number> = quick
    ? { pairs: 100, 'fan-in': 200, 'fan-out': 200 }
    : { pairs: 500, 'fan-in': 1000, 'fan-out': 1000 };
  const cases: ThroughputCase[] = [];
  for (const topology of ['pairs', 'fan-in', 'fan-out'] as const) {
    for (const qos of [0, 1] as const) {
      for (const payload of [64, 4096]) {
        const n = sizes[topology];
        const shape = topology === 'pairs' ? `${n} pairs` : topology === 'fan-in' ? `fan-in ${n}→1` : `fan-out 1→${n}`;
        cases.push({ key: `${shape}, QoS ${qos}, ${payload === 64 ? '64 B' : '4 KB'}`, topology, clients: n, qos, payload });
      }
    }
  }
  return cases;
}

/**
 * The closed loop's window (deliveries in flight, all workers together): deep enough to keep
 * every broker busy, small enough that a broker needs no deep queues (none should drop QoS 0).
 */
export function windowFor(payload: number, fanout: number, window: number): number {
  return Math.max(4 * fanout, Math.min(window, Math.floor((4 * 1024 * 1024) / payload)));
}

export interface Measured {
  seconds: number;
  deliveredPerSec: number;
  publishedPerSec: number;
  /** Broker CPU time per delivered message, microseconds. */
  brokerCpuUsPerMsg: number;
  /** Broker CPU time per second of the window, as % of one core. */
  brokerCpuPct: number;
  /** Load generators' CPU, % of one core (all workers together). */
  loadgenCpuPct: number;
  /** CPU used meanwhile by anything else on the machine (other brokers, the coordinator, other users), % of one core. */
  otherCpuPct: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyP999Ms: number;
  /** The median of the p99s of the one-second windows (less sensitive to a single hiccup). */
  latencyP99MedianOfWindowsMs: number;
  latencySamples: number;
  /** Which one-second windows the latency comes from: "<quiet> of <all>". */
  latencyWindows: string;
  /** How many one-second windows the run had (used or not). */
  latencyWindowsTotal: number;
  /** The p99 of each window the latency comes from, ms. */
  latencyWindowP99sMs: number[];
  /** The latency histogram of those windows (Histogram.toSparse), to combine runs; not written to the JSON. */
  latencyCounts: [number, number][];
  /** After the run: deliveries never made (published × fanout − delivered). */
  lost: number;
  duplicates: number;
  unexpectedCloses: number;
}

export type PerBroker<T> = Partial<Record<BrokerName, T | { error: string }>>;

const sum = (snaps: Snapshot[], f: (s: Snapshot) => number) => snaps.reduce((a, s) => a + f(s), 0);

export interface Mark {
  snaps: Snapshot[];
  brokerUs: number;
  machineUs: number;
  at: number;
}

export async function mark(lg: LoadGenerators, broker: RunningBroker): Promise<Mark> {
  const snaps = await lg.snapshots();
  return { snaps, brokerUs: broker.cpuUs(), machineUs: machineBusyUs(), at: performance.now() };
}

/** Broker, load-generator and other CPU between two marks. */
export function cpuBetween(m0: Mark, m1: Mark) {
  const seconds = (m1.at - m0.at) / 1000;
  const brokerUs = m1.brokerUs - m0.brokerUs;
  const loadgenUs = sum(m1.snaps, (s) => s.cpuUs) - sum(m0.snaps, (s) => s.cpuUs);
  const otherUs = m1.machineUs - m0.machineUs - brokerUs - loadgenUs;
  return { seconds, brokerUs, loadgenUs, otherPct: Math.max(0, (otherUs / 1e6 / seconds) * 100) };
}

/**
 * What one run measured between its first and last mark (one mark a second). Latency comes
 * from the one-second windows in which other processes left the machine alone (all windows
 * when fewer than half were quiet): a few milliseconds of someone else's job on two cores
 * would otherwise decide a p99.
 */
export function measure(marks: Mark[], fanout: number, final: Snapshot[]): Measured {
  const m0 = marks[0];
  const m1 = marks[marks.length - 1];
  const { seconds, brokerUs, loadgenUs, otherPct } = cpuBetween(m0, m1);
  const delivered = sum(m1.snaps, (s) => s.delivered) - sum(m0.snaps, (s) => s.delivered);
  const published = sum(m1.snaps, (s) => s.published) - sum(m0.snaps, (s) => s.published);
  const windows = marks.slice(1).map((m, i) => {
    const hist = new Histogram();
    for (const snap of m.snaps) hist.addSparse(snap.latency);
    return { hist, otherPct: cpuBetween(marks[i], m).otherPct };
  });
  const quiet = windows.filter((w) => w.otherPct <= QUIET_PCT);
  const used = quiet.length * 2 >= windows.length ? quiet : windows;
  const hist = new Histogram();
  for (const w of used) for (let i = 0; i < w.hist.counts.length; i++) hist.counts[i] += w.hist.counts[i];
  hist.total = used.reduce((a, w) => a + w.hist.total, 0);
  const p99s = used.map((w) => w.hist.quantile(0.99)).sort((a, b) => a - b);
  return {
    ...latencyOf(hist, p99s.map((us) => us / 1000), windows.length),
    seconds,
    deliveredPerSec: delivered / seconds,
    publishedPerSec: published / seconds,
    brokerCpuUsPerMsg: brokerUs / delivered,
    brokerCpuPct: (brokerUs / 1e6 / seconds) * 100,
    loadgenCpuPct: (loadgenUs / 1e6 / seconds) * 100,
    otherCpuPct: otherPct,
    lost: Math.max(0, sum(final, (s) => s.published) * fanout - sum(final, (s) => s.delivered)),
    duplicates: sum(final, (s) => s.duplicates),
    unexpectedCloses: sum(final, (s) => s.unexpectedCloses),
  };
}

/** The latency figures of a histogram and its windows' p99s (ms, ascending). */
function latencyOf(hist: Histogram, windowP99sMs: number[], windowsTotal: number) {
  return {
    latencyP50Ms: hist.quantile(0.5) / 1000,
    latencyP99Ms: hist.quantile(0.99) / 1000,
    latencyP999Ms: hist.quantile(0.999) / 1000,
    latencyP99MedianOfWindowsMs: windowP99sMs[Math.floor((windowP99sMs.length - 1) / 2)] ?? NaN,
    latencySamples: hist.total,
    latencyWindows: `${windowP99sMs.length} of ${windowsTotal}`,
    latencyWindowsTotal: windowsTotal,
    latencyWindowP99sMs: windowP99sMs,
    latencyCounts: hist.toSparse(),
  };
}

/**
 * Several runs of one scenario on one broker, as one: latency from all their windows
 * together; rates, CPU shares and CPU per message over their summed time and messages.
 */
export function combineRuns(runs: Measured[]): Measured {
  if (runs.length === 1) return runs[0];
  const total = (f: (m: Measured) => number) => runs.reduce((a, m) => a + f(m), 0);
  const seconds = total((m) => m.seconds);
  const delivered = total((m) => m.deliveredPerSec * m.seconds);
  const hist = new Histogram();
  for (const m of runs) hist.addSparse(m.latencyCounts);
  const p99s = runs.flatMap((m) => m.latencyWindowP99sMs).sort((a, b) => a - b);
  const overTime = (f: (m: Measured) => number) => total((m) => f(m) * m.seconds) / seconds;
  return {
    seconds,
    deliveredPerSec: delivered / seconds,
    publishedPerSec: overTime((m) => m.publishedPerSec),
    brokerCpuUsPerMsg: total((m) => m.brokerCpuUsPerMsg * m.deliveredPerSec * m.seconds) / delivered,
    brokerCpuPct: overTime((m) => m.brokerCpuPct),
    loadgenCpuPct: overTime((m) => m.loadgenCpuPct),
    otherCpuPct: overTime((m) => m.otherCpuPct),
    ...latencyOf(hist, p99s, total((m) => m.latencyWindowsTotal)),
    lost: total((m) => m.lost),
    duplicates: total((m) => m.duplicates),
    unexpectedCloses: total((m) => m.unexpectedCloses),
  };
}

/** After publishing stops: waits until every delivery has arrived, or none has for a while. */
export async function drain(lg: LoadGenerators, fanout: number, quietMs = 500, maxMs = 5000): Promise<Snapshot[]> {
  const started = Date.now();
  let last = -1;
  let changedAt = Date.now();
  for (;;) {
    const snaps = await lg.snapshots();
    const delivered = sum(snaps, (s) => s.delivered);
    if (delivered >= sum(snaps, (s) => s.published) * fanout) return snaps;
    if (delivered !== last) {
      last = delivered;
      changedAt = Date.now();
    } else if (Date.now() - changedAt > quietMs || Date.now() - started > maxMs) return snaps;
    await sleep(50);
  }
}

let runCounter = 0;

export interface LoopSpec {
  topology: TopologyName;
  clients: number;
  qos: 0 | 1;
  payload: number;
  mode: 'closed' | 'rate';
  /** rate mode: publishes per second, all workers together. */
  rate?: number;
  subscriberClean?: boolean;
  /** Measured for this long (default: --duration). */
  durationMs?: number;
}

/** One measured run against one broker: connect, warm up, measure, drain, disconnect. */
export async function runLoop(broker: RunningBroker, lg: LoadGenerators, opts: Options, ls: LoopSpec): Promise<Measured> {
  const tag = `r${++runCounter}`;
  const lay = layout(ls.topology, ls.clients, lg.count, tag);
  const window = windowFor(ls.payload, lay.fanout, opts.window);
  const totalPublishers = lay.publishers.reduce((a, p) => a + p.length, 0);
  const epoch = lg.newEpoch();
  const specs: Spec[] = lay.publishers.map((pubs, w) => ({
    epoch,
    port: broker.port,
    worker: w,
    prefix: `${tag}-`,
    qos: ls.qos,
    payload: ls.payload,
    publishers: pubs,
    subscribers: lay.subscribers[w],
    subscriberClean: ls.subscriberClean ?? true,
    fanout: lay.fanout,
    mode: ls.mode,
    // Shared by the workers that publish, in proportion to their publishers.
    window: Math.max(lay.fanout, Math.round((window * pubs.length) / totalPublishers)),
    rate: ((ls.rate ?? 0) * pubs.length) / totalPublishers,
    pubInflight: ls.mode === 'rate' ? 10_000 : 64,
    trackDuplicates: false,
  }));
  try {
    await lg.all((w) => ({ cmd: 'setup', spec: specs[w] }));
    await lg.all(() => ({ cmd: 'start' }));
    await sleep(opts.warmupMs);
    const marks = [await mark(lg, broker)];
    const total = ls.durationMs ?? opts.durationMs;
    for (let t = 0; t < total; t += 1000) {
      await sleep(Math.min(1000, total - t));
      marks.push(await mark(lg, broker));
    }
    await lg.all(() => ({ cmd: 'stop' }));
    const final = await drain(lg, lay.fanout);
    if (ls.subscriberClean === false) await lg.all(() => ({ cmd: 'cleanSessions' }));
    return measure(marks, lay.fanout, final);
  } finally {
    await lg.all(() => ({ cmd: 'teardown' })).catch(() => undefined);
  }
}

export interface IdleResult {
  connections: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerConnection: number;
  /** The same at 10,000 connections, when more were opened. */
  at10k: { rssAfterBytes: number; bytesPerConnection: number } | null;
  failures: string[];
}

/** RSS after the process has had time to settle (Node's GC runs when allocation stops). */
export async function settledRss(broker: RunningBroker, ms: number): Promise<number> {
  const series: number[] = [];
  const started = Date.now();
  while (Date.now() - started < ms) {
    await sleep(250);
    series.push(Math.round(broker.rssBytes() / 1024));
  }
  if (process.env.BENCH_DEBUG) log(`    ${broker.name} RSS KB every 250 ms: ${series.join(' ')}`);
  return broker.rssBytes();
}

export async function runIdle(broker: RunningBroker, lg: LoadGenerators, target: number, settleMs: number): Promise<IdleResult> {
  const tag = `i${++runCounter}`;
  const before = await settledRss(broker, 1000);
  const checkpoints = [...new Set([Math.min(10_000, target), target])].sort((a, b) => a - b);
  let opened = 0;
  let at10k: IdleResult['at10k'] = null;
  const failures: string[] = [];
  try {
    for (const cp of checkpoints) {
      const need = cp - opened;
      const replies = await lg.all((w) => ({
        cmd: 'idleOpen',
        port: broker.port,
        count: Math.floor(need / lg.count) + (w < need % lg.count ? 1 : 0),
        prefix: `${tag}-${cp}-`,
        worker: w,
        keepAlive: 600,
      }));
      for (const r of replies) {
        opened += r.opened ?? 0;
        failures.push(...(r.failures ?? []));
      }
      const rss = await settledRss(broker, settleMs);
      if (cp === 10_000 && target > 10_000) at10k = { rssAfterBytes: rss, bytesPerConnection: (rss - before) / opened };
      if (cp === target) {
        return { connections: opened, rssBeforeBytes: before, rssAfterBytes: rss, bytesPerConnection: (rss - before) / opened, at10k, failures: failures.slice(0, 5) };
      }
    }
    throw new Error('unreachable');
  } finally {
    await lg.all(() => ({ cmd: 'idleClose' }));
    await sleep(1000);
  }
}

export interface BacklogResult {
  sessions: number;
  messages: number;
  /** Publishing while the subscribers are offline: QoS 1 PUBLISHes acknowledged per second. */
  ingestPerSec: number;
  ingestCpuUsPerMsg: number;
  /** After they reconnect: queued messages delivered per second. */
  drainPerSec: number;
  drainCpuUsPerMsg: number;
  delivered: number;
  lost: number;
  duplicates: number;
  sessionsLost: number;
  /** CPU used meanwhile by other processes, % of one core. */
  otherCpuPct: number;
}

/** Persistent sessions offline: a backlog is stored, then delivered when they come back. */
export async function runBacklog(broker: RunningBroker, lg: LoadGenerators, sessions: number, perSession: number): Promise<BacklogResult> {
  const tag = `q${++runCounter}`;
  const lay = layout('pairs', sessions, lg.count, tag);
  const epoch = lg.newEpoch();
  const specs: Spec[] = lay.publishers.map((pubs, w) => ({
    epoch,
    port: broker.port,
    worker: w,
    prefix: `${tag}-`,
    qos: 1,
    payload: 64,
    publishers: pubs,
    subscribers: lay.subscribers[w],
    subscriberClean: false,
    fanout: 1,
    mode: 'manual',
    window: 0,
    rate: 0,
    pubInflight: 64,
    trackDuplicates: true,
  }));
  const messages = sessions * perSession;
  try {
    await lg.all((w) => ({ cmd: 'setup', spec: specs[w] }));
    await lg.all(() => ({ cmd: 'disconnectSubscribers' }));
    await sleep(200);
    const start = await mark(lg, broker);
    const cpu0 = broker.cpuUs();
    const t0 = performance.now();
    await lg.all(() => ({ cmd: 'publishN', count: perSession }));
    const t1 = performance.now();
    const cpu1 = broker.cpuUs();
    await sleep(200);
    const cpu2 = broker.cpuUs();
    const t2 = performance.now();
    const reconnect = lg.all(() => ({ cmd: 'reconnectSubscribers' }));
    let delivered = 0;
    let changedAt = Date.now();
    let snaps: Snapshot[] = [];
    for (;;) {
      snaps = await lg.snapshots();
      const d = sum(snaps, (s) => s.delivered);
      if (d !== delivered) changedAt = Date.now();
      delivered = d;
      if (delivered >= messages || Date.now() - changedAt > 3000) break;
      await sleep(10);
    }
    const t3 = performance.now();
    const cpu3 = broker.cpuUs();
    const end = await mark(lg, broker);
    const sessionsLost = (await reconnect).reduce((a, r) => a + (r.sessionsLost ?? 0), 0);
    await sleep(300);
    snaps = await lg.snapshots();
    delivered = sum(snaps, (s) => s.delivered);
    const duplicates = sum(snaps, (s) => s.duplicates);
    await lg.all(() => ({ cmd: 'cleanSessions' }));
    return {
      sessions,
      messages,
      ingestPerSec: messages / ((t1 - t0) / 1000),
      ingestCpuUsPerMsg: (cpu1 - cpu0) / messages,
      drainPerSec: (delivered - duplicates) / ((t3 - t2) / 1000),
      drainCpuUsPerMsg: (cpu3 - cpu2) / Math.max(1, delivered),
      delivered,
      lost: Math.max(0, messages - (delivered - duplicates)),
      duplicates,
      sessionsLost,
      otherCpuPct: cpuBetween(start, end).otherPct,
    };
  } finally {
    await lg.all(() => ({ cmd: 'teardown' })).catch(() => undefined);
  }
}

/** CPU use by processes other than ours (% of one core) above which the machine is not quiet. */
export const QUIET_PCT = 15;

/** CPU used by processes other than `pids` and this one over `ms`, % of one core. */
export async function foreignCpuPct(pids: number[], ms: number): Promise<number> {
  const ours = () => pids.reduce((a, p) => a + safeCpu(p), 0) + process.cpuUsage().user + process.cpuUsage().system;
  const m0 = machineBusyUs();
  const o0 = ours();
  const t0 = performance.now();
  await sleep(ms);
  const m1 = machineBusyUs();
  const o1 = ours();
  return Math.max(0, ((m1 - m0 - (o1 - o0)) / 1000 / (performance.now() - t0)) * 100);
}

export function safeCpu(pid: number): number {
  try {
    return procCpuUs(pid);
  } catch {
    return 0;
  }
}

/**
 * Waits (up to 15 s by default) until other processes leave the machine alone, so that a run is not
 * measured while someone else's job competes for the two cores. Returns their last use.
 */
export async function waitForQuiet(pids: number[], maxWaitMs = 15_000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let warned = false;
  for (;;) {
    const other = await foreignCpuPct(pids, 300);
    if (other <= QUIET_PCT || Date.now() > deadline) return other;
    if (!warned) log(`  (waiting: other processes use ${num(other)}% of a core)`);
    warned = true;
  }
}
