/**
 * The instance limits (PRODUCT.md §1, §4), which apply in every mode: connections,
 * subscriptions per client and per instance, topic length and payload size. Refusals are
 * explicit (CONNACK / SUBACK / PUBACK codes, or a closed connection in 3.1.1), never silent.
 * Most run on an open-mode instance (no credentials needed); one on a signature instance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IConnackPacket, IPubackPacket, ISubackPacket } from 'mqtt-packet';
import type { Connection } from '../protocol/connection';
import { connectClient, eventually, inboxOf, RawClient } from '../testing/helpers';
import { PUBLISH_OVERHEAD_BYTES } from '../settings';
import { addAccessKey, addTopicAndGroup, signatureLogin, startProductBroker, type ProductBroker } from './testing/product-broker';

let pb: ProductBroker;

before(async () => {
  pb = await startProductBroker({ openMode: true });
});
after(() => pb.close());

const instance = () => pb.broker.instance(pb.instanceId)!;

function connectionOf(clientId: string): Connection {
  const conn = [...instance().connections].find((c) => c.clientId === clientId);
  assert.ok(conn, `no connection for ${clientId}`);
  return conn;
}

async function raw(version: 4 | 5, clientId: string): Promise<{ c: RawClient; code: number }> {
  const c = await RawClient.connect(pb.port, version);
  const ack = (await c.handshake({ clientId })) as IConnackPacket;
  return { c, code: version === 5 ? ack.reasonCode! : ack.returnCode! };
}

describe('maxConnections', () => {
  it('refuses connections beyond the limit with CONNACK 3 / 0x97 (quota exceeded); a takeover of a client ID still works', async () => {
    pb.setInstance({ maxConnections: 2 });
    try {
      const a = await raw(4, 'a');
      const b = await raw(5, 'b');
      assert.deepEqual([a.code, b.code], [0, 0]);
      const c4 = await raw(4, 'c');
      assert.equal(c4.code, 3);
      await c4.c.waitClose();
      const c5 = await raw(5, 'c');
      assert.equal(c5.code, 0x97);
      await c5.c.waitClose();
      // The same client ID again replaces a connection: no extra one.
      const again = await raw(4, 'a');
      assert.equal(again.code, 0);
      await a.c.waitClose();
      // A free slot is usable again.
      b.c.close();
      await eventually(() => instance().connectedCount === 1, 'b gone');
      const d = await raw(4, 'd');
      assert.equal(d.code, 0);
      for (const x of [again, d]) x.c.close();
    } finally {
      pb.setInstance({ maxConnections: 1000 });
    }
    await eventually(() => instance().connectedCount === 0, 'all gone');
  });
});

describe('subscription limits', () => {
  it('per client: the extra filters of a SUBSCRIBE are refused (0x80 in 3.1.1, 0x97 in MQTT 5); re-subscribing an existing filter is fine', async () => {
    pb.setInstance({ maxSubscriptionsPerClient: 2 });
    try {
      for (const [version, refused] of [
        [4, 0x80],
        [5, 0x97],
      ] as const) {
        const { c } = await raw(version, `per-client-${version}`);
        c.send({ cmd: 'subscribe', messageId: 1, subscriptions: ['a', 'b', 'c'].map((topic) => ({ topic, qos: 1 as const })) });
        assert.deepEqual(((await c.next('suback')) as ISubackPacket).granted, [1, 1, refused]);
        c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a', qos: 0 }] });
        assert.deepEqual(((await c.next('suback')) as ISubackPacket).granted, [0]);
        c.close();
      }
    } finally {
      pb.setInstance({ maxSubscriptionsPerClient: 30 });
    }
  });

  it('per instance: subscriptions of all clients together, shared ones counted per member', async () => {
    await eventually(() => instance().router.size === 0, 'earlier subscriptions gone');
    pb.setInstance({ maxSubscriptions: 3 });
    try {
      const { c: one } = await raw(5, 'inst-1');
      one.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/1', qos: 1 }, { topic: '$share/g/x/s', qos: 1 }] });
      assert.deepEqual(((await one.next('suback')) as ISubackPacket).granted, [1, 1]);
      const { c: two } = await raw(4, 'inst-2');
      two.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/x/s', qos: 1 }, { topic: 'x/2', qos: 1 }] });
      assert.deepEqual(((await two.next('suback')) as ISubackPacket).granted, [1, 0x80]);
      one.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'x/3', qos: 1 }] });
      assert.deepEqual(((await one.next('suback')) as ISubackPacket).granted, [0x97]);
      // Unsubscribing frees a place.
      one.send({ cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['x/1'] });
      await one.next('unsuback');
      one.send({ cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'x/3', qos: 1 }] });
      assert.deepEqual(((await one.next('suback')) as ISubackPacket).granted, [1]);
      one.close();
      two.close();
    } finally {
      pb.setInstance({ maxSubscriptions: 10000 });
    }
  });
});

describe('topic length', () => {
  it('a longer topic is refused: MQTT 5 PUBACK 0x90, 3.1.1 closed; a longer filter gets 0x8F / 0x80', async () => {
    pb.setInstance({ maxTopicLength: 10 });
    try {
      const { c: v5 } = await raw(5, 'len5');
      v5.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'abcdefghij', qos: 1 }, { topic: 'abcdefghijk', qos: 1 }] });
      assert.deepEqual(((await v5.next('suback')) as ISubackPacket).granted, [1, 0x8f]);
      v5.send({ cmd: 'publish', topic: 'abcdefghijk', payload: Buffer.from('x'), qos: 1, messageId: 2, dup: false, retain: false });
      assert.equal(((await v5.next('puback')) as IPubackPacket).reasonCode, 0x90);
      v5.send({ cmd: 'publish', topic: 'abcdefghij', payload: Buffer.from('x'), qos: 1, messageId: 3, dup: false, retain: false });
      assert.equal(((await v5.next('puback')) as IPubackPacket).reasonCode, 0);
      v5.close();

      const { c: v4 } = await raw(4, 'len4');
      v4.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'abcdefghijk', qos: 1 }] });
      assert.deepEqual(((await v4.next('suback')) as ISubackPacket).granted, [0x80]);
      const conn = connectionOf('len4');
      v4.send({ cmd: 'publish', topic: 'abcdefghijk', payload: Buffer.from('x'), qos: 1, messageId: 2, dup: false, retain: false });
      await v4.waitClose();
      assert.equal(conn.endReason, 'invalid param');
    } finally {
      pb.setInstance({ maxTopicLength: 64 });
    }
  });
});

describe('payload size', () => {
  it('a larger payload is refused and reaches nobody: MQTT 5 QoS 1 PUBACK 0x97, QoS 0 DISCONNECT 0x95, 3.1.1 closed', async () => {
    pb.setInstance({ maxPayloadBytes: 100 });
    try {
      const watcher = await connectClient(pb.port, { clientId: 'size-watch' });
      await watcher.subscribeAsync('size/#', { qos: 1 });

      const { c: v5 } = await raw(5, 'size5');
      v5.send({ cmd: 'publish', topic: 'size/big', payload: Buffer.alloc(101), qos: 1, messageId: 1, dup: false, retain: false });
      assert.equal(((await v5.next('puback')) as IPubackPacket).reasonCode, 0x97);
      v5.send({ cmd: 'publish', topic: 'size/ok', payload: Buffer.alloc(100), qos: 1, messageId: 2, dup: false, retain: false });
      assert.equal(((await v5.next('puback')) as IPubackPacket).reasonCode, 0);
      const conn5 = connectionOf('size5');
      v5.send({ cmd: 'publish', topic: 'size/big', payload: Buffer.alloc(101), qos: 0, dup: false, retain: false });
      const disconnect = await v5.next('disconnect');
      assert.equal((disconnect as { reasonCode?: number }).reasonCode, 0x95);
      await v5.waitClose();
      assert.equal(conn5.endReason, 'quota exceeded');

      const { c: v4 } = await raw(4, 'size4');
      const conn4 = connectionOf('size4');
      v4.send({ cmd: 'publish', topic: 'size/big', payload: Buffer.alloc(101), qos: 1, messageId: 1, dup: false, retain: false });
      await v4.waitClose();
      assert.equal(conn4.endReason, 'quota exceeded');

      const received = await inboxOf(watcher).waitFor(1);
      await watcher.publishAsync('size/end', 'e', { qos: 1 });
      await inboxOf(watcher).waitFor(2);
      assert.deepEqual(
        received.map((m) => m.topic),
        ['size/ok', 'size/end'],
      );
      await watcher.endAsync();
    } finally {
      pb.setInstance({ maxPayloadBytes: 65536 });
    }
  });
});

describe('payload size and packet size', () => {
  it('the packet limit follows the payload limit: at 1 MB a payload of exactly 1 MB arrives, one byte more gets PUBACK 0x97, only a packet beyond limit + room is a packet-size disconnect', async () => {
    const limit = 1024 * 1024;
    pb.setInstance({ maxPayloadBytes: limit });
    try {
      const watcher = await connectClient(pb.port, { protocolVersion: 5, clientId: 'big-watch' });
      await watcher.subscribeAsync('big/#', { qos: 1 });

      const c = await RawClient.connect(pb.port, 5);
      const ack = (await c.handshake({ clientId: 'big5' })) as IConnackPacket;
      assert.equal(ack.properties?.maximumPacketSize, limit + PUBLISH_OVERHEAD_BYTES, 'CONNACK advertises the payload limit plus room');
      const publish = (topic: string, size: number, messageId: number) =>
        c.send({ cmd: 'publish', topic, payload: Buffer.alloc(size, 7), qos: 1, messageId, dup: false, retain: false });
      publish('big/at-limit', limit, 1);
      assert.equal(((await c.next('puback', 10_000)) as IPubackPacket).reasonCode, 0);
      publish('big/over', limit + 1, 2);
      assert.equal(((await c.next('puback', 10_000)) as IPubackPacket).reasonCode, 0x97, 'refused by the payload limit');
      publish('big/after', 1, 3);
      assert.equal(((await c.next('puback')) as IPubackPacket).reasonCode, 0, 'the connection stays');

      // A 3.1.1 client (MQTT.js) delivers a payload at the limit too.
      const v4 = await connectClient(pb.port, { clientId: 'big4' });
      await v4.publishAsync('big/v4', Buffer.alloc(limit, 4), { qos: 1 });

      const got = await inboxOf(watcher).waitFor(3, 10_000);
      assert.deepEqual(
        got.map((m) => `${m.topic} ${m.payload.length}`),
        [`big/at-limit ${limit}`, 'big/after 1', `big/v4 ${limit}`],
      );

      // Beyond the packet limit the framer refuses before buffering: DISCONNECT 0x95.
      publish('big/huge', limit + PUBLISH_OVERHEAD_BYTES, 4);
      assert.equal(((await c.next('disconnect', 10_000)) as { reasonCode?: number }).reasonCode, 0x95);
      await c.waitClose();
      await Promise.all([watcher.endAsync(), v4.endAsync()]);
    } finally {
      pb.setInstance({ maxPayloadBytes: 65536 });
    }
  });

  it('a small payload limit lowers the packet limit with it', async () => {
    pb.setInstance({ maxPayloadBytes: 1024 });
    try {
      const c = await RawClient.connect(pb.port, 5);
      const ack = (await c.handshake({ clientId: 'small5' })) as IConnackPacket;
      assert.equal(ack.properties?.maximumPacketSize, 1024 + PUBLISH_OVERHEAD_BYTES);
      c.send({ cmd: 'publish', topic: 'small/x', payload: Buffer.alloc(1025), qos: 1, messageId: 1, dup: false, retain: false });
      assert.equal(((await c.next('puback')) as IPubackPacket).reasonCode, 0x97);
      c.send({ cmd: 'publish', topic: 'small/x', payload: Buffer.alloc(1024 + PUBLISH_OVERHEAD_BYTES), qos: 1, messageId: 2, dup: false, retain: false });
      assert.equal(((await c.next('disconnect')) as { reasonCode?: number }).reasonCode, 0x95);
      await c.waitClose();
    } finally {
      pb.setInstance({ maxPayloadBytes: 65536 });
    }
  });
});

describe('wills', () => {
  it('a will beyond the payload or topic limit is refused at CONNECT (payload: 3 / 0x95; topic: closed / 0x90)', async () => {
    pb.setInstance({ maxPayloadBytes: 100, maxTopicLength: 10 });
    try {
      const big = { topic: 'will/t', payload: Buffer.alloc(101), qos: 1 as const, retain: false };
      const long = { topic: 'will/abcdefg', payload: Buffer.from('x'), qos: 1 as const, retain: false };
      for (const [version, will, expected] of [
        [4, big, 3],
        [5, big, 0x95],
        [5, long, 0x90],
      ] as const) {
        const c = await RawClient.connect(pb.port, version);
        const ack = (await c.handshake({ clientId: `will-${version}`, will })) as IConnackPacket;
        assert.equal(version === 5 ? ack.reasonCode : ack.returnCode, expected);
        await c.waitClose();
      }
      const c = await RawClient.connect(pb.port, 4);
      c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'will-long-4', keepalive: 0, will: long });
      await c.waitClose();
      assert.deepEqual(c.pending(), []); // 3.1.1 has no code for it: closed without CONNACK
    } finally {
      pb.setInstance({ maxPayloadBytes: 65536, maxTopicLength: 64 });
    }
  });
});

describe('limits on an instance with authentication', () => {
  it('the same limits apply to signature clients', async () => {
    pb.setInstance({ openMode: false, maxSubscriptionsPerClient: 1 });
    try {
      addTopicAndGroup(pb, 'Limited', 'GID_lim');
      const key = addAccessKey(pb);
      const id = 'GID_lim@@@one';
      const c = await RawClient.connect(pb.port, 5);
      const login = signatureLogin(key.id, key.secret, pb.instanceId, id);
      assert.equal(((await c.handshake({ clientId: id, username: login.username, password: Buffer.from(login.password) })) as IConnackPacket).reasonCode, 0);
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'Limited/a', qos: 1 }, { topic: 'Limited/b', qos: 1 }] });
      assert.deepEqual(((await c.next('suback')) as ISubackPacket).granted, [1, 0x97]);
      c.close();
    } finally {
      pb.setInstance({ openMode: true, maxSubscriptionsPerClient: 30 });
    }
  });
});
