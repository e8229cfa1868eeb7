/**
 * A load-generator process (forked by bench/run.ts; several run at once). It holds many raw
 * MQTT 3.1.1 connections, publishers and subscribers, and answers the coordinator's commands
 * over IPC (see protocol.ts).
 *
 * Closed loop ('closed' mode): a worker may have at most `window` deliveries outstanding for
 * its own publishes (published × fanout − delivered), counted end to end: deliveries seen by
 * this worker's subscribers are credited at once, those seen by other workers come back
 * through the coordinator. So every broker is driven at its own pace with bounded queues,
 * and nothing needs dropping. Open loop ('rate' mode): a fixed publish rate, for latency.
 */
import net from 'node:net';
import { Histogram } from './lib/histogram';
import {
  CONNACK,
  DISCONNECT,
  Framer,
  PAYLOAD_HEADER_SIZE,
  PUBACK,
  PUBLISH,
  PublishTemplate,
  SUBACK,
  connectPacket,
  nowUs,
  subscribePacket,
} from './lib/mqtt-raw';
import type { Command, Reply, Snapshot, Spec, WorkerEvent } from './protocol';

const HOST = '127.0.0.1';
const CONNECT_CONCURRENCY = 200;
const CONNECT_TIMEOUT_MS = 15_000;
/** Closed loop: no delivery for this long while some are outstanding means the broker lost them. */
const STALL_US = 300_000;

let spec: Spec | null = null;
let publishers: Client[] = [];
let subscribers: Client[] = [];
let idle: net.Socket[] = [];

// ---- counters (cumulative; the coordinator takes differences) ---------------------------------
let published = 0;
let acked = 0;
let delivered = 0;
let duplicates = 0;
/** Deliveries of this worker's own publishes seen here (credited at once). */
let deliveredOwn = 0;
/** Deliveries of this worker's publishes seen by other workers, as last reported by the coordinator. */
let deliveredRemote = 0;
/** Deliveries written off by the stall watchdog (a broker that dropped messages). */
let writtenOff = 0;
let unexpectedCloses = 0;
let lastProgressAt = 0;
const latency = new Histogram();
/** Deliveries seen here of other workers' publishes, not yet reported. */
let rxRemote: number[] = [];
/** Per source (worker, publisher): which sequence numbers arrived (duplicate detection). */
const seen = new Map<number, Uint8Array>();

let running = false;
let pumpScheduled = false;
let rr = 0;
let rateStartedAt = 0;
let rateSent = 0;
let manualLeft: number[] = [];
let manualDone: (() => void) | null = null;
let manualTarget = 0;
let timers: NodeJS.Timeout[] = [];

/** The time of the socket read being handled: one clock read per chunk, not per message. */
let chunkNow = 0;

class Client {
  socket: net.Socket | null = null;
  framer: Framer;
  template: PublishTemplate | null = null;
  inflight = 0;
  nextPid = 1;
  seq = 0;
  sessionPresent = false;
  private waiting: { type: number; resolve: () => void; reject: (e: Error) => void } | null = null;
  private acks: Buffer | null = null;
  private ackCount = 0;
  private closing = false;

  constructor(
    readonly clientId: string,
    readonly index: number,
    readonly topic: string,
  ) {
    this.framer = new Framer((type, flags, buf, start, end) => this.onPacket(type, flags, buf, start, end));
  }

