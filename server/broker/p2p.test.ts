/**
 * P2P messages (`<parent>/p2p/<targetClientId>`) as clients see them: the target receives
 * without subscribing, ordinary subscribers never see them, and offline keeping follows the
 * sender's clean-session flag (3.1.1) or session expiry (MQTT 5).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IPublishPacket } from 'mqtt-packet';
import { connectClient, eventually, inboxOf, RawClient, roundTrip, startBroker, type TestBroker } from './testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker();
});
after(() => tb.close());

const instance = () => tb.broker.instance('default')!;

/** Connects a persistent client, then leaves it offline (its session stays). */
async function goOffline(clientId: string, protocolVersion: 4 | 5 = 4): Promise<void> {
  const c =
    protocolVersion === 5
      ? await connectClient(tb.port, { clientId, protocolVersion, clean: false, properties: { sessionExpiryInterval: 3600 } })
      : await connectClient(tb.port, { clientId, clean: false });
  await c.endAsync();
  await eventually(() => instance().sessions.get(clientId)?.online === false, `${clientId} offline`);
}

describe('P2P to an online client', () => {
  it('reaches the target without a subscription, at the published QoS, and no ordinary subscriber', async () => {
    const target = await connectClient(tb.port, { clientId: 'GID_a@@@dev1' });
    const watcher = await connectClient(tb.port, { clientId: 'watcher' });
    await watcher.subscribeAsync(['Parent/#', 'Parent/p2p/+'], { qos: 2 });
    const sender = await connectClient(tb.port, { clientId: 'GID_a@@@sender', protocolVersion: 5 });

    for (const qos of [0, 1, 2] as const) await sender.publishAsync('Parent/p2p/GID_a@@@dev1', `q${qos}`, { qos });
    await sender.publishAsync('Parent/ordinary', 'for subscribers', { qos: 1 });

    const got = await inboxOf(target).waitFor(3);
    await roundTrip(target);
    assert.deepEqual(
      got.map((m) => [m.topic, m.payload.toString(), m.packet.qos]),
      [
        ['Parent/p2p/GID_a@@@dev1', 'q0', 0],
        ['Parent/p2p/GID_a@@@dev1', 'q1', 1],
        ['Parent/p2p/GID_a@@@dev1', 'q2', 2],
      ],
    );
    await inboxOf(watcher).waitFor(1);
    await roundTrip(watcher);
    assert.deepEqual(
      inboxOf(watcher).messages.map((m) => m.topic),
      ['Parent/ordinary'],
    );
    await Promise.all([target.endAsync(), watcher.endAsync(), sender.endAsync()]);
  });

  it('treats other shapes under p2p as ordinary topics', async () => {
    const target = await connectClient(tb.port, { clientId: 'shape-target' });
    const watcher = await connectClient(tb.port, { clientId: 'shape-watcher' });
    await watcher.subscribeAsync('Shape/#', { qos: 1 });
    const sender = await connectClient(tb.port, { clientId: 'shape-sender' });
    await sender.publishAsync('Shape/p2p/shape-target/more', 'deeper', { qos: 1 });
    await sender.publishAsync('Shape/x/p2p', 'not second level', { qos: 1 });
    const got = await inboxOf(watcher).waitFor(2);
    assert.deepEqual(
      got.map((m) => m.payload.toString()),
      ['deeper', 'not second level'],
    );
    await roundTrip(target);
    assert.equal(inboxOf(target).messages.length, 0);
    await Promise.all([target.endAsync(), watcher.endAsync(), sender.endAsync()]);
  });

  it('is not retained for later subscribers', async () => {
    const target = await connectClient(tb.port, { clientId: 'ret-target' });
    const sender = await connectClient(tb.port, { clientId: 'ret-sender' });
    await sender.publishAsync('Ret/p2p/ret-target', 'once', { qos: 1, retain: true });
    await inboxOf(target).waitFor(1);
    const late = await connectClient(tb.port, { clientId: 'ret-late' });
    await late.subscribeAsync('Ret/#', { qos: 1 });
    await roundTrip(late);
    assert.equal(inboxOf(late).messages.length, 0);
    await Promise.all([target.endAsync(), sender.endAsync(), late.endAsync()]);
  });
});

