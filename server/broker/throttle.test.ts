/**
 * Message TPS per instance (messages in + messages out per second): a publisher over the
 * limit is slowed by backpressure (its input paused until the next second), loses nothing,
 * and each throttling event is counted; another instance of the same broker is unaffected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Broker } from './broker';
import { connectClient, HOST, inboxOf, RawClient } from './testing/helpers';

let broker: Broker;
let limitedPort: number;
let freePort: number;

before(async () => {
  broker = new Broker();
  broker.addInstance('limited', { settings: { maxTps: 200 } });
  broker.addInstance('other', { settings: { maxTps: 20_000 } });
  ({ port: limitedPort } = await broker.listen({ port: 0, host: HOST, instanceId: 'limited' }));
  ({ port: freePort } = await broker.listen({ port: 0, host: HOST, instanceId: 'other' }));
});
after(() => broker.close());

/** Publishes n QoS 1 messages all at once and resolves when every PUBACK is in, with the time it took. */
async function flood(port: number, clientId: string, topic: string, n: number): Promise<number> {
  const pub = await connectClient(port, { clientId });
  const started = Date.now();
  await Promise.all(Array.from({ length: n }, (_, i) => pub.publishAsync(topic, String(i), { qos: 1 })));
  const took = Date.now() - started;
  await pub.endAsync();
  return took;
}