  connect(port: number, clean: boolean, keepAlive = 60): Promise<void> {
    this.closing = false;
    const socket = net.connect({ host: HOST, port, noDelay: true });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      chunkNow = nowUs();
      this.framer.push(chunk);
      this.flushAcks();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => {
      if (!this.closing) unexpectedCloses++;
      this.fail(new Error('connection closed'));
      if (this.socket === socket) this.socket = null;
    });
    socket.on('drain', schedulePump);
    this.framer = new Framer((type, flags, buf, start, end) => this.onPacket(type, flags, buf, start, end));
    this.inflight = 0;
    const done = this.expect(CONNACK);
    socket.write(connectPacket(this.clientId, { clean, keepAlive }));
    return done;
  }

  subscribe(filter: string, qos: number): Promise<void> {
    const done = this.expect(SUBACK);
    this.socket!.write(subscribePacket(1, filter, qos));
    return done;
  }

  /** Sends DISCONNECT and waits for the socket to close (the broker closes it). */
  disconnect(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.resolve();
    this.closing = true;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 3000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end(DISCONNECT);
    });
  }

  private expect(type: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.clientId}: no answer (packet type ${type})`)), CONNECT_TIMEOUT_MS);
      this.waiting = {
        type,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
  }

  private onPacket(type: number, flags: number, buf: Buffer, start: number, end: number): void {
    if (type === PUBLISH) {
      const qos = (flags >> 1) & 3;
      let o = start + 2 + buf.readUInt16BE(start);
      let pid = 0;
      if (qos > 0) {
        pid = buf.readUInt16BE(o);
        o += 2;
      }
      if (end - o >= PAYLOAD_HEADER_SIZE) onDelivery(buf, o);
      if (qos === 1) this.queueAck(pid);
      return;
    }
    if (type === PUBACK) {
      this.inflight--;
      acked++;
      if (manualDone && acked >= manualTarget) {
        const done = manualDone;
        manualDone = null;
        done();
      }
      schedulePump();
      return;
    }
    const w = this.waiting;
    if (w && w.type === type) {
      this.waiting = null;
      if (type === CONNACK) {
        const rc = buf[start + 1];
        if (rc !== 0) return w.reject(new Error(`${this.clientId}: CONNACK return code ${rc}`));
        this.sessionPresent = (buf[start] & 1) === 1;
      } else if (type === SUBACK && buf[end - 1] === 0x80) {
        return w.reject(new Error(`${this.clientId}: subscription refused`));
      }
      w.resolve();
    }
  }

  private queueAck(pid: number): void {
    if (!this.acks) this.acks = Buffer.allocUnsafe(4 * 64);
    if (this.ackCount * 4 >= this.acks.length) {
      const bigger = Buffer.allocUnsafe(this.acks.length * 2);
      this.acks.copy(bigger);
      this.acks = bigger;
    }
    const o = this.ackCount * 4;
    this.acks[o] = 0x40;
    this.acks[o + 1] = 2;
    this.acks.writeUInt16BE(pid, o + 2);
    this.ackCount++;
  }

  private flushAcks(): void {
    if (this.ackCount === 0) return;
    const n = this.ackCount * 4;
    this.ackCount = 0;
    // A copy: the scratch buffer is reused at once, the socket may hold on to what it is given.
    this.socket?.write(Buffer.from(this.acks!.subarray(0, n)));
  }

  /** Writes `count` PUBLISHes in one buffer. */
  publish(count: number): void {
    const t = this.template!;
    const out = Buffer.allocUnsafe(t.size * count);
    const qos1 = spec!.qos > 0;
    let o = 0;
    const sentUs = nowUs();
    for (let i = 0; i < count; i++) {
      let pid = 0;
      if (qos1) {
        pid = this.nextPid;
        this.nextPid = pid === 65535 ? 1 : pid + 1;
        this.inflight++;
      }
      o = t.write(out, o, pid, { sentUs, worker: spec!.worker, publisher: this.index, seq: this.seq++ });
    }
    published += count;
    this.socket!.write(out);
  }

  get writable(): boolean {
    const s = this.socket;
    return s !== null && !s.destroyed && !s.writableNeedDrain && (spec!.qos === 0 || this.inflight < spec!.pubInflight);
  }
}

function onDelivery(buf: Buffer, o: number): void {
  const sentUs = buf.readDoubleLE(o);
  const worker = buf[o + 8];
  latency.record(chunkNow - sentUs);
  delivered++;
  lastProgressAt = chunkNow;
  if (spec!.trackDuplicates) {
    const key = worker * 65536 + buf.readUInt16LE(o + 10);
    const seq = buf.readUInt32LE(o + 12);
    let bits = seen.get(key);
    if (!bits || bits.length <= seq) {
      const bigger = new Uint8Array(Math.max(1024, (seq + 1) * 2));
      if (bits) bigger.set(bits);
      bits = bigger;
      seen.set(key, bits);
    }
    if (bits[seq]) duplicates++;
    else bits[seq] = 1;
  }
  if (worker === spec!.worker) {
    deliveredOwn++;
    if (spec!.mode === 'closed') schedulePump();
  } else rxRemote[worker] = (rxRemote[worker] ?? 0) + 1;
}

function schedulePump(): void {
  if (pumpScheduled || !running) return;
  pumpScheduled = true;
  setImmediate(pump);
}

/** Closed loop: publishes as far as the end-to-end window and the publishers' sockets allow. */
function pump(): void {
  pumpScheduled = false;
  if (!running || publishers.length === 0) return;
  const s = spec!;
  if (s.mode === 'manual') return pumpManual();
  if (s.mode !== 'closed') return;
  const outstanding = published * s.fanout - deliveredOwn - deliveredRemote - writtenOff;
  let budget = Math.floor((s.window - outstanding) / s.fanout);
  if (budget <= 0) return;
  const n = publishers.length;
  const give = new Uint32Array(n);
  let idleRound = 0;
  if (rr >= n) rr = 0;
  // Round robin, one message at a time, so that every publisher gets its share.
  while (budget > 0 && idleRound < n) {
    const i = rr;
    rr = rr + 1 === n ? 0 : rr + 1;
    const p = publishers[i];
    if (p.writable && (s.qos === 0 || p.inflight + give[i] < s.pubInflight)) {
      give[i]++;
      budget--;
      idleRound = 0;
    } else idleRound++;
  }
  for (let i = 0; i < n; i++) if (give[i] > 0) publishers[i].publish(give[i]);
}

/** 'manual': each publisher sends its remaining count, at most pubInflight unacknowledged. */
function pumpManual(): void {
  const s = spec!;
  for (let i = 0; i < publishers.length; i++) {
    const p = publishers[i];
    const left = manualLeft[i] ?? 0;
    if (left === 0 || !p.socket) continue;
    const n = Math.min(left, s.pubInflight - p.inflight);
    if (n > 0) {
      manualLeft[i] = left - n;
      p.publish(n);
    }
  }
}

/** Open loop: whatever the rate says is due, spread over the publishers. */
function rateTick(): void {
  const s = spec!;
  const due = Math.floor((s.rate * (nowUs() - rateStartedAt)) / 1e6);
  // After a stall (the machine was busy), catch up over a few ticks rather than all at once.
  let n = Math.min(due - rateSent, Math.ceil(s.rate / 50));
  if (n <= 0) return;
  rateSent += n;
  const count = publishers.length;
  const give = new Uint32Array(count);
  if (rr >= count) rr = 0;
  while (n-- > 0) {
    give[rr]++;
    rr = rr + 1 === count ? 0 : rr + 1;
  }
  for (let i = 0; i < count; i++) if (give[i] > 0 && publishers[i].socket) publishers[i].publish(give[i]);
}

/** A broker that loses messages would stall the closed loop: write the outstanding ones off. */
function watchdog(): void {
  const s = spec!;
  if (!running || s.mode !== 'closed') return;
  const outstanding = published * s.fanout - deliveredOwn - deliveredRemote - writtenOff;
  if (outstanding > 0 && nowUs() - lastProgressAt > STALL_US) {
    writtenOff += outstanding;
    lastProgressAt = nowUs();
    schedulePump();
  }
}

function reportRemote(): void {
  let any = false;
  for (const c of rxRemote) if (c) any = true;
  if (!any) return;
  send({ t: 'rx', epoch: spec!.epoch, counts: rxRemote });
  rxRemote = [];
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(runners);
}

function snapshot(): Snapshot {
  const cpu = process.cpuUsage();
  const snap: Snapshot = {
    published,
    acked,
    delivered,
    duplicates,
    writtenOff,
    unexpectedCloses,
    cpuUs: cpu.user + cpu.system,
    latency: latency.toSparse(),
  };
  latency.reset();
  return snap;
}

function resetCounters(): void {
  published = acked = delivered = duplicates = deliveredOwn = deliveredRemote = writtenOff = unexpectedCloses = 0;
  rxRemote = [];
  seen.clear();
  latency.reset();
}

async function setup(s: Spec): Promise<void> {
  spec = s;
  resetCounters();
  rr = 0;
  publishers = s.publishers.map((topic, i) => new Client(`${s.prefix}w${s.worker}p${i}`, i, topic));
  subscribers = s.subscribers.map((filter, i) => new Client(`${s.prefix}w${s.worker}s${i}`, i, filter));
  for (const p of publishers) p.template = new PublishTemplate(p.topic, s.qos, s.payload);
  await forEachLimited(subscribers, CONNECT_CONCURRENCY, async (c) => {
    await c.connect(s.port, s.subscriberClean);
    await c.subscribe(c.topic, s.qos);
  });
  await forEachLimited(publishers, CONNECT_CONCURRENCY, (c) => c.connect(s.port, true));
}

function start(): void {
  const s = spec!;
  running = true;
  lastProgressAt = nowUs();
  timers.push(setInterval(reportRemote, 2));
  if (s.mode === 'closed') {
    timers.push(setInterval(watchdog, 100));
    schedulePump();
  } else if (s.mode === 'rate') {
    rateStartedAt = nowUs();
    rateSent = 0;
    timers.push(setInterval(rateTick, 1));
  }
}

function stop(): void {
  running = false;
  for (const t of timers) clearInterval(t);
  timers = [];
  // Keep reporting deliveries of messages still on their way.
  timers.push(setInterval(reportRemote, 2));
}

async function teardown(): Promise<void> {
  stop();
  for (const t of timers) clearInterval(t);
  timers = [];
  await forEachLimited([...publishers, ...subscribers], CONNECT_CONCURRENCY, (c) => c.disconnect());
  publishers = [];
  subscribers = [];
}

async function handle(msg: Command): Promise<Omit<Reply, 'id' | 'ok'>> {
  switch (msg.cmd) {
    case 'setup':
      await setup(msg.spec);
      return {};
    case 'start':
      start();
      return {};
    case 'snapshot':
      return { snapshot: snapshot() };
    case 'stop':
      stop();
      return {};
    case 'teardown':
      await teardown();
      return {};
    case 'publishN': {
      // Manual mode: every publisher sends msg.count QoS 1 messages; resolves when all are acknowledged.
      const started = nowUs();
      manualTarget = acked + publishers.length * msg.count;
      manualLeft = publishers.map(() => msg.count);
      running = true;
      await new Promise<void>((resolve) => {
        manualDone = resolve;
        schedulePump();
      });
      running = false;
      return { elapsedMs: (nowUs() - started) / 1000 };
    }
    case 'disconnectSubscribers':
      await forEachLimited(subscribers, CONNECT_CONCURRENCY, (c) => c.disconnect());
      return {};
    case 'reconnectSubscribers': {
      // Persistent sessions: the broker still has the subscription; subscribe again only if it lost the session.
      let lost = 0;
      await forEachLimited(subscribers, CONNECT_CONCURRENCY, async (c) => {
        await c.connect(spec!.port, false);
        if (!c.sessionPresent) {
          lost++;
          await c.subscribe(c.topic, spec!.qos);
        }
      });
      return { sessionsLost: lost };
    }
    case 'cleanSessions':
      // Connecting with cleanSession=true discards what the broker kept for these client ids.
      await forEachLimited(subscribers, CONNECT_CONCURRENCY, async (c) => {
        if (c.socket) await c.disconnect();
        await c.connect(spec!.port, true);
        await c.disconnect();
      });
      return {};
    case 'idleOpen': {
      const before = idle.length;
      const failures: string[] = [];
      const ids = Array.from({ length: msg.count }, (_, i) => `${msg.prefix}w${msg.worker}i${before + i}`);
      await forEachLimited(ids, CONNECT_CONCURRENCY, async (id) => {
        const c = new Client(id, 0, '');
        try {
          await c.connect(msg.port, true, msg.keepAlive);
          idle.push(c.socket!);
        } catch (err) {
          if (failures.length < 5) failures.push(String((err as Error).message));
          c.socket?.destroy();
        }
      });
      return { opened: idle.length - before, failures };
    }
    case 'idleClose': {
      const sockets = idle;
      idle = [];
      // A reset, not a FIN: no TIME_WAIT left behind for thousands of ports.
      await Promise.all(
        sockets.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.destroyed) return resolve();
              s.once('close', () => resolve());
              s.resetAndDestroy();
            }),
        ),
      );
      return {};
    }
    case 'credit':
      return {};
  }
}

function send(msg: WorkerEvent | Reply): void {
  process.send?.(msg);
}

process.on('message', (raw) => {
  const msg = raw as Command;
  if (msg.cmd === 'credit') {
    if (msg.delivered > deliveredRemote) {
      deliveredRemote = msg.delivered;
      lastProgressAt = nowUs();
      schedulePump();
    }
    return;
  }
  handle(msg).then(
    (data) => send({ id: msg.id, ok: true, ...data }),
    (err: Error) => send({ id: msg.id, ok: false, error: err.message }),
  );
});

process.on('disconnect', () => process.exit(0));