describe('P2P to an offline client (offline keeping follows the sender)', () => {
  it('3.1.1 sender with cleanSession=false: QoS 1 and 2 wait for the target, QoS 0 does not', async () => {
    await goOffline('GID_a@@@off1');
    const sender = await connectClient(tb.port, { clientId: 'GID_a@@@keeper', clean: false });
    for (const qos of [0, 1, 2] as const) await sender.publishAsync('Parent/p2p/GID_a@@@off1', `q${qos}`, { qos });
    await sender.endAsync();

    const target = await connectClient(tb.port, { clientId: 'GID_a@@@off1', clean: false });
    const got = await inboxOf(target).waitFor(2);
    await roundTrip(target);
    assert.deepEqual(
      got.map((m) => [m.payload.toString(), m.packet.qos]),
      [
        ['q1', 1],
        ['q2', 2],
      ],
    );
    await target.endAsync();
  });

  it('3.1.1 sender with cleanSession=true: nothing is kept', async () => {
    await goOffline('GID_a@@@off2');
    const sender = await connectClient(tb.port, { clientId: 'GID_a@@@clean-sender', clean: true });
    for (const qos of [1, 2] as const) await sender.publishAsync('Parent/p2p/GID_a@@@off2', `q${qos}`, { qos });
    await sender.endAsync();

    const target = await connectClient(tb.port, { clientId: 'GID_a@@@off2', clean: false });
    await roundTrip(target);
    assert.equal(inboxOf(target).messages.length, 0);
    await target.endAsync();
  });

  it('MQTT 5 sender: session expiry > 0 keeps, 0 does not; the target is an MQTT 5 client too', async () => {
    await goOffline('v5-target', 5);
    const keeper = await connectClient(tb.port, { clientId: 'v5-keeper', protocolVersion: 5, properties: { sessionExpiryInterval: 60 } });
    const transient = await connectClient(tb.port, { clientId: 'v5-transient', protocolVersion: 5 });
    await keeper.publishAsync('Parent/p2p/v5-target', 'kept', { qos: 1 });
    await transient.publishAsync('Parent/p2p/v5-target', 'not kept', { qos: 2 });
    await Promise.all([keeper.endAsync(), transient.endAsync()]);

    const target = await connectClient(tb.port, {
      clientId: 'v5-target',
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    const got = await inboxOf(target).waitFor(1);
    await roundTrip(target);
    assert.deepEqual(
      inboxOf(target).messages.map((m) => m.payload.toString()),
      ['kept'],
    );
    assert.equal(got[0].packet.qos, 1);
    await target.endAsync();
  });

  it('a target without any session gets nothing: an MQTT 5 sender is told there was no receiver', async () => {
    const sender = await RawClient.connect(tb.port, 5);
    await sender.handshake({ clientId: 'nobody-sender', clean: false, properties: { sessionExpiryInterval: 60 } });
    sender.send({ cmd: 'publish', topic: 'Parent/p2p/GID_a@@@never', payload: Buffer.from('x'), qos: 1, messageId: 1, dup: false, retain: false });
    const ack = await sender.next('puback');
    assert.equal((ack as { reasonCode?: number }).reasonCode, 0x10); // no matching subscribers
    sender.close();

    const target = await connectClient(tb.port, { clientId: 'GID_a@@@never', clean: false });
    await roundTrip(target);
    assert.equal(inboxOf(target).messages.length, 0);
    await target.endAsync();
  });

  it('the target takes a P2P backlog in order right after reconnecting', async () => {
    await goOffline('raw-target');
    const sender = await connectClient(tb.port, { clientId: 'raw-sender', clean: false });
    for (let i = 0; i < 20; i++) await sender.publishAsync('Parent/p2p/raw-target', String(i), { qos: 1 });
    await sender.endAsync();
    const raw = await RawClient.connect(tb.port);
    const connack = await raw.handshake({ clientId: 'raw-target', clean: false });
    assert.equal((connack as { sessionPresent: boolean }).sessionPresent, true);
    const got: string[] = [];
    for (let i = 0; i < 20; i++) {
      const p = (await raw.next('publish')) as IPublishPacket;
      got.push(p.payload.toString());
      raw.send({ cmd: 'puback', messageId: p.messageId! });
    }
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => String(i)));
    raw.close();
  });
});
