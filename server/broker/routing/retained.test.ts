import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMessage } from '../message';
import { MemoryRetainedStore } from './retained';

const msg = (topic: string, payload = 'x', expiryInterval?: number, now?: number) =>
  createMessage({ topic, payload: Buffer.from(payload), qos: 0, retain: true, expiryInterval, now });

function topics(store: MemoryRetainedStore, filter: string, now?: number): string[] {
  const out: string[] = [];
  store.match(filter, (m) => out.push(m.topic), now);
  return out.sort();
}

describe('memory retained store', () => {
  it('keeps one message per topic and clears on empty payload', () => {
    const store = new MemoryRetainedStore();
    store.set(msg('a/b', '1'));
    store.set(msg('a/b', '2'));
    assert.equal(store.size, 1);
    assert.equal(store.get('a/b')?.payload.toString(), '2');
    store.set(msg('a/b', ''));
    assert.equal(store.size, 0);
    assert.equal(store.get('a/b'), undefined);
  });

  it('matches wildcard filters with the $ rule', () => {
    const store = new MemoryRetainedStore();
    for (const t of ['a', 'a/b', 'a/b/c', 'a/', 'b/x', '$SYS/x', '/y']) store.set(msg(t));
    assert.deepEqual(topics(store, 'a/#'), ['a', 'a/', 'a/b', 'a/b/c']);
    assert.deepEqual(topics(store, 'a/+'), ['a/', 'a/b']);
    assert.deepEqual(topics(store, '#'), ['/y', 'a', 'a/', 'a/b', 'a/b/c', 'b/x']);
    assert.deepEqual(topics(store, '+/x'), ['b/x']);
    assert.deepEqual(topics(store, '$SYS/#'), ['$SYS/x']);
    assert.deepEqual(topics(store, '+/+'), ['/y', 'a/', 'a/b', 'b/x']);
    assert.deepEqual(topics(store, 'a/b'), ['a/b']);
  });

  it('drops expired messages', () => {
    const store = new MemoryRetainedStore();
    const t0 = Date.now();
    store.set(msg('e', 'x', 1, t0));
    assert.deepEqual(topics(store, 'e', t0 + 500), ['e']);
    assert.deepEqual(topics(store, '#', t0 + 1500), []);
    assert.equal(store.size, 0);
  });
});
