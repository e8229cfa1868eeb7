/** MQTT 5.0 features as a client sees them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IDisconnectPacket, IPubackPacket, IPublishPacket, ISubackPacket, IUnsubackPacket } from 'mqtt-packet';
import { connectClient, inboxOf, RawClient, roundTrip, startBroker, type TestBroker } from './testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ instance: { settings: { receiveMaximum: 2 } } });
});
after(() => tb.close());

const v5 = { protocolVersion: 5 as const };

async function rawSubscriber(clientId: string, filter: string, connect: object = {}, options: object = {}): Promise<RawClient> {
  const c = await RawClient.connect(tb.port, 5);
  await c.handshake({ clientId, ...connect });
  c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1, ...options }] });
  await c.next('suback');
  return c;
}

describe('properties pass through', () => {
  it('delivers user properties, response topic, correlation data, content type and payload format intact', async () => {
    const sub = await connectClient(tb.port, { clientId: 'pp-sub', ...v5 });
    await sub.subscribeAsync('pp/t', { qos: 1 });
    const pub = await connectClient(tb.port, { clientId: 'pp-pub', ...v5 });
    const properties = {
      userProperties: { a: '1', multi: ['x', 'y'] },
      responseTopic: 'pp/reply',
      correlationData: Buffer.from([0, 1, 2, 255]),
      contentType: 'text/plain; charset=utf-8',
      payloadFormatIndicator: true,
    };
    await pub.publishAsync('pp/t', 'héllo', { qos: 1, properties });
    const [m] = await inboxOf(sub).waitFor(1);
    const p = m.packet.properties!;
    assert.equal(m.payload.toString(), 'héllo');
    assert.deepEqual({ ...p.userProperties }, properties.userProperties);
    assert.equal(p.responseTopic, 'pp/reply');
    assert.deepEqual(p.correlationData, properties.correlationData);
    assert.equal(p.contentType, properties.contentType);
    assert.equal(p.payloadFormatIndicator, true);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it('refuses a payload that is not the UTF-8 it claims to be (PUBACK 0x99)', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'pfi' });
    c.send({ cmd: 'publish', topic: 'pfi/t', payload: Buffer.from([0xff, 0xfe]), qos: 1, messageId: 1, dup: false, retain: false, properties: { payloadFormatIndicator: true } });
    const ack = (await c.next('puback')) as IPubackPacket;
    assert.equal(ack.reasonCode, 0x99);
    c.close();
  });
});

describe('message expiry', () => {
  it('sends the remaining interval, and drops messages that expired while queued', async () => {
    const sub = await connectClient(tb.port, { clientId: 'exp-sub', clean: false, properties: { sessionExpiryInterval: 60 }, ...v5 });
    await sub.subscribeAsync('exp/t', { qos: 1 });
    const pub = await connectClient(tb.port, { clientId: 'exp-pub', ...v5 });
    await pub.publishAsync('exp/t', 'live', { qos: 1, properties: { messageExpiryInterval: 30 } });
    const [live] = await inboxOf(sub).waitFor(1);
    assert.ok(live.packet.properties!.messageExpiryInterval! <= 30 && live.packet.properties!.messageExpiryInterval! >= 29);
    await sub.endAsync();

    await pub.publishAsync('exp/t', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('exp/t', 'long', { qos: 1, properties: { messageExpiryInterval: 100 } });
    await new Promise((r) => setTimeout(r, 1100)); // let 'short' expire while the subscriber is away
    const again = await connectClient(tb.port, { clientId: 'exp-sub', clean: false, resubscribe: false, properties: { sessionExpiryInterval: 60 }, ...v5 });
    const [m] = await inboxOf(again).waitFor(1);
    await roundTrip(again);
    assert.deepEqual(
      inboxOf(again).messages.map((x) => x.payload.toString()),
      ['long'],
    );
    assert.ok(m.packet.properties!.messageExpiryInterval! < 100);
    await Promise.all([again.endAsync(), pub.endAsync()]);
  });
});

describe('topic alias (client to server)', () => {
  it('maps an alias set by one PUBLISH onto later ones with an empty topic', async () => {
    const sub = await connectClient(tb.port, { clientId: 'ta-sub', ...v5 });
    await sub.subscribeAsync('ta/#', { qos: 1 });
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'ta-pub' });
    const base = { cmd: 'publish' as const, qos: 1 as const, dup: false, retain: false };
    c.send({ ...base, topic: 'ta/long/topic', messageId: 1, payload: Buffer.from('1'), properties: { topicAlias: 1 } });
    c.send({ ...base, topic: '', messageId: 2, payload: Buffer.from('2'), properties: { topicAlias: 1 } });
    c.send({ ...base, topic: 'ta/other', messageId: 3, payload: Buffer.from('3'), properties: { topicAlias: 1 } });
    c.send({ ...base, topic: '', messageId: 4, payload: Buffer.from('4'), properties: { topicAlias: 1 } });
    const got = await inboxOf(sub).waitFor(4);
    assert.deepEqual(
      got.map((m) => [m.topic, m.payload.toString()]),
      [
        ['ta/long/topic', '1'],
        ['ta/long/topic', '2'],
        ['ta/other', '3'],
        ['ta/other', '4'],
      ],
    );
    // The alias is not passed on to subscribers.
    assert.equal(got[1].packet.properties?.topicAlias, undefined);
    c.close();
    await sub.endAsync();
  });
});

describe('topic alias (server to client)', () => {
  it('sends a topic once with an alias, then only the alias, to a client that allows it', async () => {
    const sub = await rawSubscriber('tas-raw', 'tas/#', { properties: { topicAliasMaximum: 1 } });
    const pub = await connectClient(tb.port, { clientId: 'tas-pub', ...v5 });
    for (const t of ['tas/a', 'tas/a', 'tas/b', 'tas/a']) await pub.publishAsync(t, t, { qos: 1 });
    const got: IPublishPacket[] = [];
    for (let i = 0; i < 4; i++) {
      const p = (await sub.next('publish')) as IPublishPacket;
      sub.send({ cmd: 'puback', messageId: p.messageId! });
      got.push(p);
    }
    assert.deepEqual(
      got.map((p) => [p.topic, p.properties?.topicAlias, p.payload.toString()]),
      [
        ['tas/a', 1, 'tas/a'],
        ['', 1, 'tas/a'],
        ['tas/b', 1, 'tas/b'], // the only alias allowed is redefined for the new topic…
        ['tas/a', 1, 'tas/a'], // …and back again
      ],
    );
    sub.close();
    await pub.endAsync();
  });

  it('reuses the least recently used alias once the client’s maximum is reached', async () => {
    const max = 2;
    const sub = await rawSubscriber('tal-raw', 'tal/#', { properties: { topicAliasMaximum: max } });
    const pub = await connectClient(tb.port, { clientId: 'tal-pub', ...v5 });
    const topics = ['tal/1', 'tal/2', 'tal/3', 'tal/1', 'tal/3', 'tal/3', 'tal/2', 'tal/1', 'tal/2', 'tal/4', 'tal/1', 'tal/2'];
    for (const t of topics) await pub.publishAsync(t, t, { qos: 1 });
    const got: IPublishPacket[] = [];
    for (let i = 0; i < topics.length; i++) {
      const p = (await sub.next('publish')) as IPublishPacket;
      sub.send({ cmd: 'puback', messageId: p.messageId! });
      got.push(p);
    }
    // What is on the wire: a topic name (with the alias it defines) or the alias alone.
    assert.deepEqual(
      got.map((p) => [p.topic, p.properties?.topicAlias]),
      [
        ['tal/1', 1], // new: alias 1
        ['tal/2', 2], // new: alias 2, now both are taken
        ['tal/3', 1], // least recently used: tal/1's alias
        ['tal/1', 2], // tal/2's alias (tal/3 was used after it)
        ['', 1], // tal/3
        ['', 1],
        ['tal/2', 2], // tal/1 used alias 2 longer ago than tal/3 used alias 1
        ['tal/1', 1],
        ['', 2], // tal/2
        ['tal/4', 1], // tal/1 is the older
        ['tal/1', 2],
        ['tal/2', 1],
      ],
    );
    // Resolved the way a client must (topic + alias defines it, alias alone uses it), every
    // message is on its own topic, and no alias is above the maximum.
    const table = new Map<number, string>();
    const resolved = got.map((p) => {
      const alias = p.properties?.topicAlias;
      assert.ok(alias !== undefined && alias >= 1 && alias <= max, `alias ${alias}`);
      if (p.topic !== '') table.set(alias, p.topic);
      return table.get(alias);
    });
    assert.deepEqual(resolved, topics);
    assert.deepEqual(
      got.map((p) => p.payload.toString()),
      topics,
    );
    sub.close();
    await pub.endAsync();
  });

  it('never redefines an alias with a PUBLISH that is not sent', async () => {
    // Too large for the client: dropped, so the alias it would have taken still means tbig/a.
    const sub = await rawSubscriber('tal-big', 'tbig/#', { properties: { topicAliasMaximum: 1, maximumPacketSize: 200 } });
    const pub = await connectClient(tb.port, { clientId: 'tbig-pub', ...v5 });
    await pub.publishAsync('tbig/a', 'small', { qos: 1 });
    await pub.publishAsync('tbig/b', Buffer.alloc(500), { qos: 1 });
    await pub.publishAsync('tbig/a', 'again', { qos: 1 });
    const got: IPublishPacket[] = [];
    for (let i = 0; i < 2; i++) {
      const p = (await sub.next('publish')) as IPublishPacket;
      sub.send({ cmd: 'puback', messageId: p.messageId! });
      got.push(p);
    }
    assert.deepEqual(
      got.map((p) => [p.topic, p.properties?.topicAlias, p.payload.toString()]),
      [
        ['tbig/a', 1, 'small'],
        ['', 1, 'again'],
      ],
    );
    sub.close();
    await pub.endAsync();
  });

  it('MQTT.js resolves the aliases back to topics', async () => {
    const sub = await connectClient(tb.port, { clientId: 'tas-js', ...v5, properties: { topicAliasMaximum: 10 } });
    await sub.subscribeAsync('tasj/#', { qos: 1 });
    const pub = await connectClient(tb.port, { clientId: 'tasj-pub', ...v5 });
    for (const t of ['tasj/a', 'tasj/a', 'tasj/b']) await pub.publishAsync(t, t, { qos: 1 });
    const got = await inboxOf(sub).waitFor(3);
    assert.deepEqual(
      got.map((m) => [m.topic, m.payload.toString()]),
      [
        ['tasj/a', 'tasj/a'],
        ['tasj/a', 'tasj/a'],
        ['tasj/b', 'tasj/b'],
      ],
    );
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });
});

describe('flow control', () => {
  it('never has more unacknowledged messages towards a client than its Receive Maximum', async () => {
    const sub = await rawSubscriber('rm-sub', 'rm/t', { properties: { receiveMaximum: 2 } });
    const pub = await connectClient(tb.port, { clientId: 'rm-pub', ...v5 });
    for (let i = 0; i < 5; i++) await pub.publishAsync('rm/t', String(i), { qos: 1 });
    const a = (await sub.next('publish')) as IPublishPacket;
    const b = (await sub.next('publish')) as IPublishPacket;
    sub.send({ cmd: 'pingreq' });
    await sub.next('pingresp');
    assert.equal(sub.pending().filter((p) => p.cmd === 'publish').length, 0);
    sub.send({ cmd: 'puback', messageId: a.messageId! });
    const c = (await sub.next('publish')) as IPublishPacket;
    assert.deepEqual([a, b, c].map((p) => p.payload.toString()), ['0', '1', '2']);
    sub.send({ cmd: 'pingreq' });
    await sub.next('pingresp');
    assert.equal(sub.pending().filter((p) => p.cmd === 'publish').length, 0);
    sub.close();
    await pub.endAsync();
  });

  it('disconnects a client that exceeds our Receive Maximum with 0x93', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'rm-over' });
    for (let id = 1; id <= 3; id++) {
      c.send({ cmd: 'publish', topic: 'rm/over', payload: Buffer.from('x'), qos: 2, messageId: id, dup: false, retain: false });
    }
    const d = (await c.next('disconnect')) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x93);
    await c.waitClose();
  });

  it('does not send a client a packet larger than its Maximum Packet Size', async () => {
    const sub = await rawSubscriber('mps-sub', 'mps/t', { properties: { maximumPacketSize: 64 } });
    const pub = await connectClient(tb.port, { clientId: 'mps-pub', ...v5 });
    await pub.publishAsync('mps/t', Buffer.alloc(200, 1), { qos: 1 });
    await pub.publishAsync('mps/t', 'small', { qos: 1 });
    const p = (await sub.next('publish')) as IPublishPacket;
    assert.equal(p.payload.toString(), 'small');
    sub.close();
    await pub.endAsync();
  });
});

describe('subscription options and identifiers', () => {
  it('no local: a client does not get its own messages on that subscription', async () => {
    const c = await connectClient(tb.port, { clientId: 'nl-self', ...v5 });
    await c.subscribeAsync('nl/t', { qos: 1, nl: true });
    const other = await connectClient(tb.port, { clientId: 'nl-other', ...v5 });
    await c.publishAsync('nl/t', 'mine', { qos: 1 });
    await other.publishAsync('nl/t', 'theirs', { qos: 1 });
    await inboxOf(c).waitFor(1);
    await roundTrip(c);
    assert.deepEqual(
      inboxOf(c).messages.filter((m) => m.topic === 'nl/t').map((m) => m.payload.toString()),
      ['theirs'],
    );
    await Promise.all([c.endAsync(), other.endAsync()]);
  });

  it('retain as published keeps the RETAIN flag on live messages', async () => {
    const rap = await connectClient(tb.port, { clientId: 'rap-1', ...v5 });
    const plain = await connectClient(tb.port, { clientId: 'rap-0', ...v5 });
    await rap.subscribeAsync('rap/t', { qos: 1, rap: true });
    await plain.subscribeAsync('rap/t', { qos: 1 });
    const pub = await connectClient(tb.port, { clientId: 'rap-pub', ...v5 });
    await pub.publishAsync('rap/t', 'r', { qos: 1, retain: true });
    const [a] = await inboxOf(rap).waitFor(1);
    const [b] = await inboxOf(plain).waitFor(1);
    assert.equal(a.packet.retain, true);
    assert.equal(b.packet.retain, false);
    await Promise.all([rap.endAsync(), plain.endAsync(), pub.endAsync()]);
  });

  it('retain handling: 0 always replays, 1 only for a new subscription, 2 never', async () => {
    const pub = await connectClient(tb.port, { clientId: 'rh-pub', ...v5 });
    await pub.publishAsync('rh/t', 'kept', { qos: 1, retain: true });
    const c = await connectClient(tb.port, { clientId: 'rh-sub', ...v5 });
    const count = () => inboxOf(c).messages.filter((m) => m.topic === 'rh/t').length;
    await c.subscribeAsync('rh/t', { qos: 1, rh: 2 });
    await roundTrip(c);
    assert.equal(count(), 0);
    await c.unsubscribeAsync('rh/t');
    await c.subscribeAsync('rh/t', { qos: 1, rh: 1 });
    await inboxOf(c).waitFor(1);
    await c.subscribeAsync('rh/t', { qos: 1, rh: 1 }); // exists already: nothing
    await roundTrip(c);
    assert.equal(count(), 1);
    await c.subscribeAsync('rh/t', { qos: 1, rh: 0 });
    await roundTrip(c);
    assert.equal(count(), 2);
    await Promise.all([c.endAsync(), pub.endAsync()]);
  });

  it('sends every matching subscription identifier with the one delivery', async () => {
    const c = await connectClient(tb.port, { clientId: 'sid', ...v5 });
    await c.subscribeAsync('sid/#', { qos: 1, properties: { subscriptionIdentifier: 7 } });
    await c.subscribeAsync('sid/+', { qos: 1, properties: { subscriptionIdentifier: 9 } });
    await c.subscribeAsync('sid/a', { qos: 1 });
    const pub = await connectClient(tb.port, { clientId: 'sid-pub', ...v5 });
    await pub.publishAsync('sid/a', 'x', { qos: 1 });
    await pub.publishAsync('sid/a/b', 'y', { qos: 1 });
    const [a, b] = await inboxOf(c).waitFor(2);
    const ids = (v: number | number[] | undefined) => [v ?? []].flat().sort();
    assert.deepEqual(ids(a.packet.properties?.subscriptionIdentifier), [7, 9]);
    assert.deepEqual(ids(b.packet.properties?.subscriptionIdentifier), [7]);
    await Promise.all([c.endAsync(), pub.endAsync()]);
  });
});

describe('reason codes', () => {
  it('SUBACK: per-filter codes, invalid filters refused one by one', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'rc-sub' });
    c.send({
      cmd: 'subscribe',
      messageId: 5,
      subscriptions: [
        { topic: 'ok/#', qos: 2 },
        { topic: 'bad/#/x', qos: 1 },
        { topic: '$share/g/t', qos: 1 },
        { topic: '$share/g+/t', qos: 1 },
        { topic: '$share/g', qos: 1 },
      ],
    });
    const ack = (await c.next('suback')) as ISubackPacket;
    assert.deepEqual(ack.granted, [2, 0x8f, 1, 0x8f, 0x8f]);
    c.send({ cmd: 'unsubscribe', messageId: 6, unsubscriptions: ['ok/#', 'never'] });
    const un = (await c.next('unsuback')) as IUnsubackPacket;
    assert.deepEqual(un.granted, [0x00, 0x11]);
    c.close();
  });

  it('3.1.1 SUBACK reports 0x80 for a refused filter', async () => {
    const c = await RawClient.connect(tb.port, 4);
    await c.handshake({ clientId: 'rc-sub4' });
    c.send({ cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: 'a/#/b', qos: 1 }, { topic: 'a', qos: 1 }] });
    const ack = (await c.next('suback')) as ISubackPacket;
    assert.deepEqual(ack.granted, [0x80, 1]);
    c.close();
  });

  it('PUBACK 0x10 when nobody subscribes, 0 when someone does', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'rc-pub' });
    c.send({ cmd: 'publish', topic: 'nobody/here', payload: Buffer.from('x'), qos: 1, messageId: 1, dup: false, retain: false });
    assert.equal(((await c.next('puback')) as IPubackPacket).reasonCode, 0x10);
    c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'somebody/here', qos: 0 }] });
    await c.next('suback');
    c.send({ cmd: 'publish', topic: 'somebody/here', payload: Buffer.from('x'), qos: 1, messageId: 3, dup: false, retain: false });
    assert.equal(((await c.next('puback')) as IPubackPacket).reasonCode, 0);
    c.close();
  });

  it('omits the reason string when the client asks for no problem information', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'rpi', properties: { requestProblemInformation: false } });
    c.send({ cmd: 'publish', topic: 'x/#', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    const d = (await c.next('disconnect')) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x90);
    assert.equal(d.properties?.reasonString, undefined);
    await c.waitClose();
  });
});
