/**
 * `npm run bench`: our broker side by side with Mosquitto and Aedes, in one run on this
 * machine. Each broker runs in its own process; the load comes from separate load-generator
 * processes (loadgen.ts) over raw MQTT 3.1.1 sockets on 127.0.0.1. See bench/README.md.
 *
 *   node --import tsx bench/run.ts [--brokers=ours,mosquitto,aedes] [--only=idle,throughput,latency,persistent]
 *                                  [--workers=2] [--duration=2] [--latency-duration=5] [--warmup=1] [--window=4000]
 *                                  [--idle=N] [--filter=text] [--quick] [--out=file]
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BENCH_DIR,
  BROKER_NAMES,
  ensureMosquitto,
  machineBusyUs,
  procCpuUs,
  procFdLimit,
  spawnWithFdLimit,
  startAedes,
  startMosquitto,
  startOurs,
  type BrokerName,
  type RunningBroker,
} from './lib/brokers';
import { Histogram } from './lib/histogram';
import { num, ratio, ratioValue, table } from './lib/report';
import type { Command, Reply, Snapshot, Spec, WorkerEvent } from './protocol';

// ---- options -----------------------------------------------------------------------------------

type Phase = 'idle' | 'throughput' | 'latency' | 'persistent';
const PHASES: readonly Phase[] = ['idle', 'throughput', 'latency', 'persistent'];

interface Options {
  brokers: BrokerName[];
  phases: Phase[];
  workers: number;
  warmupMs: number;
  durationMs: number;
  /** Idle connections to open; default: as many as the file limits allow. */
  idle: number | null;
  quick: boolean;
  out: string;
  /** Only the throughput scenarios whose name contains this. */
  filter: string | null;
  /** Closed loop: deliveries in flight at most (64 B payloads; less for larger ones). */
  window: number;
  /** How long each fixed-rate latency run is measured. */
  latencyMs: number;
  /** Per phase: time allowed for running disturbed runs again. */
  retryBudgetMs: number;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const quick = argv.includes('--quick');
  const list = <T extends string>(name: string, all: readonly T[]): T[] => {
    const v = get(name);
    if (!v) return [...all];
    const picked = v.split(',').map((s) => s.trim()) as T[];
    for (const p of picked) if (!all.includes(p)) throw new Error(`--${name}: unknown ${p} (one of ${all.join(', ')})`);
    return picked;
  };
  return {
    brokers: list('brokers', BROKER_NAMES),
    phases: list('only', PHASES),
    workers: Number(get('workers') ?? 2),
    warmupMs: Number(get('warmup') ?? (quick ? 0.5 : 1)) * 1000,
    durationMs: Number(get('duration') ?? (quick ? 1 : 2)) * 1000,
    latencyMs: Number(get('latency-duration') ?? (quick ? 1 : 5)) * 1000,
    retryBudgetMs: Number(get('retry-budget') ?? 120) * 1000,
    idle: get('idle') ? Number(get('idle')) : quick ? 2000 : null,
    quick,
    out: get('out') ?? path.join(BENCH_DIR, 'results', 'latest.json'),
    filter: get('filter') ?? null,
    window: Number(get('window') ?? 4000),
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const ignoreSendError = () => {};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- load generators ---------------------------------------------------------------------------

type CommandBody = Command extends infer C ? (C extends unknown ? Omit<C, 'id'> : never) : never;

class LoadGenerators {
  private readonly procs: ChildProcess[] = [];
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  /** Per source worker: deliveries of its publishes seen by the other workers, this epoch. */
  private credit: number[] = [];
  private epoch = 0;

  constructor(readonly count: number) {
    for (let w = 0; w < count; w++) {
      const child = spawnWithFdLimit(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'loadgen.ts')], ['ignore', 'inherit', 'inherit', 'ipc']);
      child.on('message', (msg) => this.onMessage(msg as Reply | WorkerEvent));
      child.on('error', (err) => log(`load generator ${w}: ${err.message}`));
      child.on('exit', (code, signal) => {
        for (const p of this.pending.values()) p.reject(new Error(`load generator ${w} exited (${code ?? signal})`));
        this.pending.clear();
      });
      this.procs.push(child);
    }
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid!);
  }

  /** A new scenario run: credits start from zero; late reports of the previous one are ignored. */
  newEpoch(): number {
    this.epoch++;
    this.credit = new Array<number>(this.count).fill(0);
    return this.epoch;
  }

  private onMessage(msg: Reply | WorkerEvent): void {
    if ('t' in msg) {
      if (msg.epoch !== this.epoch) return;
      msg.counts.forEach((c, w) => {
        if (!c) return;
        this.credit[w] += c;
        this.procs[w].send({ cmd: 'credit', delivered: this.credit[w] } satisfies Command, ignoreSendError);
      });
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg);
    else p.reject(new Error(msg.error));
  }

  call(w: number, body: CommandBody): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const proc = this.procs[w];
      if (!proc.connected) return reject(new Error(`load generator ${w} is gone`));
      this.pending.set(id, { resolve, reject });
      proc.send({ ...body, id } as Command, (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  all(make: (w: number) => CommandBody): Promise<Reply[]> {
    return Promise.all(this.procs.map((_, w) => this.call(w, make(w))));
  }

  async snapshots(): Promise<Snapshot[]> {
    return (await this.all(() => ({ cmd: 'snapshot' }))).map((r) => r.snapshot!);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.disconnect();
            setTimeout(() => p.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
  }
}

// ---- scenarios ---------------------------------------------------------------------------------

type TopologyName = 'pairs' | 'fan-in' | 'fan-out';

interface Layout {
  publishers: string[][];
  subscribers: string[][];
  fanout: number;
}

/** Who publishes and subscribes what, spread over the workers. */
function layout(topology: TopologyName, n: number, workers: number, tag: string): Layout {
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

interface ThroughputCase {
  key: string;
  topology: TopologyName;
  clients: number;
  qos: 0 | 1;
  payload: number;
}

function throughputCases(quick: boolean): ThroughputCase[] {
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
function windowFor(payload: number, fanout: number, window: number): number {
  return Math.max(4 * fanout, Math.min(window, Math.floor((4 * 1024 * 1024) / payload)));
}

interface Measured {
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
  latencySamples: number;
  /** After the run: deliveries never made (published × fanout − delivered). */
  lost: number;
  duplicates: number;
  unexpectedCloses: number;
}

type PerBroker<T> = Partial<Record<BrokerName, T | { error: string }>>;

const sum = (snaps: Snapshot[], f: (s: Snapshot) => number) => snaps.reduce((a, s) => a + f(s), 0);

interface Mark {
  snaps: Snapshot[];
  brokerUs: number;
  machineUs: number;
  at: number;
}

async function mark(lg: LoadGenerators, broker: RunningBroker): Promise<Mark> {
  const snaps = await lg.snapshots();
  return { snaps, brokerUs: broker.cpuUs(), machineUs: machineBusyUs(), at: performance.now() };
}

function measure(m0: Mark, m1: Mark, fanout: number, final: Snapshot[]): Measured {
  const { snaps: s0, brokerUs: cpu0, at: t0 } = m0;
  const { snaps: s1, brokerUs: cpu1, at: t1 } = m1;
  const seconds = (t1 - t0) / 1000;
  const loadgenUs = sum(s1, (s) => s.cpuUs) - sum(s0, (s) => s.cpuUs);
  const delivered = sum(s1, (s) => s.delivered) - sum(s0, (s) => s.delivered);
  const published = sum(s1, (s) => s.published) - sum(s0, (s) => s.published);
  const hist = new Histogram();
  for (const s of s1) hist.addSparse(s.latency);
  const brokerCpu = cpu1 - cpu0;
  return {
    seconds,
    deliveredPerSec: delivered / seconds,
    publishedPerSec: published / seconds,
    brokerCpuUsPerMsg: brokerCpu / delivered,
    brokerCpuPct: (brokerCpu / 1e6 / seconds) * 100,
    loadgenCpuPct: (loadgenUs / 1e6 / seconds) * 100,
    otherCpuPct: Math.max(0, ((m1.machineUs - m0.machineUs - (cpu1 - cpu0) - loadgenUs) / 1e6 / seconds) * 100),
    latencyP50Ms: hist.quantile(0.5) / 1000,
    latencyP99Ms: hist.quantile(0.99) / 1000,
    latencyP999Ms: hist.quantile(0.999) / 1000,
    latencySamples: hist.total,
    lost: Math.max(0, sum(final, (s) => s.published) * fanout - sum(final, (s) => s.delivered)),
    duplicates: sum(final, (s) => s.duplicates),
    unexpectedCloses: sum(final, (s) => s.unexpectedCloses),
  };
}

/** After publishing stops: waits until every delivery has arrived, or none has for a while. */
async function drain(lg: LoadGenerators, fanout: number, quietMs = 500, maxMs = 5000): Promise<Snapshot[]> {
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

interface LoopSpec {
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
async function runLoop(broker: RunningBroker, lg: LoadGenerators, opts: Options, ls: LoopSpec): Promise<Measured> {
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
    const m0 = await mark(lg, broker);
    await sleep(ls.durationMs ?? opts.durationMs);
    const m1 = await mark(lg, broker);
    await lg.all(() => ({ cmd: 'stop' }));
    const final = await drain(lg, lay.fanout);
    if (ls.subscriberClean === false) await lg.all(() => ({ cmd: 'cleanSessions' }));
    return measure(m0, m1, lay.fanout, final);
  } finally {
    await lg.all(() => ({ cmd: 'teardown' })).catch(() => undefined);
  }
}

interface IdleResult {
  connections: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerConnection: number;
  /** The same at 10,000 connections, when more were opened. */
  at10k: { rssAfterBytes: number; bytesPerConnection: number } | null;
  failures: string[];
}

/** RSS after the process has had time to settle (Node's GC runs when allocation stops). */
async function settledRss(broker: RunningBroker, ms: number): Promise<number> {
  const series: number[] = [];
  const started = Date.now();
  while (Date.now() - started < ms) {
    await sleep(250);
    series.push(Math.round(broker.rssBytes() / 1024));
  }
  if (process.env.BENCH_DEBUG) log(`    ${broker.name} RSS KB every 250 ms: ${series.join(' ')}`);
  return broker.rssBytes();
}

async function runIdle(broker: RunningBroker, lg: LoadGenerators, target: number, settleMs: number): Promise<IdleResult> {
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

interface BacklogResult {
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
async function runBacklog(broker: RunningBroker, lg: LoadGenerators, sessions: number, perSession: number): Promise<BacklogResult> {
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
      otherCpuPct: measure(start, end, 1, end.snaps).otherCpuPct,
    };
  } finally {
    await lg.all(() => ({ cmd: 'teardown' })).catch(() => undefined);
  }
}

/** CPU use by processes other than ours (% of one core) above which the machine is not quiet. */
const QUIET_PCT = 15;

/** CPU used by processes other than `pids` and this one over `ms`, % of one core. */
async function foreignCpuPct(pids: number[], ms: number): Promise<number> {
  const ours = () => pids.reduce((a, p) => a + safeCpu(p), 0) + process.cpuUsage().user + process.cpuUsage().system;
  const m0 = machineBusyUs();
  const o0 = ours();
  const t0 = performance.now();
  await sleep(ms);
  const m1 = machineBusyUs();
  const o1 = ours();
  return Math.max(0, ((m1 - m0 - (o1 - o0)) / 1000 / (performance.now() - t0)) * 100);
}

function safeCpu(pid: number): number {
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
async function waitForQuiet(pids: number[], maxWaitMs = 15_000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let warned = false;
  for (;;) {
    const other = await foreignCpuPct(pids, 300);
    if (other <= QUIET_PCT || Date.now() > deadline) return other;
    if (!warned) log(`  (waiting: other processes use ${num(other)}% of a core)`);
    warned = true;
  }
}

// ---- the run -----------------------------------------------------------------------------------

/** Publish rates of the latency scenario (500 pairs, QoS 1, 64 B), messages/s. */
const LATENCY_RATES = [5_000, 10_000];
const BACKLOG = { sessions: 10, perSession: 5_000 };

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-bench-'));
  const brokers: Partial<Record<BrokerName, RunningBroker>> = {};
  const skipped: Partial<Record<BrokerName, string>> = {};
  let lg: LoadGenerators | null = null;
  let mosquittoBin: string | null | undefined;

  const stopBrokers = async () => {
    const running = Object.values(brokers);
    for (const n of BROKER_NAMES) delete brokers[n];
    await Promise.all(running.map((b) => b.stop()));
  };
  const cleanup = async () => {
    await lg?.close();
    await stopBrokers();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }

  /** Fresh broker processes (and data directories) for each phase: no phase inherits another's state. */
  let generation = 0;
  const startBrokers = async () => {
    const dir = path.join(tmp, `phase-${++generation}`);
    fs.mkdirSync(dir);
    for (const name of opts.brokers) {
      if (skipped[name]) continue;
      try {
        if (name === 'ours') brokers.ours = await startOurs(dir);
        else if (name === 'aedes') brokers.aedes = await startAedes();
        else {
          if (mosquittoBin === undefined) mosquittoBin = ensureMosquitto(log);
          if (mosquittoBin) brokers.mosquitto = await startMosquitto(mosquittoBin, dir);
          else skipped.mosquitto = 'not installed';
        }
      } catch (err) {
        skipped[name] = `failed to start: ${(err as Error).message}`;
        log(`${name}: ${skipped[name]}: skipping its column`);
      }
    }
    await sleep(500);
  };

  try {
    await startBrokers();
    const names = BROKER_NAMES.filter((n) => brokers[n]);
    if (names.length === 0) throw new Error('no broker started');
    lg = new LoadGenerators(opts.workers);
    await sleep(500);

    const machine = {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
      kernel: `${os.type()} ${os.release()}`,
      node: process.version,
      brokers: Object.fromEntries(names.map((n) => [n, { version: brokers[n]!.version, setup: brokers[n]!.setup }])),
    };
    log(`machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGB} GB, ${machine.kernel}, node ${machine.node}`);
    for (const n of names) log(`  ${n}: ${brokers[n]!.version} — ${brokers[n]!.setup}`);
    log(`load: ${opts.workers} load-generator processes; warm-up ${opts.warmupMs / 1000} s, measured ${opts.durationMs / 1000} s per run (latency: ${opts.latencyMs / 1000} s)`);

    const results: {
      idle?: PerBroker<IdleResult>;
      throughput?: { case: ThroughputCase; results: PerBroker<Measured> }[];
      latency?: { rate: number; results: PerBroker<Measured> }[];
      persistent?: { online: PerBroker<Measured>; backlog: PerBroker<BacklogResult> };
    } = {};

    /** Processes of the benchmark itself; CPU used by anything else is "other" (a shared machine). */
    const ownPids = () => [...Object.values(brokers).map((b) => b.pid), ...lg!.pids];
    /** Broker RSS at the end of each phase (a broker that keeps growing shows here). */
    const rssAfterPhase: Partial<Record<Phase, Partial<Record<BrokerName, number>>>> = {};
    let phaseIndex = 0;
    const beginPhase = async () => {
      if (phaseIndex++ > 0) await startBrokers();
    };
    const endPhase = async (phase: Phase) => {
      rssAfterPhase[phase] = Object.fromEntries(Object.values(brokers).map((b) => [b.name, b.rssBytes()]));
      log(`  RSS at the end of the phase: ${Object.values(brokers).map((b) => `${b.name} ${num(b.rssBytes() / 2 ** 20)} MB`).join(', ')}`);
      await stopBrokers();
    };
    const noisy: string[] = [];

    /** Runs fn for every broker, rotating who goes first, so that no broker is always measured first. */
    let rotation = 0;
    /**
     * Runs disturbed by other processes, to run again at the end of the phase (when the other
     * job may be over): immediate retries tend to land in the same busy spell.
     */
    let deferred: { label: string; other: number; again: () => Promise<number> }[] = [];
    const otherOf = (r: unknown) => (r as { otherCpuPct?: number }).otherCpuPct ?? 0;

    const forEachBroker = async <T>(label: string, fn: (b: RunningBroker) => Promise<T>, show: (r: T) => string): Promise<PerBroker<T>> => {
      const out: PerBroker<T> = {};
      const order = names.map((_, i) => names[(i + rotation) % names.length]);
      rotation++;
      for (const n of order) {
        const b = brokers[n];
        if (!b) {
          out[n] = { error: skipped[n] ?? 'not running' };
          continue;
        }
        if (!b.alive()) {
          out[n] = { error: 'broker process is gone' };
          continue;
        }
        try {
          const quiet = await waitForQuiet(ownPids());
          if (quiet > QUIET_PCT) log(`  (other processes still use ${num(quiet)}% of a core: measuring anyway)`);
          const r = await fn(b);
          out[n] = r;
          log(`  ${label} · ${n}: ${show(r)}`);
          if (otherOf(r) > QUIET_PCT) {
            log(`    (other processes used ${num(otherOf(r))}% of a core meanwhile: to be run again at the end of the phase)`);
            deferred.push({
              label: `${label} · ${n}`,
              other: otherOf(r),
              again: async () => {
                await waitForQuiet(ownPids(), 60_000);
                const x = await fn(b);
                const kept = ok(out[n]);
                if (kept === null || otherOf(x) < otherOf(kept)) out[n] = x;
                log(`  ${label} · ${n} (again): ${show(x)}${otherOf(x) > QUIET_PCT ? ` — other processes used ${num(otherOf(x))}%` : ''}`);
                return Math.min(otherOf(x), kept === null ? Infinity : otherOf(kept));
              },
            });
          }
        } catch (err) {
          out[n] = { error: (err as Error).message };
          log(`  ${label} · ${n}: FAILED ${(err as Error).message}`);
        }
      }
      return out;
    };

    /** At the end of a phase: the disturbed runs again, twice at most each, within the time budget. */
    const rerunDisturbed = async () => {
      const deadline = Date.now() + opts.retryBudgetMs;
      let pending = deferred;
      deferred = [];
      for (let round = 0; round < 2 && pending.length > 0; round++) {
        const still: typeof pending = [];
        for (const d of pending) {
          if (Date.now() > deadline) {
            still.push(d);
            continue;
          }
          try {
            d.other = await d.again();
            if (d.other > QUIET_PCT) still.push(d);
          } catch (err) {
            log(`  ${d.label} (again): FAILED ${(err as Error).message}`);
          }
        }
        pending = still;
      }
      // What stays disturbed is reported as such.
      for (const d of pending) noisy.push(`${d.label}: ${num(d.other)}%`);
    };

    for (const phase of PHASES) {
      if (!opts.phases.includes(phase)) continue;
      await beginPhase();
      const t0 = Date.now();
      if (phase === 'idle') {
        const running = Object.values(brokers);
        const brokerLimit = Math.min(...running.map((b) => b.fdLimit()));
        const workerLimit = Math.min(...lg.pids.map((p) => procFdLimit(p)));
        const byLimits = Math.min(brokerLimit - 500, (workerLimit - 500) * lg.count, 26_000 /* ephemeral ports */);
        const target = opts.idle ?? Math.floor(byLimits / 1000) * 1000;
        log(`idle connections: ${target.toLocaleString('en-US')} per broker (open-files limit ${brokerLimit} for the brokers, ${workerLimit} per load generator)`);
        if (opts.idle === null && target < 10_000) log(`  note: the file limits allow fewer than 10,000 connections here`);
        results.idle = await forEachBroker('idle', (b) => runIdle(b, lg!, target, opts.quick ? 1000 : 1500), (r) => `${r.connections} connections, ${num(r.bytesPerConnection / 1024)} KB RSS each`);
      }

      if (phase === 'throughput') {
        results.throughput = [];
        for (const c of throughputCases(opts.quick).filter((k) => !opts.filter || k.key.includes(opts.filter))) {
          log(`throughput: ${c.key}`);
          const r = await forEachBroker(
            c.key,
            (b) => runLoop(b, lg!, opts, { topology: c.topology, clients: c.clients, qos: c.qos, payload: c.payload, mode: 'closed' }),
            (m) =>
              `${num(m.deliveredPerSec)} msg/s, ${num(m.brokerCpuUsPerMsg)} µs CPU/msg, CPU % broker ${num(m.brokerCpuPct)} load ${num(m.loadgenCpuPct)} other ${num(m.otherCpuPct)}, p99 ${num(m.latencyP99Ms)} ms` +
              `${m.lost ? `, lost ${m.lost}` : ''}${m.unexpectedCloses ? `, ${m.unexpectedCloses} closed by broker` : ''}`,
          );
          results.throughput.push({ case: c, results: r });
        }
      }

      if (phase === 'latency') {
        results.latency = [];
        const pairs = opts.quick ? 100 : 500;
        for (const rate of LATENCY_RATES) {
          log(`latency: ${pairs} pairs, QoS 1, 64 B at ${rate.toLocaleString('en-US')} msg/s`);
          const r = await forEachBroker(
            `${rate}/s`,
            (b) => runLoop(b, lg!, opts, { topology: 'pairs', clients: pairs, qos: 1, payload: 64, mode: 'rate', rate, durationMs: opts.latencyMs }),
            (m) => `p50 ${num(m.latencyP50Ms)} ms, p99 ${num(m.latencyP99Ms)} ms, p99.9 ${num(m.latencyP999Ms)} ms (${num(m.deliveredPerSec)} msg/s delivered, ${num(m.brokerCpuUsPerMsg)} µs CPU/msg)`,
          );
          results.latency.push({ rate, results: r });
        }
      }

      if (phase === 'persistent') {
        const pairs = opts.quick ? 100 : 500;
        log(`persistent: ${pairs} pairs, subscribers with cleanSession=false, QoS 1, 64 B`);
        const online = await forEachBroker(
          'online',
          (b) => runLoop(b, lg!, opts, { topology: 'pairs', clients: pairs, qos: 1, payload: 64, mode: 'closed', subscriberClean: false }),
          (m) => `${num(m.deliveredPerSec)} msg/s, ${num(m.brokerCpuUsPerMsg)} µs CPU/msg, p99 ${num(m.latencyP99Ms)} ms`,
        );
        log(`persistent: backlog of ${BACKLOG.perSession} QoS 1 messages for each of ${BACKLOG.sessions} offline sessions`);
        const backlog = await forEachBroker(
          'backlog',
          (b) => runBacklog(b, lg!, BACKLOG.sessions, BACKLOG.perSession),
          (r) => `ingest ${num(r.ingestPerSec)} msg/s, drain ${num(r.drainPerSec)} msg/s, lost ${r.lost}, duplicates ${r.duplicates}`,
        );
        results.persistent = { online, backlog };
      }
      if (deferred.length) {
        log(`${phase}: running ${deferred.length} disturbed run(s) again`);
        await rerunDisturbed();
      }
      log(`  (${phase}: ${Math.round((Date.now() - t0) / 1000)} s)`);
      await endPhase(phase);
    }

    const report = render(results, names, machine, opts, noisy);
    process.stdout.write(`\n${report.text}\n`);
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    const json = {
      date: new Date(startedAt).toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      machine,
      skipped,
      settings: {
        workers: opts.workers,
        warmupMs: opts.warmupMs,
        durationMs: opts.durationMs,
        latencyDurationMs: opts.latencyMs,
        window: opts.window,
        quick: opts.quick,
        latencyRates: LATENCY_RATES,
        backlog: BACKLOG,
      },
      ...results,
      rssAfterPhase,
      disturbedRuns: noisy,
      targets: report.targets,
    };
    fs.writeFileSync(opts.out, `${JSON.stringify(json, null, 2)}\n`);
    log(`\nwrote ${path.relative(process.cwd(), opts.out)} (${json.durationSeconds} s)`);
  } finally {
    await cleanup();
  }
}

// ---- the report --------------------------------------------------------------------------------

interface Target {
  what: string;
  met: boolean | null;
  detail: string;
}

function ok<T>(v: T | { error: string } | undefined): T | null {
  return v && !(typeof v === 'object' && v !== null && 'error' in v) ? (v as T) : null;
}

function render(
  results: {
    idle?: PerBroker<IdleResult>;
    throughput?: { case: ThroughputCase; results: PerBroker<Measured> }[];
    latency?: { rate: number; results: PerBroker<Measured> }[];
    persistent?: { online: PerBroker<Measured>; backlog: PerBroker<BacklogResult> };
  },
  names: BrokerName[],
  machine: { cpus: number; cpuModel: string; memoryGB: number; kernel: string; node: string; brokers: Record<string, { version: string }> },
  opts: Options,
  noisy: string[],
): { text: string; targets: Target[] } {
  const others = names.filter((n) => n !== 'ours');
  const out: string[] = [];
  const targets: Target[] = [];
  out.push(
    `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGB} GB, ${machine.kernel}; Node ${machine.node}; ` +
      names.map((n) => machine.brokers[n].version).join('; ') +
      `. ${opts.workers} load-generator processes; each run measured ${opts.durationMs / 1000} s (fixed-rate latency runs ${opts.latencyMs / 1000} s) after ${opts.warmupMs / 1000} s warm-up; fresh broker processes for each phase.`,
    '',
  );
  const headers = (metric: string) => ['scenario', ...names.map((n) => `${n} ${metric}`), ...others.map((o) => `ours/${o}`)];
  const row = (label: string, per: PerBroker<unknown>, get: (v: never) => number, digits = 3) => {
    const vals = names.map((n) => {
      const v = ok(per[n]);
      return v === null ? null : get(v as never);
    });
    const ours = vals[names.indexOf('ours')];
    return [label, ...vals.map((v) => num(v, digits)), ...others.map((o) => ratio(ours, vals[names.indexOf(o)]))];
  };

  if (results.idle) {
    const per = results.idle;
    out.push(
      table('Idle connections: broker RSS per connection (lower is better)', ['', ...names, ...others.map((o) => `ours/${o}`)], [
        row('connections opened', per, (r: IdleResult) => r.connections, 6).slice(0, names.length + 1),
        row('RSS before, MB', per, (r: IdleResult) => r.rssBeforeBytes / 2 ** 20),
        row('RSS after, MB', per, (r: IdleResult) => r.rssAfterBytes / 2 ** 20),
        row('KB per connection', per, (r: IdleResult) => r.bytesPerConnection / 1024),
        ...(ok(per.ours)?.at10k ? [row('KB per connection at 10,000', per, (r: IdleResult) => (r.at10k ? r.at10k.bytesPerConnection / 1024 : NaN))] : []),
      ]),
    );
    const o = ok(per.ours);
    if (o) targets.push({ what: 'RSS per idle connection ≤ 4 KB', met: o.bytesPerConnection <= 4096, detail: `${num(o.bytesPerConnection / 1024)} KB over ${o.connections} connections` });
  }

  if (results.throughput) {
    const t = results.throughput;
    out.push(table('Throughput: messages delivered per second (higher is better)', headers('msg/s'), t.map((c) => row(c.case.key, c.results, (m: Measured) => m.deliveredPerSec))));
    out.push(
      table(
        'Broker CPU time per delivered message, µs (lower is better)',
        headers('µs'),
        t.map((c) => row(c.case.key, c.results, (m: Measured) => m.brokerCpuUsPerMsg)),
      ),
    );
    out.push(
      table(
        'CPU use during the throughput runs, % of one core: broker / load generators',
        ['scenario', ...names],
        t.map((c) => [
          c.case.key,
          ...names.map((n) => {
            const m = ok(c.results[n]);
            return m ? `${num(m.brokerCpuPct)} / ${num(m.loadgenCpuPct)}` : '–';
          }),
        ]),
      ),
    );
    out.push(
      table(
        'End-to-end latency at full load (closed loop), p50 / p99 ms (lower is better)',
        ['scenario', ...names, ...others.map((o) => `ours/${o} p99`)],
        t.map((c) => {
          const vals = names.map((n) => ok(c.results[n]));
          return [
            c.case.key,
            ...vals.map((m) => (m ? `${num(m.latencyP50Ms)} / ${num(m.latencyP99Ms)}` : '–')),
            ...others.map((o) => ratio(ok(c.results.ours)?.latencyP99Ms, ok(c.results[o])?.latencyP99Ms)),
          ];
        }),
      ),
    );
    const losses = t.flatMap((c) =>
      names.flatMap((n) => {
        const m = ok(c.results[n]);
        return m && (m.lost || m.unexpectedCloses) ? [`${c.case.key} · ${n}: ${m.lost} deliveries lost, ${m.unexpectedCloses} connections closed by the broker`] : [];
      }),
    );
    out.push(losses.length ? ['Losses:', ...losses.map((l) => `- ${l}`), ''].join('\n') : 'No message was lost in the throughput runs.\n');

    const qos1 = t.filter((c) => c.case.qos === 1);
    for (const o of others) {
      const factor = o === 'aedes' ? 0.7 : 1;
      const rs = qos1.map((c) => ratioValue(ok(c.results.ours)?.brokerCpuUsPerMsg, ok(c.results[o])?.brokerCpuUsPerMsg));
      const valid = rs.filter((r): r is number => r !== null);
      if (valid.length) {
        const worst = Math.max(...valid);
        targets.push({
          what: `CPU per delivered QoS 1 message ≤ ${factor}× ${o}'s`,
          met: worst <= factor,
          detail: `ratio ${valid.map((r) => r.toFixed(2)).join(', ')} over the ${valid.length} QoS 1 scenarios (worst ${worst.toFixed(2)}, geometric mean ${geomean(valid).toFixed(2)})`,
        });
      }
      const th = t.map((c) => ratioValue(ok(c.results.ours)?.deliveredPerSec, ok(c.results[o])?.deliveredPerSec)).filter((r): r is number => r !== null);
      if (th.length) {
        targets.push({
          what: `Throughput ≥ ${o}'s`,
          met: Math.min(...th) >= 1,
          detail: `ours/${o} ${th.map((r) => r.toFixed(2)).join(', ')} over the ${th.length} scenarios (lowest ${Math.min(...th).toFixed(2)}, geometric mean ${geomean(th).toFixed(2)})`,
        });
      }
    }
  }

  if (results.latency) {
    const l = results.latency;
    out.push(
      table(
        `Latency at a fixed rate: ${opts.quick ? 100 : 500} pairs, QoS 1, 64 B — p50 / p99 / p99.9 ms (lower is better)`,
        ['rate', ...names, ...others.flatMap((o) => [`ours/${o} p50`, `ours/${o} p99`])],
        l.map((r) => {
          const vals = names.map((n) => ok(r.results[n]));
          return [
            `${r.rate.toLocaleString('en-US')} msg/s`,
            ...vals.map((m) => (m ? `${num(m.latencyP50Ms)} / ${num(m.latencyP99Ms)} / ${num(m.latencyP999Ms)}` : '–')),
            ...others.flatMap((o) => [
              ratio(ok(r.results.ours)?.latencyP50Ms, ok(r.results[o])?.latencyP50Ms),
              ratio(ok(r.results.ours)?.latencyP99Ms, ok(r.results[o])?.latencyP99Ms),
            ]),
          ];
        }),
      ),
    );
    out.push(
      table(
        'Broker CPU at a fixed rate, µs per delivered message (lower is better)',
        headers('µs'),
        l.map((r) => row(`${r.rate.toLocaleString('en-US')} msg/s`, r.results, (m: Measured) => m.brokerCpuUsPerMsg)),
      ),
    );
    if (others.includes('mosquitto')) {
      const rs = l.map((r) => ({ rate: r.rate, v: ratioValue(ok(r.results.ours)?.latencyP99Ms, ok(r.results.mosquitto)?.latencyP99Ms) })).filter((x) => x.v !== null);
      if (rs.length) {
        targets.push({
          what: "p99 latency ≤ Mosquitto's at the same load",
          met: rs.every((x) => x.v! <= 1),
          detail: rs.map((x) => `${x.rate.toLocaleString('en-US')} msg/s: ${x.v!.toFixed(2)}×`).join(', '),
        });
      }
    }
  }

  if (results.persistent) {
    const { online, backlog } = results.persistent;
    out.push(
      table('Persistent sessions, QoS 1, 64 B (ours: SQLite; Mosquitto: persistence on; Aedes: in memory)', ['', ...names, ...others.map((o) => `ours/${o}`)], [
        row('online: delivered msg/s (higher is better)', online, (m: Measured) => m.deliveredPerSec),
        row('online: broker CPU µs/msg', online, (m: Measured) => m.brokerCpuUsPerMsg),
        row('online: latency p99 ms', online, (m: Measured) => m.latencyP99Ms),
        row('backlog: publish to offline sessions, acked msg/s', backlog, (r: BacklogResult) => r.ingestPerSec),
        row('backlog: broker CPU µs/msg while storing', backlog, (r: BacklogResult) => r.ingestCpuUsPerMsg),
        row('backlog: delivered on reconnect, msg/s', backlog, (r: BacklogResult) => r.drainPerSec),
        row('backlog: broker CPU µs/msg while delivering', backlog, (r: BacklogResult) => r.drainCpuUsPerMsg),
        row(`backlog: lost of ${BACKLOG.sessions * BACKLOG.perSession}`, backlog, (r: BacklogResult) => r.lost, 6).slice(0, names.length + 1),
        row('backlog: duplicates', backlog, (r: BacklogResult) => r.duplicates, 6).slice(0, names.length + 1),
      ]),
    );
  }

  out.push(
    noisy.length
      ? [`Runs during which other processes on the machine used more than ${QUIET_PCT}% of a core (less reliable):`, ...noisy.map((n) => `- ${n}`), ''].join('\n')
      : `No run was disturbed by other processes (each used less than ${QUIET_PCT}% of a core besides the benchmark's own).\n`,
  );

  if (targets.length) {
    out.push('### Targets (issue 3)', '');
    for (const t of targets) out.push(`- ${t.met === null ? '?' : t.met ? 'met' : 'NOT met'}: ${t.what} — ${t.detail}`);
    out.push('');
  }
  return { text: out.join('\n'), targets };
}

function geomean(values: number[]): number {
  return Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length);
}

main().catch((err) => {
  log(`bench failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
