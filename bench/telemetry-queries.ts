/**
 * The trace pages' queries against a big telemetry.db: fills one with realistic events through
 * the real writer code (TelemetryStore, the worker thread's SQL, batch by batch in time order),
 * then times every TelemetryReader method over many random keys, cold-ish (a new connection for
 * each query: SQLite's cache empty, the OS's page cache not) and warm (one connection). Target:
 * p95 < 300 ms for each. See bench/README.md.
 *
 *   npm run bench:telemetry                       # 10 M message events over 3 days
 *   npm run bench:telemetry -- --events=1000000 --days=1 --queries=100 --dir=/tmp/t --keep
 *   npm run bench:telemetry -- --dir=/tmp/t --reuse   # time the queries on a DB filled before
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMessageId } from '../server/broker/message';
import type { DeviceEventRecord, MessageColumns, SampleRecord } from '../server/telemetry/batch';
import { prepareTelemetryDatabase, telemetryFile } from '../server/telemetry/database';
import { DeviceKind, MessageKind } from '../server/telemetry/kinds';
import { TelemetryReader } from '../server/telemetry/queries';
import { TelemetryStore } from '../server/telemetry/store';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Options {
  events: number;
  days: number;
  clients: number;
  topics: number;
  queries: number;
  dir: string | null;
  keep: boolean;
  reuse: boolean;
  seed: number;
}

function parse(argv: string[]): Options {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  for (const a of argv) {
    if (!/^--(events|days|clients|topics|queries|dir|seed)=.+$|^--(keep|reuse)$/.test(a)) throw new Error(`unknown option ${a} (see the top of bench/telemetry-queries.ts)`);
  }
  return {
    events: Number(get('events') ?? 10_000_000),
    days: Number(get('days') ?? 3),
    clients: Number(get('clients') ?? 20_000),
    topics: Number(get('topics') ?? 2_000),
    queries: Number(get('queries') ?? 200),
    dir: get('dir') ?? null,
    keep: argv.includes('--keep') || argv.includes('--reuse'),
    reuse: argv.includes('--reuse'),
    seed: Number(get('seed') ?? 1),
  };
}

/** A small deterministic PRNG (mulberry32): the same DB and keys for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSTANCES = ['mqtt-cn-bench0000a', 'mqtt-cn-bench0000b'];
/** Message IDs kept for the trace-by-ID queries. */
const SAMPLE = 20_000;
const clientName = (i: number) => `GID_bench@@@device-${i}`;
const topicName = (t: number) => `Parent${t % 10}/devices/${t}`;

interface Keys {
  nodeId: string;
  /** A sample of the message IDs written, with their instance. */
  messages: { id: number; instance: string }[];
  start: number;
  end: number;
}

/**
 * Writes `events` message events spread evenly over `days` ending now, one batch per simulated
 * second (the writer's flush interval at low rates), plus device events and samples. Message
 * mix: a publisher's origin (pub_mqtt 90%, ServerSend 5%, pub_mq 5%), delivered to 1 subscriber
 * (80%), none (5%) or 20 (15%); QoS 1 for 70% (the ack folded in, or for 4% arriving a batch
 * later, for 1% never), 10% of deliveries push_offline.
 */
