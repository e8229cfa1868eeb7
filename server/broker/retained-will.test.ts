/** Retained messages and will messages as subscribers see them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IPublishPacket } from 'mqtt-packet';
import { connectClient, inboxOf, RawClient, roundTrip, startBroker, type TestBroker } from './testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker();
});
after(() => tb.close());

describe('retained messages', () => {
  it('replays the last retained message to a new subscriber with RETAIN set; live ones arrive without it', async () => {
    const pub = await connectClient(tb.port, { clientId: 'ret-pub' });
    await pub.publishAsync('ret/a', 'old', { qos: 1, retain: true });
    await pub.publishAsync('ret/a', 'new', { qos: 1, retain: true });
    const sub = await connectClient(tb.port, { clientId: 'ret-sub' });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('ret/a', { qos: 1 });
    const [first] = await inbox.waitFor(1);
    assert.equal(first.payload.toString(), 'new');
    assert.equal(first.packet.retain, true);
    await pub.publishAsync('ret/a', 'live', { qos: 1, retain: true });
    const got = await inbox.waitFor(2);
    assert.equal(got[1].payload.toString(), 'live');
    assert.equal(got[1].packet.retain, false); // 3.1.1: a live message is not flagged retained
    await Promise.all([pub.endAsync(), sub.endAsync()]);
  });

  it('replays every retained message matching a wildcard, at min(QoS)', async () => {
    const pub = await connectClient(tb.port, { clientId: 'retw-pub' });
    await pub.publishAsync('retw/1', 'a', { qos: 0, retain: true });
    await pub.publishAsync('retw/2', 'b', { qos: 2, retain: true });
    await pub.publishAsync('retw/2/deep', 'c', { qos: 1, retain: true });
    const sub = await connectClient(tb.port, { clientId: 'retw-sub' });
    await sub.subscribeAsync('retw/+', { qos: 1 });
    const got = await inboxOf(sub).waitFor(2);
    await roundTrip(sub);
    assert.deepEqual(
      got
        .filter((m) => m.topic.startsWith('retw'))
        .map((m) => [m.topic, m.packet.qos])
        .sort(),
      [
        ['retw/1', 0],
        ['retw/2', 1],
      ],
    );
    await Promise.all([pub.endAsync(), sub.endAsync()]);
  });

  it('clears a retained message with an empty payload', async () => {
    const pub = await connectClient(tb.port, { clientId: 'retc-pub' });
    await pub.publishAsync('retc/t', 'x', { qos: 1, retain: true });
    await pub.publishAsync('retc/t', '', { qos: 1, retain: true });
    const sub = await connectClient(tb.port, { clientId: 'retc-sub' });
    await sub.subscribeAsync('retc/#', { qos: 1 });
    await roundTrip(sub);
    assert.deepEqual(
      inboxOf(sub).messages.filter((m) => m.topic.startsWith('retc')),
      [],
    );
    assert.equal(tb.broker.instance('default')!.retained.get('retc/t'), undefined);
    await Promise.all([pub.endAsync(), sub.endAsync()]);
  });
});

describe('will messages', () => {
  it('publishes the will when the connection drops without DISCONNECT', async () => {
    const watcher = await connectClient(tb.port, { clientId: 'will-watch' });
    await watcher.subscribeAsync('will/+', { qos: 1 });
    const dying = await RawClient.connect(tb.port);
    await dying.handshake({ clientId: 'will-dying', will: { topic: 'will/a', payload: Buffer.from('gone'), qos: 1, retain: false } });
    dying.close();
    const [m] = await inboxOf(watcher).waitFor(1);
    assert.equal(m.topic, 'will/a');
    assert.equal(m.payload.toString(), 'gone');
    assert.equal(m.packet.qos, 1);
    await watcher.endAsync();
  });

  it('does not publish the will after DISCONNECT', async () => {
    const watcher = await connectClient(tb.port, { clientId: 'will-watch2' });
    await watcher.subscribeAsync('will2/+', { qos: 1 });
    const c = await RawClient.connect(tb.port);
    await c.handshake({ clientId: 'will-polite', will: { topic: 'will2/a', payload: Buffer.from('x'), qos: 1, retain: false } });
    c.send({ cmd: 'disconnect' });
    await c.waitClose();
    // A second client that dies proves the broker has handled the first close by now.
    const d = await RawClient.connect(tb.port);
    await d.handshake({ clientId: 'will-rude', will: { topic: 'will2/b', payload: Buffer.from('y'), qos: 1, retain: false } });
    d.close();
    await inboxOf(watcher).waitFor(1);
    await roundTrip(watcher);
    assert.deepEqual(
      inboxOf(watcher).messages.filter((m) => m.topic.startsWith('will2')).map((m) => m.topic),
      ['will2/b'],
    );
    await watcher.endAsync();
  });

  it('publishes the will of a connection closed for a protocol error, and retains it if asked', async () => {
    const c = await RawClient.connect(tb.port);
    await c.handshake({ clientId: 'will-bad', will: { topic: 'will3/r', payload: Buffer.from('kept'), qos: 0, retain: true } });
    c.sendRaw([0x00, 0x00]); // packet type 0 is reserved
    await c.waitClose();
    const watcher = await connectClient(tb.port, { clientId: 'will-watch3' });
    await watcher.subscribeAsync('will3/r', { qos: 1 });
    const [m] = await inboxOf(watcher).waitFor(1);
    assert.equal(m.payload.toString(), 'kept');
    assert.equal(m.packet.retain, true);
    await watcher.endAsync();
  });

  it('publishes the will of a client taken over', async () => {
    const watcher = await connectClient(tb.port, { clientId: 'will-watch4' });
    await watcher.subscribeAsync('will4/t', { qos: 1 });
    const first = await RawClient.connect(tb.port);
    await first.handshake({ clientId: 'will-twin', will: { topic: 'will4/t', payload: Buffer.from('first'), qos: 1, retain: false } });
    const second = await RawClient.connect(tb.port);
    await second.handshake({ clientId: 'will-twin' });
    const [m] = await inboxOf(watcher).waitFor(1);
    assert.equal(m.payload.toString(), 'first');
    second.close();
    await watcher.endAsync();
  });
});

describe('will messages (MQTT 5)', () => {
  it('DISCONNECT with reason 0x04 publishes the will', async () => {
    const watcher = await connectClient(tb.port, { clientId: 'w5-watch' });
    await watcher.subscribeAsync('w5/a', { qos: 1 });
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'w5-1', will: { topic: 'w5/a', payload: Buffer.from('asked'), qos: 1, retain: false } });
    c.send({ cmd: 'disconnect', reasonCode: 0x04 });
    const [m] = await inboxOf(watcher).waitFor(1);
    assert.equal(m.payload.toString(), 'asked');
    await watcher.endAsync();
  });

  it('waits for the will delay, and a reconnect within it cancels the will', async () => {
    const watcher = await connectClient(tb.port, { clientId: 'w5-watch2' });
    await watcher.subscribeAsync('w5/d/#', { qos: 1 });
    const will = (t: string) => ({ topic: t, payload: Buffer.from(t), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } });

    // Reconnects within the delay: no will.
    const a = await RawClient.connect(tb.port, 5);
    await a.handshake({ clientId: 'w5-a', clean: true, properties: { sessionExpiryInterval: 60 }, will: will('w5/d/a') });
    a.close();
    const a2 = await RawClient.connect(tb.port, 5);
    await a2.handshake({ clientId: 'w5-a', clean: false, properties: { sessionExpiryInterval: 60 } });

    // Stays away: the will comes after about a second, not at once.
    const b = await RawClient.connect(tb.port, 5);
    await b.handshake({ clientId: 'w5-b', clean: true, properties: { sessionExpiryInterval: 60 }, will: will('w5/d/b') });
    const closedAt = Date.now();
    b.close();
    const [m] = await inboxOf(watcher).waitFor(1, 4000);
    assert.equal(m.topic, 'w5/d/b');
    assert.ok(Date.now() - closedAt >= 900, `will came after ${Date.now() - closedAt} ms`);
    await roundTrip(watcher);
    assert.deepEqual(
      inboxOf(watcher).messages.filter((x) => x.topic.startsWith('w5/d')).map((x) => x.topic),
      ['w5/d/b'],
    );
    a2.close();
    await watcher.endAsync();
  });

  it('publishes a delayed will at once when the session ends first', async () => {
    const watcher = await connectClient(tb.port, { clientId: 'w5-watch3' });
    await watcher.subscribeAsync('w5/e', { qos: 1 });
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({
      clientId: 'w5-e',
      will: { topic: 'w5/e', payload: Buffer.from('e'), qos: 1, retain: false, properties: { willDelayInterval: 60 } },
    });
    const closedAt = Date.now();
    c.close(); // session expiry 0: the session ends now, and with it the delay
    await inboxOf(watcher).waitFor(1);
    assert.ok(Date.now() - closedAt < 1000);
    await watcher.endAsync();
  });

  it('passes will properties through', async () => {
    const watcher = await connectClient(tb.port, { clientId: 'w5-watch4', protocolVersion: 5 });
    await watcher.subscribeAsync('w5/p', { qos: 1 });
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({
      clientId: 'w5-p',
      will: {
        topic: 'w5/p',
        payload: Buffer.from('{}'),
        qos: 1,
        retain: false,
        properties: { contentType: 'application/json', userProperties: { k: 'v' }, responseTopic: 'r/t', correlationData: Buffer.from([1, 2]) },
      },
    });
    c.close();
    const [m] = await inboxOf(watcher).waitFor(1);
    const p = (m.packet as IPublishPacket).properties!;
    assert.equal(p.contentType, 'application/json');
    assert.deepEqual({ ...p.userProperties }, { k: 'v' });
    assert.equal(p.responseTopic, 'r/t');
    assert.deepEqual(p.correlationData, Buffer.from([1, 2]));
    await watcher.endAsync();
  });
});
