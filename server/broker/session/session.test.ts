/** Sessions as clients see them: clean vs persistent, takeover, redelivery, exactly-once, expiry, bounded queues. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate, type IConnackPacket, type IDisconnectPacket, type IPublishPacket, type IPubrelPacket } from 'mqtt-packet';
import { connectClient, eventually, inboxOf, RawClient, roundTrip, startBroker, withTimeout, type TestBroker } from '../testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ instance: { settings: { maxQueuedMessages: 3, offlineStoreLimit: 5 } } });
});
after(() => tb.close());

const instance = () => tb.broker.instance('default')!;

/** A raw 3.1.1 client with a persistent session, subscribed to `topic` (SUBACK received). */
async function persistentSubscriber(clientId: string, topic: string, qos: 1 | 2 = 1): Promise<RawClient> {
  const sub = await RawClient.connect(tb.port);
  await sub.handshake({ clientId, clean: false });
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] });
  await sub.next('suback');
  return sub;
}

describe('clean and persistent sessions (3.1.1)', () => {
  it('keeps QoS 1/2 messages for an offline persistent client, not QoS 0', async () => {
    const sub = await connectClient(tb.port, { clientId: 'per-1', clean: false });
    await sub.subscribeAsync('per/1', { qos: 2 });
    await sub.endAsync();
    const pub = await connectClient(tb.port, { clientId: 'per-1-pub' });
    for (const q of [0, 1, 2] as const) await pub.publishAsync('per/1', `q${q}`, { qos: q });
    await pub.endAsync();

    const again = await connectClient(tb.port, { clientId: 'per-1', clean: false, resubscribe: false });
    const inbox = inboxOf(again);
    const got = await inbox.waitFor(2);
    await roundTrip(again);
    assert.deepEqual(
      got.map((m) => [m.payload.toString(), m.packet.qos]),
      [
        ['q1', 1],
        ['q2', 2],
      ],
    );
    await again.endAsync();
  });

  it('reports sessionPresent and keeps subscriptions without resubscribing', async () => {
    const raw = await RawClient.connect(tb.port);
    let ack = (await raw.handshake({ clientId: 'per-2', clean: false })) as IConnackPacket;
    assert.equal(ack.sessionPresent, false);
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'per/2', qos: 1 }] });
    await raw.next('suback');
    raw.send({ cmd: 'disconnect' });
    await raw.waitClose();

    const again = await RawClient.connect(tb.port);
    ack = (await again.handshake({ clientId: 'per-2', clean: false })) as IConnackPacket;
    assert.equal(ack.sessionPresent, true);
    const pub = await connectClient(tb.port, { clientId: 'per-2-pub' });
    await pub.publishAsync('per/2', 'still subscribed', { qos: 1 });
    const p = (await again.next('publish')) as IPublishPacket;
    assert.equal(p.payload.toString(), 'still subscribed');
    again.close();
    await pub.endAsync();
  });

  it('discards the session on clean session', async () => {
    const sub = await connectClient(tb.port, { clientId: 'per-3', clean: false });
    await sub.subscribeAsync('per/3', { qos: 1 });
    await sub.endAsync();
    const raw = await RawClient.connect(tb.port);
    const ack = (await raw.handshake({ clientId: 'per-3', clean: true })) as IConnackPacket;
    assert.equal(ack.sessionPresent, false);
    raw.send({ cmd: 'disconnect' });
    await raw.waitClose();
    const raw2 = await RawClient.connect(tb.port);
    const ack2 = (await raw2.handshake({ clientId: 'per-3', clean: false })) as IConnackPacket;
    assert.equal(ack2.sessionPresent, false);
    raw2.close();
  });
});