function fill(file: string, nodeId: string, o: Options): Keys {
  const random = prng(o.seed);
  const store = new TelemetryStore(file);
  const names: string[] = [];
  const numbers = new Map<string, number>();
  let sent = 0;
  const number = (name: string) => {
    let n = numbers.get(name);
    if (n === undefined) {
      n = names.push(name);
      numbers.set(name, n);
    }
    return n;
  };
  const end = Date.now();
  const start = end - o.days * DAY;
  const seconds = Math.floor((end - start) / 1000);
  const perSecond = o.events / seconds;
  const keys: Keys = { nodeId, messages: [], start, end };
  let messageId = start * 1000;
  let carry = 0;
  let written = 0;
  let lateAcks: { id: number; client: string; topic: string; instance: string }[] = [];
  const began = performance.now();
  const cap = 1 << 16;
  const cols = (): MessageColumns => ({
    count: 0,
    kinds: new Uint8Array(cap),
    qos: new Uint8Array(cap),
    times: new Float64Array(cap),
    ids: new Float64Array(cap),
    instances: new Uint32Array(cap),
    clients: new Uint32Array(cap),
    topics: new Uint32Array(cap),
  });
  let lastSample = start;
  for (let s = 0; s < seconds && written < o.events; s++) {
    const second = start + s * 1000;
    const m = cols();
    const push = (kind: number, instance: string, client: string, id: number, topic: string, qos: number, time: number) => {
      const n = m.count++;
      m.kinds[n] = kind;
      m.qos[n] = qos;
      m.times[n] = time;
      m.ids[n] = id;
      m.instances[n] = number(instance);
      m.clients[n] = number(client);
      m.topics[n] = number(topic);
    };
    for (const a of lateAcks) push(MessageKind.ack, a.instance, a.client, a.id, a.topic, 1, second);
    lateAcks = [];
    carry += perSecond;
    while (carry >= 1 && m.count < cap - 64) {
      const time = second + Math.floor(random() * 1000);
      const instance = INSTANCES[random() < 0.8 ? 0 : 1];
      const t = Math.floor(random() * o.topics);
      const topic = topicName(t);
      const id = messageId++;
      const qos = random() < 0.7 ? 1 : 0;
      const r = random();
      const origin = r < 0.9 ? MessageKind.pub_mqtt : r < 0.95 ? MessageKind.ServerSend : MessageKind.pub_mq;
      push(origin, instance, clientName(Math.floor(random() * o.clients)), id, topic, qos, time);
      const d = random();
      const receivers = d < 0.8 ? 1 : d < 0.85 ? 0 : 20;
      for (let j = 0; j < receivers; j++) {
        const client = clientName((t * 7 + j * 101) % o.clients);
        push(random() < 0.1 ? MessageKind.push_offline : MessageKind.sub, instance, client, id, topic, qos, time + 1);
        if (qos === 1) {
          const a = random();
          if (a < 0.95) push(MessageKind.ack, instance, client, id, topic, 1, time + 3);
          else if (a < 0.99) lateAcks.push({ id, client, topic, instance });
        }
      }
      const events = 1 + receivers * (qos === 1 ? 2 : 1);
      carry -= events;
      written += events;
      // A uniform sample of the messages (reservoir): the keys of the trace-by-ID queries.
      const seen = id - start * 1000 + 1;
      if (keys.messages.length < SAMPLE) keys.messages.push({ id, instance });
      else if (random() < SAMPLE / seen) keys.messages[Math.floor(random() * SAMPLE)] = { id, instance };
    }
    // Device events: each client connects about twice a day (connect, later disconnect + close).
    const devices: DeviceEventRecord[] = [];
    const connects = (o.clients * 2) / 86_400;
    for (let k = 0; k < Math.floor(connects) + (random() < connects % 1 ? 1 : 0); k++) {
      const client = clientName(Math.floor(random() * o.clients));
      const instance = INSTANCES[random() < 0.8 ? 0 : 1];
      const channel = second * 1000 + k;
      const address = `10.0.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}:${40000 + Math.floor(random() * 20000)}`;
      const kind = random() < 0.5 ? DeviceKind.connect : random() < 0.5 ? DeviceKind.disconnect : DeviceKind.close;
      const description = kind === DeviceKind.connect ? 'accepted' : kind === DeviceKind.disconnect ? 'disconnected by client' : 'no heartbeat';
      devices.push({ time: second + Math.floor(random() * 1000), kind, instanceId: instance, clientId: client, channel, address, description });
    }
    const samples: SampleRecord[] = [];
    if (second - lastSample >= 10_000) {
      lastSample = second;
      for (const instanceId of INSTANCES) {
        samples.push({
          time: second,
          instanceId,
          intervalMs: 10_000,
          connections: o.clients / 2,
          subscriptions: o.clients,
          messagesIn: Math.round(perSecond * 10),
          messagesOut: Math.round(perSecond * 10),
          throttled: 0,
          dropped: 0,
          offlineDropped: 0,
          traceDropped: 0,
        });
      }
    }
    const update = { reset: s === 0, first: sent + 1, names: names.slice(sent) };
    sent = names.length;
    store.write({ names: update, messages: m.count > 0 ? m : null, devices, samples });
    if (s % 20_000 === 0) {
      const rate = written / ((performance.now() - began) / 1000);
      process.stdout.write(`\r  filled ${(written / 1e6).toFixed(2)} M events (${Math.round(rate).toLocaleString('en')} events/s)   `);
    }
  }
  store.close();
  const secs = (performance.now() - began) / 1000;
  console.log(`\r  filled ${written.toLocaleString('en')} message events over ${o.days} days in ${secs.toFixed(0)} s (${Math.round(written / secs).toLocaleString('en')} events/s, one batch per simulated second)`);
  return keys;
}

