/**
 * Durability for real: the broker runs in its own process on SQLite persistence
 * (testing/broker-process.ts), is killed (SIGKILL) or stopped (SIGTERM), and a new process on
 * the same data directory and port takes over. What clients observe:
 *
 * - every QoS 1/2 message acknowledged to its publisher (PUBACK/PUBCOMP) reaches each
 *   persistent subscriber (MQTT 3.1.1 cleanSession=false, MQTT 5 with a session expiry):
 *   QoS 1 at least once, QoS 2 exactly once, in order;
 * - retained messages are still there;
 * - an outgoing QoS 2 delivery whose PUBREC the broker had processed resumes with PUBREL, not
 *   a second PUBLISH; one not yet PUBREC'd is resent with DUP under the same packet ID;
 * - an inbound QoS 2 PUBLISH resent after the restart is acknowledged, not routed twice;
 * - killed while a stored backlog is being delivered, the broker resends what was in flight
 *   with DUP under the packet IDs it had (whether the ID followed from the entry's position or
 *   had to be another), resumes a PUBREC'd one with PUBREL, and sends the rest once.
 *
 * MQTT.js clients throughout, except where the test must stop a client between two packets of
 * a QoS 2 exchange (a raw socket client; MQTT.js answers PUBREL with PUBCOMP on its own).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { IConnackPacket, IPublishPacket, Packet } from 'mqtt-packet';
import { connectClient, inboxOf, RawClient, withTimeout, type Received } from '../testing/helpers';

const SCRIPT = fileURLToPath(new URL('./testing/broker-process.ts', import.meta.url));
/** Messages per QoS level per run. */
const N = 200;

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-durability-'));
  dirs.push(dir);
  return dir;
}

interface BrokerProcess {
  port: number;
  child: ChildProcess;
  /** Sends the signal and resolves with the exit code (null when killed by the signal). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts a broker process on the data directory; resolves once it prints its port. */
async function startBroker(dataDir: string, port = 0): Promise<BrokerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, dataDir, String(port)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const listening = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`broker process exited (${code}) before listening: ${stderr}`)));
  });
  const actual = await withTimeout(listening, 20_000, `broker process to listen (stderr: ${stderr})`);
  return {
    port: actual,
    child,
    stop: async (signal) => {
      child.kill(signal);
      return withTimeout(exited, 10_000, `broker process to exit on ${signal}`);
    },
  };
}

const v5 = { protocolVersion: 5 as const, properties: { sessionExpiryInterval: 600 } };
const SUBSCRIBERS: { clientId: string; options: IClientOptions }[] = [
  { clientId: 'dur-311', options: { protocolVersion: 4, clean: false } },
  { clientId: 'dur-5', options: { ...v5, clean: false } },
];