describe('takeover', () => {
  it('closes the older connection with the same client ID (3.1.1)', async () => {
    const first = await connectClient(tb.port, { clientId: 'dup-id' });
    const closed = new Promise<void>((r) => first.once('close', () => r()));
    const second = await connectClient(tb.port, { clientId: 'dup-id' });
    await withTimeout(closed, 3000, 'first connection closed');
    await second.publishAsync('x', 'y', { qos: 1 });
    assert.equal(second.connected, true);
    await second.endAsync();
  });

  it('sends DISCONNECT 0x8E to an MQTT 5 client that is taken over', async () => {
    const first = await RawClient.connect(tb.port, 5);
    await first.handshake({ clientId: 'dup-5' });
    const second = await RawClient.connect(tb.port, 5);
    await second.handshake({ clientId: 'dup-5' });
    const d = (await first.next('disconnect')) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x8e);
    await first.waitClose();
    second.close();
  });

  it('hands a persistent session with its subscriptions to the new connection', async () => {
    const first = await persistentSubscriber('dup-p', 'dup/p');
    const second = await RawClient.connect(tb.port);
    const ack = (await second.handshake({ clientId: 'dup-p', clean: false })) as IConnackPacket;
    assert.equal(ack.sessionPresent, true);
    await first.waitClose();
    const pub = await connectClient(tb.port, { clientId: 'dup-p-pub' });
    await pub.publishAsync('dup/p', 'to the new one', { qos: 1 });
    const p = (await second.next('publish')) as IPublishPacket;
    assert.equal(p.payload.toString(), 'to the new one');
    second.close();
    await pub.endAsync();
  });
});