interface Timing {
  name: string;
  times: number[];
  rows: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function main(): void {
  const o = parse(process.argv.slice(2));
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-telemetry-bench-'));
  fs.mkdirSync(dir, { recursive: true });
  const file = telemetryFile(dir);
  const keysFile = path.join(dir, 'bench-keys.json');
  let keys: Keys;
  if (o.reuse && fs.existsSync(keysFile)) {
    keys = JSON.parse(fs.readFileSync(keysFile, 'utf8')) as Keys;
    console.log(`reusing ${file}`);
  } else {
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
    const { nodeId } = prepareTelemetryDatabase(dir, path.join(ROOT, 'db', 'telemetry-migrations'));
    console.log(`filling ${file}: ${o.events.toLocaleString('en')} message events, ${o.clients.toLocaleString('en')} clients, ${o.topics.toLocaleString('en')} topics`);
    keys = fill(file, nodeId, o);
    fs.writeFileSync(keysFile, JSON.stringify(keys));
  }
  const size = ['', '-wal'].reduce((sum, s) => sum + (fs.existsSync(file + s) ? fs.statSync(file + s).size : 0), 0);
  console.log(`  database: ${(size / 1e6).toFixed(0)} MB`);

  const random = prng(o.seed + 1);
  const node = keys.nodeId;

  const pick = <T>(a: readonly T[]) => a[Math.floor(random() * a.length)];
  const client = () => clientName(Math.floor(random() * o.clients));
  const topic = () => topicName(Math.floor(random() * o.topics));
  const instance = () => (random() < 0.8 ? INSTANCES[0] : INSTANCES[1]);
  /** A window of `ms` ending at a random time in the data (the page's range picker). */
  const window = (ms: number) => {
    const to = keys.start + ms + random() * Math.max(0, keys.end - keys.start - ms);
    return { from: Math.round(to - ms), to: Math.round(to) };
  };
  const queries: { name: string; run: (r: TelemetryReader) => number }[] = [
    { name: 'traceMessage (by message ID)', run: (r) => r.traceMessage(formatMessageId(node, pick(keys.messages).id))?.deliveries.length ?? 0 },
    { name: 'messagesOfClient, 1 hour', run: (r) => r.messagesOfClient({ instanceId: instance(), clientId: client(), ...window(HOUR) }).length },
    { name: 'messagesOfClient, 1 day', run: (r) => r.messagesOfClient({ instanceId: instance(), clientId: client(), ...window(DAY) }).length },
    {
      name: 'messagesOfClient, all days, limit 1000',
      run: (r) => r.messagesOfClient({ instanceId: instance(), clientId: client(), from: keys.start, to: keys.end, limit: 1000 }).length,
    },
    { name: 'messagesOfTopic, 1 hour', run: (r) => r.messagesOfTopic({ instanceId: instance(), topic: topic(), ...window(HOUR) }).length },
    { name: 'messagesOfTopic, 1 day', run: (r) => r.messagesOfTopic({ instanceId: instance(), topic: topic(), ...window(DAY) }).length },
    { name: 'deviceEvents, 1 day', run: (r) => r.deviceEvents({ instanceId: instance(), clientId: client(), ...window(DAY) }).length },
    { name: 'samples, 1 day in 5-min buckets', run: (r) => r.samples({ instanceId: instance(), ...window(DAY), bucketMs: 300_000 }).length },
    { name: 'topicCounts, 1 day', run: (r) => r.topicCounts({ instanceId: instance(), ...window(DAY) }).length },
  ];

  const results: { name: string; cold: Timing; warm: Timing }[] = [];
  const warmReader = new TelemetryReader(dir);
  for (const q of queries) {
    const cold: Timing = { name: q.name, times: [], rows: 0 };
    const warm: Timing = { name: q.name, times: [], rows: 0 };
    for (let i = 0; i < o.queries; i++) {
      const fresh = new TelemetryReader(dir);
      const t0 = performance.now();
      cold.rows += q.run(fresh);
      cold.times.push(performance.now() - t0);
      fresh.close();
    }
    q.run(warmReader); // prepares its statements
    for (let i = 0; i < o.queries; i++) {
      const t0 = performance.now();
      warm.rows += q.run(warmReader);
      warm.times.push(performance.now() - t0);
    }
    results.push({ name: q.name, cold, warm });
  }
  warmReader.close();

  const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));
  console.log(`\n${o.queries} queries of each kind, random keys; times in ms; target p95 < 300 ms\n`);
  const header = ['query', 'rows/query', 'cold p50', 'cold p95', 'cold max', 'warm p50', 'warm p95', 'warm max', 'p95 < 300 ms'];
  const rows = results.map(({ name, cold, warm }) => {
    const c = [...cold.times].sort((a, b) => a - b);
    const w = [...warm.times].sort((a, b) => a - b);
    const ok = Math.max(percentile(c, 95), percentile(w, 95)) < 300;
    return [name, (warm.rows / o.queries).toFixed(1), fmt(percentile(c, 50)), fmt(percentile(c, 95)), fmt(c.at(-1)!), fmt(percentile(w, 50)), fmt(percentile(w, 95)), fmt(w.at(-1)!), ok ? 'yes' : 'NO'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|')}|`);
  for (const r of rows) console.log(line(r));
  if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`\nkept ${dir} (--reuse to time the queries again)`);
  if (rows.some((r) => r.at(-1) === 'NO')) process.exitCode = 1;
}

main();