describe('message TPS', () => {
  it('slows a fast QoS 1 publisher to the limit without losing a message; another instance is unaffected', async () => {
    const limited = broker.instance('limited')!;
    const other = broker.instance('other')!;
    const sub = await connectClient(limitedPort, { clientId: 'tps-sub' });
    await sub.subscribeAsync('tps/t', { qos: 1 });
    const otherSub = await connectClient(freePort, { clientId: 'tps-other-sub' });
    await otherSub.subscribeAsync('tps/t', { qos: 1 });

    // 300 in + 300 out = 600 messages at 200 per second: three seconds' budgets, so at least
    // two second boundaries must pass (over 1 s, however the first second is cut).
    const n = 300;
    const [limitedTook, otherTook] = await Promise.all([
      flood(limitedPort, 'tps-pub', 'tps/t', n),
      flood(freePort, 'tps-other-pub', 'tps/t', n),
    ]);
    const got = await inboxOf(sub).waitFor(n, 10_000);
    assert.deepEqual(
      got.map((m) => Number(m.payload.toString())),
      Array.from({ length: n }, (_, i) => i),
    );
    assert.ok(limitedTook > 1000, `the limited publisher was slowed: ${limitedTook} ms`);
    assert.ok(limited.stats.throttled > 0, 'throttling events are counted');

    await inboxOf(otherSub).waitFor(n, 5000);
    assert.ok(otherTook < 1000, `the other instance's publisher was not slowed: ${otherTook} ms`);
    assert.equal(other.stats.throttled, 0);
    await Promise.all([sub.endAsync(), otherSub.endAsync()]);
  });

  it('lets exactly the limit through in one second, the rest in the next ones', async () => {
    const limited = broker.instance('limited')!;
    const raw = await RawClient.connect(limitedPort);
    await raw.handshake({ clientId: 'tps-raw', keepalive: 0 });
    // Wait for a fresh second, and one more, so the earlier test's budget (and any debt it
    // carried over) does not count.
    await new Promise((r) => setTimeout(r, 2000 - (Date.now() % 1000) + 20));
    const received0 = limited.stats.received;
    const started = Date.now();
    // 500 QoS 1 PUBLISHes in one write: the broker takes 200 this second, the rest later.
    const packets: Buffer[] = [];
    for (let i = 1; i <= 500; i++) {
      packets.push(
        Buffer.from(
          // PUBLISH QoS 1, topic "tps/r", packet id i, payload "x"
          [0x32, 2 + 5 + 2 + 1, 0, 5, ...Buffer.from('tps/r'), i >> 8, i & 0xff, 0x78],
        ),
      );
    }
    raw.sendRaw(Buffer.concat(packets));
    await new Promise((r) => setTimeout(r, 1000 - ((Date.now() - started) % 1000) - 100));
    const firstSecond = limited.stats.received - received0;
    assert.equal(firstSecond, 200);
    for (let i = 0; i < 500; i++) await raw.next('puback', 5000);
    assert.equal(limited.stats.received - received0, 500);
    raw.close();
  });

  it('an MQTT 5 QoS 2 publisher is slowed too and every exchange completes; lifting the limit takes effect at once', async () => {
    const limited = broker.instance('limited')!;
    const sub = await connectClient(limitedPort, { clientId: 'tps-q2-sub', protocolVersion: 5 });
    await sub.subscribeAsync('tps/q2', { qos: 2 });
    const pub = await connectClient(limitedPort, { clientId: 'tps-q2-pub', protocolVersion: 5 });
    const throttled0 = limited.stats.throttled;
    const n = 250; // 500 in + out: more than two seconds' budgets, so it cannot slip through
    await Promise.all(Array.from({ length: n }, (_, i) => pub.publishAsync('tps/q2', String(i), { qos: 2 })));
    const got = await inboxOf(sub).waitFor(n, 10_000);
    assert.deepEqual(
      got.map((m) => [Number(m.payload.toString()), m.packet.qos]),
      Array.from({ length: n }, (_, i) => [i, 2]),
    );
    assert.ok(limited.stats.throttled > throttled0);

    broker.addInstance('limited', { settings: { maxTps: 0 } });
    const throttled1 = limited.stats.throttled;
    const started = Date.now();
    await Promise.all(Array.from({ length: n }, (_, i) => pub.publishAsync('tps/q2', String(n + i), { qos: 2 })));
    await inboxOf(sub).waitFor(2 * n, 5000);
    assert.equal(limited.stats.throttled, throttled1);
    assert.ok(Date.now() - started < 1000, `unthrottled in ${Date.now() - started} ms`);
    broker.addInstance('limited', { settings: { maxTps: 200 } });
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it('a fan-out beyond the budget is carried over as debt: the publisher waits until in + out averages the limit, and nothing is lost', async () => {
    const fanout = broker.addInstance('fanout', { settings: { maxTps: 20 } });
    const { port } = await broker.listen({ port: 0, host: HOST, instanceId: 'fanout' });
    // 40 subscribers: each message is 1 in + 40 out = 41, about two seconds' budgets.
    const subs = await Promise.all(Array.from({ length: 40 }, (_, i) => connectClient(port, { clientId: `fan-sub-${i}` })));
    await Promise.all(subs.map((s) => s.subscribeAsync('fan/t', { qos: 0 })));
    const pub = await RawClient.connect(port);
    await pub.handshake({ clientId: 'fan-pub', keepalive: 0 });
    await new Promise((r) => setTimeout(r, 2000 - (Date.now() % 1000) + 20)); // a fresh second, no debt

    const started = Date.now();
    const packets = [1, 2, 3].map((i) => Buffer.from([0x32, 2 + 5 + 2 + 1, 0, 5, ...Buffer.from('fan/t'), 0, i, 0x30 + i]));
    pub.sendRaw(Buffer.concat(packets));
    const acked: number[] = [];
    for (let i = 0; i < 3; i++) {
      await pub.next('puback', 8000);
      acked.push(Date.now() - started);
    }
    // The first message's fan-out is not held back: every subscriber has it at once.
    assert.ok(acked[0]! < 500, `first accepted at ${acked[0]} ms`);
    // Without debt the next ones would go at the next two seconds (< 2 s). With it, each one
    // waits until the 41 its predecessor used is paid off: about two seconds apart.
    assert.ok(acked[1]! > 1500, `second accepted at ${acked[1]} ms`);
    assert.ok(acked[2]! > 3500, `third accepted at ${acked[2]} ms`);
    assert.ok(fanout.stats.throttled >= 2, 'each pause is counted');
    for (const s of subs) {
      const got = await inboxOf(s).waitFor(3, 3000);
      assert.deepEqual(
        got.map((m) => m.payload.toString()),
        ['1', '2', '3'],
      );
    }
    pub.close();
    await Promise.all(subs.map((s) => s.endAsync()));
  });
});