/** Waits until the inbox has a message satisfying the predicate (bounded). */
async function waitUntil(client: MqttClient, done: (messages: Received[]) => boolean, what: string, timeoutMs = 15_000): Promise<Received[]> {
  const inbox = inboxOf(client);
  const deadline = Date.now() + timeoutMs;
  while (!done(inbox.messages)) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what} (have ${inbox.messages.length})`);
    // Wakes on the next message, at the latest after the deadline.
    await inbox.waitFor(inbox.messages.length + 1, Math.max(1, deadline - Date.now())).catch(() => {});
  }
  return inbox.messages;
}

const payloads = (messages: Received[], topic: string) => messages.filter((m) => m.topic === topic).map((m) => m.payload.toString());
const range = (n: number) => Array.from({ length: n }, (_, i) => String(i));
const firstOccurrences = (list: string[]) => list.filter((p, i) => list.indexOf(p) === i);

async function restartKeepsEverything(signal: NodeJS.Signals): Promise<void> {
  const dataDir = tempDir();
  const first = await startBroker(dataDir);
  const port = first.port;

  for (const s of SUBSCRIBERS) {
    const c = await connectClient(port, { clientId: s.clientId, ...s.options });
    const granted = await c.subscribeAsync({ 'dur/q1': { qos: 1 }, 'dur/q2': { qos: 2 }, 'dur/end': { qos: 1 } });
    assert.deepEqual(
      granted.map((g) => g.qos),
      [1, 2, 1],
    );
    await c.endAsync();
  }

  const pub = await connectClient(port, { clientId: `dur-pub-${signal}` });
  await pub.publishAsync('dur/retained', 'still here', { qos: 1, retain: true });
  const acks: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    acks.push(pub.publishAsync('dur/q1', String(i), { qos: 1 }));
    acks.push(pub.publishAsync('dur/q2', String(i), { qos: 2 }));
  }
  await withTimeout(Promise.all(acks), 20_000, 'every PUBACK and PUBCOMP'); // every one acknowledged…
  pub.end(true);

  const code = await first.stop(signal); // …then the broker goes away
  if (signal === 'SIGTERM') assert.equal(code, 0, 'graceful exit');
  const second = await startBroker(dataDir, port);
  try {
    const subs: MqttClient[] = [];
    for (const s of SUBSCRIBERS) {
      const c = await connectClient(port, { clientId: s.clientId, ...s.options });
      subs.push(c);
    }
    // Everything stored is in each session's queue ahead of this marker.
    const marker = await connectClient(port, { clientId: `dur-marker-${signal}` });
    await marker.publishAsync('dur/end', 'end', { qos: 1 });
    for (const [i, c] of subs.entries()) {
      const messages = await waitUntil(
        c,
        (ms) => ms.some((m) => m.topic === 'dur/end') && payloads(ms, 'dur/q2').length >= N,
        `${SUBSCRIBERS[i].clientId}: every message and the end marker`,
      );
      const q1 = payloads(messages, 'dur/q1');
      const q2 = payloads(messages, 'dur/q2');
      assert.deepEqual(firstOccurrences(q1), range(N), `${SUBSCRIBERS[i].clientId}: every QoS 1 message, in order`);
      assert.deepEqual(q2, range(N), `${SUBSCRIBERS[i].clientId}: every QoS 2 message exactly once, in order`);
      assert.ok(
        messages.filter((m) => m.topic !== 'dur/end').every((m) => m.packet.qos === Number(m.topic.slice(-1))),
        'delivered at the subscribed QoS',
      );
    }

    const late = await connectClient(port, { clientId: `dur-late-${signal}` });
    await late.subscribeAsync('dur/retained', { qos: 1 });
    const [retained] = await inboxOf(late).waitFor(1, 5000);
    assert.equal(retained.payload.toString(), 'still here');
    assert.equal(retained.packet.retain, true);

    await Promise.all([...subs, marker, late].map((c) => c.endAsync()));
  } finally {
    assert.equal(await second.stop('SIGTERM'), 0);
  }
}

/** Collects packets of a raw client until one matches (others are kept, in order). */
async function rawUntil(client: RawClient, match: (p: Packet) => boolean, what: string): Promise<Packet[]> {
  const seen: Packet[] = [];
  for (let i = 0; i < 1000; i++) {
    const p = await client.next(undefined, 10_000).catch((err: Error) => {
      throw new Error(`${what}: ${err.message}; seen ${JSON.stringify(seen.map((x) => x.cmd))}`);
    });
    seen.push(p);
    if (match(p)) return seen;
  }
  throw new Error(`${what}: no match in 1000 packets`);
}

describe('durability across broker process restarts (SQLite)', { timeout: 60_000 }, () => {
  it('SIGKILL: persistent subscribers get every acknowledged message (QoS 1 at least once, QoS 2 exactly once, in order), retained kept', async () => {
    await restartKeepsEverything('SIGKILL');
  });

  it('SIGTERM: the same after a graceful stop', async () => {
    await restartKeepsEverything('SIGTERM');
  });

  it('SIGKILL in the middle of QoS 2 exchanges: each resumes where it was, nothing is delivered twice', async () => {
    const dataDir = tempDir();
    const first = await startBroker(dataDir);
    const port = first.port;

    // Subscribers on both protocol versions, each with two QoS 2 deliveries in flight:
    // `released` was PUBREC'd (the broker answered PUBREL), `pending` was not answered at all.
    const versions = [4, 5] as const;
    const subs: RawClient[] = [];
    for (const version of versions) {
      const c = await RawClient.connect(port, version);
      await c.handshake({ clientId: `inf-${version}`, clean: false, ...(version === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}) });
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'inf/#', qos: 2 }] });
      await c.next('suback');
      subs.push(c);
    }
    const pub = await connectClient(port, { clientId: 'inf-pub' });
    await pub.publishAsync('inf/t', 'released', { qos: 2 });
    await pub.publishAsync('inf/t', 'pending', { qos: 2 });
    pub.end(true);
    const ids: { released: number; pending: number; routedOnce: number }[] = [];
    for (const c of subs) {
      const a = (await c.next('publish')) as IPublishPacket;
      const b = (await c.next('publish')) as IPublishPacket;
      assert.deepEqual([a.payload.toString(), b.payload.toString()], ['released', 'pending']);
      c.send({ cmd: 'pubrec', messageId: a.messageId! });
      await c.next('pubrel'); // the broker has stored that it got the PUBREC
      ids.push({ released: a.messageId!, pending: b.messageId!, routedOnce: 0 });
    }

    // A QoS 2 publisher between PUBREC and PUBREL.
    const q2pub = await RawClient.connect(port);
    await q2pub.handshake({ clientId: 'inf-q2pub', clean: false });
    q2pub.send({ cmd: 'publish', topic: 'inf/in', payload: Buffer.from('routed once'), qos: 2, messageId: 9, dup: false, retain: false });
    await q2pub.next('pubrec');
    for (const [i, c] of subs.entries()) {
      const p = (await c.next('publish')) as IPublishPacket; // routed at its PUBLISH, before the kill
      assert.equal(p.payload.toString(), 'routed once');
      ids[i].routedOnce = p.messageId!;
    }

    assert.equal(await first.stop('SIGKILL'), null);
    for (const c of [...subs, q2pub]) c.close();
    const second = await startBroker(dataDir, port);
    try {
      // The publisher resumes: its resent PUBLISH is acknowledged but not routed again.
      const q2again = await RawClient.connect(port);
      const ack = (await q2again.handshake({ clientId: 'inf-q2pub', clean: false })) as IConnackPacket;
      assert.equal(ack.sessionPresent, true);
      q2again.send({ cmd: 'publish', topic: 'inf/in', payload: Buffer.from('routed once'), qos: 2, messageId: 9, dup: true, retain: false });
      await q2again.next('pubrec');
      q2again.send({ cmd: 'pubrel', messageId: 9 });
      await q2again.next('pubcomp');
      q2again.close();

      for (const [i, version] of versions.entries()) {
        const c = await RawClient.connect(port, version);
        const connack = (await c.handshake({
          clientId: `inf-${version}`,
          clean: false,
          ...(version === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}),
        })) as IConnackPacket;
        assert.equal(connack.sessionPresent, true);
        const { released, pending, routedOnce } = ids[i];
        // Everything the session had in flight comes first; then a marker published now.
        const marker = await connectClient(port, { clientId: `inf-marker-${version}` });
        await marker.publishAsync('inf/end', 'end', { qos: 2 });
        await marker.endAsync();
        const seen = await rawUntil(c, (p) => p.cmd === 'publish' && p.topic === 'inf/end', `inf-${version}`);
        const publishes = seen.filter((p): p is IPublishPacket => p.cmd === 'publish');
        const pubrels = seen.filter((p) => p.cmd === 'pubrel').map((p) => p.messageId);
        assert.deepEqual(pubrels, [released], 'the PUBREC’d delivery resumes with PUBREL');
        assert.deepEqual(
          publishes.map((p) => [p.payload.toString(), p.messageId === undefined ? null : p.messageId, p.dup]),
          [
            ['pending', pending, true], // never acknowledged: resent, same packet ID, DUP
            ['routed once', routedOnce, true],
            ['end', publishes.at(-1)!.messageId, false],
          ],
        );
        assert.equal(publishes.filter((p) => p.payload.toString() === 'released').length, 0, 'no second PUBLISH of the released message');
        c.close();
      }
    } finally {
      assert.equal(await second.stop('SIGTERM'), 0);
    }
  });
  it('SIGKILL while a stored backlog is being delivered: what was in flight resumes under its packet ID, the rest follows, nothing twice', async () => {
    const dataDir = tempDir();
    const first = await startBroker(dataDir);
    const port = first.port;
    const BACKLOG = 12;
    // Persistent subscribers, offline while a backlog builds up: MQTT 5 with Receive Maximum
    // 4 (the broker sends 4 at a time) at QoS 2 and QoS 1, and 3.1.1 at QoS 2 (all at once).
    const cases = [
      { clientId: 'bk-5-q2', version: 5, qos: 2 },
      { clientId: 'bk-5-q1', version: 5, qos: 1 },
      { clientId: 'bk-4-q2', version: 4, qos: 2 },
    ] as const;
    type Case = (typeof cases)[number];
    const connect = async (c: Case) => {
      const raw = await RawClient.connect(port, c.version);
      const properties = { sessionExpiryInterval: 600, receiveMaximum: 4 };
      const connack = (await raw.handshake({ clientId: c.clientId, clean: false, ...(c.version === 5 ? { properties } : {}) })) as IConnackPacket;
      return { raw, connack };
    };
    for (const c of cases) {
      const { raw } = await connect(c);
      raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `bk/${c.qos}`, qos: c.qos }] });
      await raw.next('suback');
      raw.send({ cmd: 'disconnect' });
      await raw.waitClose();
    }
    const pub = await connectClient(port, { clientId: 'bk-pub' });
    for (let i = 0; i < BACKLOG; i++) {
      await pub.publishAsync('bk/1', `m${i}`, { qos: 1 });
      await pub.publishAsync('bk/2', `m${i}`, { qos: 2 });
    }
    await pub.endAsync();

    // Each reconnects and answers by position: m0 never; m1 PUBREC only (QoS 2; never at
    // QoS 1); m2…m7 completely; nothing after. MQTT 5 ends with m8 and m9 in flight and m10,
    // m11 still queued; 3.1.1 has all twelve sent.
    const complete = (i: number) => i >= 2 && i <= 7;
    const sent: Map<number, number>[] = [];
    const subs: RawClient[] = [];
    for (const c of cases) {
      const { raw } = await connect(c);
      const ids = new Map<number, number>(); // message index → packet ID it was sent under
      const awaitingPubrel = new Set<number>();
      const last = c.version === 5 ? 9 : BACKLOG - 1;
      while (!ids.has(last) || awaitingPubrel.size > 0) {
        const p = await raw.next(undefined, 10_000);
        if (p.cmd === 'pubrel') {
          assert.ok(awaitingPubrel.delete(p.messageId!), `${c.clientId}: PUBREL ${p.messageId}`);
          if (p.messageId !== ids.get(1)) raw.send({ cmd: 'pubcomp', messageId: p.messageId! });
          continue;
        }
        assert.equal(p.cmd, 'publish', `${c.clientId}: ${p.cmd}`);
        const publish = p as IPublishPacket;
        const i = Number(publish.payload.toString().slice(1));
        assert.equal(publish.dup, false);
        ids.set(i, publish.messageId!);
        if (complete(i) || (i === 1 && c.qos === 2)) {
          raw.send({ cmd: c.qos === 1 ? 'puback' : 'pubrec', messageId: publish.messageId! });
          if (c.qos === 2) awaitingPubrel.add(publish.messageId!);
        }
      }
      // The broker has handled every answer above (its PINGRESP comes after them).
      raw.send({ cmd: 'pingreq' });
      await raw.next('pingresp');
      assert.deepEqual(raw.pending(), [], `${c.clientId}: nothing past its window`);
      sent.push(ids);
      subs.push(raw);
    }
    // In the MQTT 5 runs, m8 could not take the packet ID its position gives (the in-flight
    // table's slot for it was held by m0): so the restart below covers IDs of both kinds.
    assert.notEqual(sent[0].get(8), 9);
    assert.equal(sent[2].get(8), 9);

    assert.equal(await first.stop('SIGKILL'), null);
    for (const raw of subs) raw.close();
    const second = await startBroker(dataDir, port);
    try {
      for (const [n, c] of cases.entries()) {
        const { raw, connack } = await connect(c);
        assert.equal(connack.sessionPresent, true);
        const marker = await connectClient(port, { clientId: `bk-marker-${n}` });
        await marker.publishAsync(`bk/${c.qos}`, 'end', { qos: c.qos });
        await marker.endAsync();
        // Answered in full now, so the window keeps moving.
        const seen: Packet[] = [];
        for (;;) {
          const p = await raw.next(undefined, 10_000);
          seen.push(p);
          if (p.cmd === 'pubrel') raw.send({ cmd: 'pubcomp', messageId: p.messageId! });
          if (p.cmd !== 'publish') continue;
          raw.send({ cmd: c.qos === 1 ? 'puback' : 'pubrec', messageId: p.messageId! });
          if (p.payload.toString() === 'end') break;
        }
        const ids = sent[n];
        const released = c.qos === 2 ? [1] : [];
        const inflight = [...ids.keys()].filter((i) => !complete(i) && !released.includes(i));
        const neverSent = Array.from({ length: BACKLOG }, (_, i) => i).filter((i) => !ids.has(i));
        assert.deepEqual(
          seen.filter((p) => p.cmd === 'pubrel' && released.map((i) => ids.get(i)).includes(p.messageId)).map((p) => p.messageId),
          released.map((i) => ids.get(i)),
          `${c.clientId}: the PUBREC'd delivery resumes with PUBREL`,
        );
        const publishes = seen.filter((p): p is IPublishPacket => p.cmd === 'publish');
        assert.deepEqual(
          publishes.slice(0, -1).map((p) => [p.payload.toString(), p.dup, ...(p.dup ? [p.messageId] : [])]),
          [...inflight.map((i) => [`m${i}`, true, ids.get(i)]), ...neverSent.map((i) => [`m${i}`, false])],
          `${c.clientId}: in flight again under the same IDs with DUP, then the rest once`,
        );
      }
    } finally {
      assert.equal(await second.stop('SIGTERM'), 0);
    }
  });
});