describe('redelivery and exactly-once', () => {
  it('resends an unacknowledged QoS 1 message with DUP and the same packet ID after reconnect', async () => {
    const sub = await persistentSubscriber('redo-1', 'redo/1');
    const pub = await connectClient(tb.port, { clientId: 'redo-1-pub' });
    await pub.publishAsync('redo/1', 'm', { qos: 1 });
    const first = (await sub.next('publish')) as IPublishPacket;
    assert.equal(first.dup, false);
    sub.close(); // no PUBACK

    const again = await RawClient.connect(tb.port);
    await again.handshake({ clientId: 'redo-1', clean: false });
    const resent = (await again.next('publish')) as IPublishPacket;
    assert.equal(resent.dup, true);
    assert.equal(resent.messageId, first.messageId);
    assert.equal(resent.payload.toString(), 'm');
    again.send({ cmd: 'puback', messageId: resent.messageId });
    again.send({ cmd: 'disconnect' });
    await again.waitClose();

    // Acknowledged: not sent a third time.
    const third = await RawClient.connect(tb.port);
    await third.handshake({ clientId: 'redo-1', clean: false });
    third.send({ cmd: 'pingreq' });
    await third.next('pingresp');
    assert.equal(third.pending().filter((p) => p.cmd === 'publish').length, 0);
    third.close();
    await pub.endAsync();
  });

  it('keeps many unacknowledged messages under packet IDs of their own and resends those left, in order, after reconnect', async () => {
    const sub = await persistentSubscriber('redo-many', 'redo/many');
    const pub = await connectClient(tb.port, { clientId: 'redo-many-pub' });
    const receive = async (from: number, to: number): Promise<Map<string, number>> => {
      for (let i = from; i < to; i++) await pub.publishAsync('redo/many', `m${i}`, { qos: 1 });
      const got = new Map<string, number>();
      for (let i = from; i < to; i++) {
        const p = (await sub.next('publish')) as IPublishPacket;
        got.set(p.payload.toString(), p.messageId!);
      }
      return got;
    };

    const first = await receive(0, 40);
    assert.deepEqual([...first.keys()], Array.from({ length: 40 }, (_, i) => `m${i}`), 'delivered in order');
    assert.equal(new Set(first.values()).size, 40, 'one packet ID per unacknowledged message');
    // Acknowledge every third one; the others stay in flight.
    for (let i = 0; i < 40; i += 3) sub.send({ cmd: 'puback', messageId: first.get(`m${i}`)! });
    const stillInFlight = new Set([...first].filter(([payload]) => Number(payload.slice(1)) % 3 !== 0).map(([, id]) => id));
    const second = await receive(40, 60);
    for (const id of second.values()) assert.ok(!stillInFlight.has(id), `packet ID ${id} is still in flight and must not be reused`);
    assert.equal(new Set(second.values()).size, 20);
    sub.close();

    const again = await RawClient.connect(tb.port);
    await again.handshake({ clientId: 'redo-many', clean: false });
    const expected = [...first, ...second].filter(([payload]) => Number(payload.slice(1)) >= 40 || Number(payload.slice(1)) % 3 !== 0);
    const resent: [string, number][] = [];
    for (let i = 0; i < expected.length; i++) {
      const p = (await again.next('publish')) as IPublishPacket;
      assert.equal(p.dup, true);
      resent.push([p.payload.toString(), p.messageId!]);
    }
    assert.deepEqual(resent, expected, 'the unacknowledged ones, in the order first sent, under their packet IDs');
    for (const [, id] of resent) again.send({ cmd: 'puback', messageId: id });
    again.send({ cmd: 'disconnect' });
    await again.waitClose();
    await pub.endAsync();
  });

  it('outgoing QoS 2: resends PUBLISH (DUP) before PUBREC, only PUBREL after it', async () => {
    const sub = await persistentSubscriber('redo-2', 'redo/2', 2);
    const pub = await connectClient(tb.port, { clientId: 'redo-2-pub' });
    await pub.publishAsync('redo/2', 'once', { qos: 2 });
    const p1 = (await sub.next('publish')) as IPublishPacket;
    sub.close();

    const s2 = await RawClient.connect(tb.port);
    await s2.handshake({ clientId: 'redo-2', clean: false });
    const p2 = (await s2.next('publish')) as IPublishPacket;
    assert.equal(p2.dup, true);
    assert.equal(p2.messageId, p1.messageId);
    s2.send({ cmd: 'pubrec', messageId: p2.messageId! });
    const rel = (await s2.next('pubrel')) as IPubrelPacket;
    assert.equal(rel.messageId, p2.messageId);
    s2.close(); // no PUBCOMP

    const s3 = await RawClient.connect(tb.port);
    await s3.handshake({ clientId: 'redo-2', clean: false });
    const rel2 = (await s3.next('pubrel')) as IPubrelPacket;
    assert.equal(rel2.messageId, p1.messageId);
    s3.send({ cmd: 'pubcomp', messageId: rel2.messageId! });
    s3.send({ cmd: 'pingreq' });
    await s3.next('pingresp');
    assert.equal(s3.pending().filter((p) => p.cmd === 'publish').length, 0);
    s3.close();
    await pub.endAsync();
  });

  it('incoming QoS 2: a PUBLISH resent after reconnect is delivered only once', async () => {
    const sub = await connectClient(tb.port, { clientId: 'eo-sub' });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('eo/t', { qos: 2 });

    const pub = await RawClient.connect(tb.port);
    await pub.handshake({ clientId: 'eo-pub', clean: false });
    pub.send({ cmd: 'publish', topic: 'eo/t', payload: Buffer.from('x'), qos: 2, messageId: 7, dup: false, retain: false });
    await pub.next('pubrec');
    pub.close(); // before PUBREL

    const pub2 = await RawClient.connect(tb.port);
    await pub2.handshake({ clientId: 'eo-pub', clean: false });
    pub2.send({ cmd: 'publish', topic: 'eo/t', payload: Buffer.from('x'), qos: 2, messageId: 7, dup: true, retain: false });
    await pub2.next('pubrec');
    pub2.send({ cmd: 'pubrel', messageId: 7 });
    await pub2.next('pubcomp');
    // After PUBREL the id is free: the same id is a new message.
    pub2.send({ cmd: 'publish', topic: 'eo/t', payload: Buffer.from('y'), qos: 2, messageId: 7, dup: false, retain: false });
    await pub2.next('pubrec');
    pub2.send({ cmd: 'pubrel', messageId: 7 });
    await pub2.next('pubcomp');

    await inbox.waitFor(2);
    await roundTrip(sub);
    assert.deepEqual(
      inbox.messages.filter((m) => m.topic === 'eo/t').map((m) => m.payload.toString()),
      ['x', 'y'],
    );
    pub2.close();
    await sub.endAsync();
  });
});

