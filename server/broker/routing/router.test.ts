/**
 * The router's route cache must never show a stale set of subscribers: every change of the
 * subscriptions (new, replaced options, removed) is seen by the next message to a topic that
 * was already routed, and past the cache's size routing stays right.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QoS } from 'mqtt-packet';
import { createMessage, type Message } from '../message';
import type { StoredSubscription } from '../store/types';
import { ROUTE_CACHE_SIZE, Router, type Subscriber } from './router';

class Recorder implements Subscriber {
  readonly got: { topic: string; qos: QoS }[] = [];
  constructor(readonly clientId: string) {}
  deliver(message: Message, qos: QoS): void {
    this.got.push({ topic: message.topic, qos });
  }
}

const sub = (filter: string, qos: QoS = 1): StoredSubscription => ({
  filter,
  qos,
  noLocal: false,
  retainAsPublished: false,
  retainHandling: 0,
  subscriptionId: 0,
});

const message = (topic: string, qos: QoS = 1) =>
  createMessage({ topic, payload: Buffer.from('x'), qos, retain: false, properties: null, publisher: 'pub', protocolVersion: 4, cleanSession: true });

describe('router', () => {
  it('follows subscribe, option changes and unsubscribe for a topic it has routed before', () => {
    const router = new Router<Recorder>();
    const a = new Recorder('a');
    const b = new Recorder('b');
    router.add(a, sub('s/+/t', 1));
    assert.equal(router.deliver(message('s/1/t', 2)), 1);
    assert.equal(router.deliver(message('s/1/t', 2)), 1);

    router.add(b, sub('s/#', 0)); // a new subscriber of a routed topic
    assert.equal(router.deliver(message('s/1/t', 2)), 2);

    router.add(a, sub('s/+/t', 2)); // a's options replaced: QoS 2 from now on
    router.deliver(message('s/1/t', 2));

    router.remove(b, 's/#');
    assert.equal(router.deliver(message('s/1/t', 2)), 1);
    router.remove(a, 's/+/t');
    assert.equal(router.deliver(message('s/1/t', 2)), 0);

    assert.deepEqual(a.got.map((g) => g.qos), [1, 1, 1, 2, 2]);
    assert.deepEqual(b.got.map((g) => g.qos), [0, 0]);
  });

  it('overlapping subscriptions: one delivery at the highest QoS, for a routed topic too', () => {
    const router = new Router<Recorder>();
    const a = new Recorder('a');
    const b = new Recorder('b');
    router.add(a, sub('o/#', 0));
    router.add(a, sub('o/+', 2));
    router.add(b, sub('o/x', 1));
    assert.equal(router.deliver(message('o/x', 2)), 2);
    assert.equal(router.deliver(message('o/x', 2)), 2);
    assert.deepEqual(a.got.map((g) => g.qos), [2, 2]);
    assert.deepEqual(b.got.map((g) => g.qos), [1, 1]);
  });

  it('routes right past the cache size, which bounds what it remembers', () => {
    const router = new Router<Recorder>();
    const all = new Recorder('all');
    const odd = new Recorder('odd');
    router.add(all, sub('d/#'));
    const topics = ROUTE_CACHE_SIZE + 500;
    for (let i = 0; i < topics; i++) {
      if (i === ROUTE_CACHE_SIZE + 100) router.add(odd, sub('d/+/1')); // mid-way, with a full cache
      router.deliver(message(`d/${i}/${i % 2}`));
      assert.ok(router.cachedRoutes <= ROUTE_CACHE_SIZE);
    }
    for (let i = 0; i < 10; i++) router.deliver(message(`d/${i}/${i % 2}`)); // long evicted
    assert.equal(all.got.length, topics + 10);
    // Odd topics after the subscription, plus five of the last ten.
    assert.equal(odd.got.length, (topics - (ROUTE_CACHE_SIZE + 100)) / 2 + 5);
  });

  it('a lookup (the console) sees the same subscribers as deliveries', () => {
    const router = new Router<Recorder>();
    const a = new Recorder('a');
    router.add(a, sub('x/y', 2));
    router.deliver(message('x/y'));
    assert.deepEqual(
      router.match(message('x/y', 1)).map((d) => [d.subscriber.clientId, d.qos]),
      [['a', 1]],
    );
    router.remove(a, 'x/y');
    assert.deepEqual(router.match(message('x/y')), []);
  });
});
