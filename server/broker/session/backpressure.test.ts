/** One stuck subscriber never slows the others; its queue stays bounded and drops are counted. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, inboxOf, RawClient, startBroker, type TestBroker } from '../testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ instance: { settings: { maxQueuedMessages: 200, socketHighWaterMark: 64 * 1024 } } });
});
after(() => tb.close());

describe('backpressure', () => {
  it('keeps delivering to a healthy subscriber while another one stops reading', async () => {
    const stuck = await RawClient.connect(tb.port);
    await stuck.handshake({ clientId: 'stuck' });
    stuck.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'bp/t', qos: 0 }] });
    await stuck.next('suback');
    stuck.socket.pause(); // reads nothing from now on: its kernel buffers fill, then ours

    const healthy = await connectClient(tb.port, { clientId: 'healthy' });
    await healthy.subscribeAsync('bp/t', { qos: 1 });
    const pub = await connectClient(tb.port, { clientId: 'bp-pub' });
    const n = 2000;
    const payload = Buffer.alloc(8 * 1024, 0x61); // 16 MB in total: more than loopback buffers hold
    const started = Date.now();
    for (let i = 0; i < n; i += 100) {
      const batch: Promise<unknown>[] = [];
      for (let k = i; k < i + 100; k++) batch.push(pub.publishAsync('bp/t', Buffer.concat([Buffer.from(`${k}:`), payload]), { qos: 1 }));
      await Promise.all(batch);
    }
    const got = await inboxOf(healthy).waitFor(n, 20000);
    const took = Date.now() - started;

    // The healthy QoS 1 subscriber got everything, in order, without waiting for the stuck one.
    assert.deepEqual(
      got.map((m) => Number(m.payload.subarray(0, 6).toString().split(':')[0])),
      Array.from({ length: n }, (_, i) => i),
    );
    assert.ok(took < 15000, `healthy subscriber got ${n} messages in ${took} ms`);
    // The stuck QoS 0 subscriber lost messages, within its bound, and they were counted.
    const instance = tb.broker.instance('default')!;
    const stuckSession = instance.sessions.get('stuck')!;
    assert.ok(stuckSession.dropped > 0, 'the stuck subscriber dropped QoS 0 messages');
    assert.ok(stuckSession.queuedCount <= 200, `stuck queue ${stuckSession.queuedCount} within its bound`);
    assert.equal(instance.sessions.get('healthy')!.dropped, 0);
    assert.equal(instance.stats.dropped, stuckSession.dropped);
    stuck.close();
    await Promise.all([healthy.endAsync(), pub.endAsync()]);
  });
});