describe('bounded queues', () => {
  it('drops QoS 0 behind a full window beyond the queue limit, counts it, and keeps QoS 1', async () => {
    const sub = await RawClient.slowSubscriber(tb.port, 'slow', 'slow/t');
    const dropped0 = instance().stats.dropped;
    const pub = await connectClient(tb.port, { clientId: 'slow-pub' });
    await pub.publishAsync('slow/t', 'a', { qos: 1 }); // in flight
    await pub.publishAsync('slow/t', 'b', { qos: 1 }); // queued: window is 1
    for (let i = 0; i < 5; i++) await pub.publishAsync('slow/t', `z${i}`, { qos: 0 }); // queue limit 3
    await pub.publishAsync('slow/barrier', '', { qos: 1 }); // the QoS 0 ones have been routed
    const a = (await sub.next('publish')) as IPublishPacket;
    assert.equal(a.payload.toString(), 'a');
    assert.equal(instance().stats.dropped - dropped0, 3); // b, z0, z1 queued; z2..z4 dropped
    sub.send({ cmd: 'puback', messageId: a.messageId! });
    const rest: string[] = [];
    for (let i = 0; i < 3; i++) rest.push(((await sub.next('publish')) as IPublishPacket).payload.toString());
    assert.deepEqual(rest, ['b', 'z0', 'z1']);
    sub.close();
    await pub.endAsync();
  });

  it('bounds the offline store (offlineStoreLimit 5 here): the oldest is dropped and counted', async () => {
    const sub = await connectClient(tb.port, { clientId: 'offline-full', clean: false });
    await sub.subscribeAsync('full/t', { qos: 1 });
    await sub.endAsync();
    const dropped0 = instance().stats.dropped;
    const offlineDropped0 = instance().stats.offlineDropped;
    const pub = await connectClient(tb.port, { clientId: 'offline-full-pub' });
    for (let i = 0; i < 8; i++) await pub.publishAsync('full/t', String(i), { qos: 1 });
    assert.equal(instance().stats.dropped - dropped0, 3);
    assert.equal(instance().stats.offlineDropped - offlineDropped0, 3);
    assert.equal(instance().stats.offlineQueued, 5);
    const again = await connectClient(tb.port, { clientId: 'offline-full', clean: false, resubscribe: false });
    const inbox = inboxOf(again);
    await inbox.waitFor(5);
    assert.deepEqual(
      inbox.messages.map((m) => m.payload.toString()),
      ['3', '4', '5', '6', '7'],
    );
    await again.endAsync();
    await pub.endAsync();
  });
});

describe('memory of waiting messages', () => {
  it('a retained or queued message keeps only its own bytes, not the read buffer it arrived in', async () => {
    const sub = await connectClient(tb.port, { clientId: 'compact-sub', clean: false });
    await sub.subscribeAsync('compact/q', { qos: 1 });
    await sub.endAsync();
    // One TCP write: the broker reads every PUBLISH (and the padding) into one buffer.
    const pub = await RawClient.connect(tb.port);
    await pub.handshake({ clientId: 'compact-pub' });
    const frames = [
      generate({ cmd: 'publish', topic: 'compact/q', payload: Buffer.from('queued'), qos: 1, messageId: 1, dup: false, retain: false }),
      generate({ cmd: 'publish', topic: 'compact/r', payload: Buffer.from('kept'), qos: 0, dup: false, retain: true }),
      generate({ cmd: 'publish', topic: 'compact/pad', payload: Buffer.alloc(30_000, 1), qos: 0, dup: false, retain: false }),
    ];
    pub.sendRaw(Buffer.concat(frames));
    await pub.next('puback');
    const retained = instance().retained.get('compact/r')!;
    assert.equal(retained.payload.toString(), 'kept');
    assert.equal(retained.payload.buffer.byteLength, retained.payload.byteLength);
    // The session queue is private: read it the way the debugger would.
    const queue = (instance().sessions.get('compact-sub') as unknown as { queue: Iterable<{ message: { payload: Buffer } }> }).queue;
    const queued = [...queue].map((e) => e.message.payload);
    assert.deepEqual(queued.map((p) => p.toString()), ['queued']);
    assert.equal(queued[0].buffer.byteLength, queued[0].byteLength);
    pub.close();
    const again = await connectClient(tb.port, { clientId: 'compact-sub', clean: false, resubscribe: false });
    assert.equal((await inboxOf(again).waitFor(1))[0].payload.toString(), 'queued');
    await again.endAsync();
  });
});

describe('memory of waiting messages (online)', () => {
  it('a client that stops taking messages keeps what joins its queue later, and what it has in flight, in bytes of its own', async () => {
    // The first message stays in flight, the rest queue.
    const sub = await RawClient.slowSubscriber(tb.port, 'stuck-sub', 'stuck/q');
    const pub = await RawClient.connect(tb.port);
    await pub.handshake({ clientId: 'stuck-pub' });
    const publish = async (text: string, id: number) => {
      pub.send({ cmd: 'publish', topic: 'stuck/q', payload: Buffer.from(text), qos: 1, messageId: id, dup: false, retain: false });
      await pub.next('puback');
    };
    await publish('m1', 1);
    await publish('m2', 2);
    // The session's state is private: read it the way the debugger would.
    const session = instance().sessions.get('stuck-sub') as unknown as {
      queue: Iterable<{ message: { payload: Buffer } }>;
      inflight: { inOrder(): { message: { payload: Buffer } }[] };
    };
    const inflightPayload = () => session.inflight.inOrder()[0].message.payload;
    assert.equal(inflightPayload().toString(), 'm1');
    assert.notEqual(inflightPayload().buffer.byteLength, inflightPayload().byteLength, 'in flight for a moment: a view of the read');
    await new Promise((r) => setTimeout(r, 1100)); // the queue's oldest entry has now waited over a second
    await publish('m3', 3);
    const queued = [...session.queue].map((e) => e.message.payload);
    assert.deepEqual(queued.map((p) => p.toString()), ['m2', 'm3']);
    assert.equal(queued[1].buffer.byteLength, queued[1].byteLength, 'm3 no longer shares a read buffer');
    assert.equal(inflightPayload().toString(), 'm1');
    assert.equal(inflightPayload().buffer.byteLength, inflightPayload().byteLength, 'nor does m1, in flight all along');

    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = (await sub.next('publish')) as IPublishPacket;
      got.push(p.payload.toString());
      sub.send({ cmd: 'puback', messageId: p.messageId });
    }
    assert.deepEqual(got, ['m1', 'm2', 'm3']);
    sub.close();
    pub.close();
  });
});

describe('session expiry (MQTT 5)', () => {
  it('keeps the session for the expiry interval, then forgets it', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'exp-1', clean: true, properties: { sessionExpiryInterval: 1 } });
    c.send({ cmd: 'disconnect', reasonCode: 0 });
    await c.waitClose();
    await eventually(() => instance().sessions.get('exp-1')?.link === null, 'exp-1 detached');

    const soon = await RawClient.connect(tb.port, 5);
    const ack = (await soon.handshake({ clientId: 'exp-1', clean: false, properties: { sessionExpiryInterval: 1 } })) as IConnackPacket;
    assert.equal(ack.sessionPresent, true);
    soon.send({ cmd: 'disconnect', reasonCode: 0 });
    await soon.waitClose();

    await eventually(() => !instance().sessions.has('exp-1'), 'session exp-1 expired');
    const late = await RawClient.connect(tb.port, 5);
    const ack2 = (await late.handshake({ clientId: 'exp-1', clean: false })) as IConnackPacket;
    assert.equal(ack2.sessionPresent, false);
    late.close();
  });

  it('ends a session with expiry 0 at disconnect, and may not raise it at DISCONNECT', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'exp-0', clean: false });
    c.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    const d = (await c.next('disconnect')) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x82);
    await c.waitClose();
    await eventually(() => !instance().sessions.has('exp-0'), 'session exp-0 ended');
  });

  it('DISCONNECT can shorten the expiry to 0', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'exp-s', clean: true, properties: { sessionExpiryInterval: 600 } });
    c.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await c.waitClose();
    await eventually(() => !instance().sessions.has('exp-s'), 'session exp-s ended');
  });
});
