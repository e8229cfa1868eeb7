/** The in-flight table: packet IDs restored from the store may clash in its array; new ones never reuse an ID in flight. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InflightTable } from './inflight';

const entry = (packetId: number, seq: number) => ({ packetId, seq });

describe('InflightTable', () => {
  it('keeps restored packet IDs that share a slot, and lists entries in the order they were accepted', () => {
    const t = new InflightTable<{ packetId: number; seq: number }>();
    // 1, 9, 17 … share a slot in an 8-slot array; 65535 and 32767 in every array up to 32,768 slots.
    const restored = [entry(65535, 7), entry(1, 3), entry(9, 4), entry(17, 1), entry(32767, 6), entry(25, 2), entry(33, 5)];
    for (const e of restored) t.set(e);
    assert.equal(t.size, 7);
    for (const e of restored) assert.equal(t.get(e.packetId), e);
    assert.equal(t.get(41), undefined, 'an ID never added');
    assert.deepEqual(
      t.inOrder().map((e) => e.packetId),
      [17, 25, 1, 9, 33, 32767, 65535],
    );
    assert.equal(t.delete(9)?.seq, 4);
    assert.equal(t.delete(9), undefined, 'already gone');
    assert.equal(t.has(17), true);
    assert.equal(t.size, 6);
  });

  it('never allocates an ID in flight, wraps after 65535, and reuses an ID once acknowledged', () => {
    const t = new InflightTable<{ packetId: number; seq: number }>();
    let next = 65530;
    const take = (seq: number) => {
      const id = t.allocate(next);
      next = id === 65535 ? 1 : id + 1;
      t.set(entry(id, seq));
      return id;
    };
    const ids = Array.from({ length: 300 }, (_, i) => take(i));
    assert.equal(new Set(ids).size, 300);
    assert.deepEqual(ids.slice(0, 8), [65530, 65531, 65532, 65533, 65534, 65535, 1, 2]);
    // Acknowledge all but the first; then 70,000 more one at a time: the first stays untouched.
    for (const id of ids.slice(1)) t.delete(id);
    for (let i = 0; i < 70_000; i++) {
      const id = take(1000 + i);
      assert.notEqual(id, 65530, 'the ID still in flight is skipped');
      t.delete(id);
    }
    assert.equal(t.size, 1);
    assert.equal(t.get(65530)?.seq, 0);
  });

  it('gives back the memory of a large window once every delivery in it is acknowledged', () => {
    const t = new InflightTable<{ packetId: number; seq: number }>();
    let next = 1;
    const ids: number[] = [];
    for (let i = 0; i < 1024; i++) {
      const id = t.allocate(next);
      next = id + 1;
      t.set(entry(id, i));
      ids.push(id);
    }
    assert.equal(t.capacity, 2048, 'a full 1,024 window');
    for (const id of ids.slice(0, 1023)) t.delete(id);
    assert.equal(t.capacity, 2048, 'kept while one delivery is still in flight');
    assert.equal(t.get(ids[1023])?.seq, 1023);
    t.delete(ids[1023]);
    assert.equal(t.size, 0);
    assert.equal(t.capacity, 8);
    // It works as before afterwards, and a small table is kept when it empties.
    const id = t.allocate(next);
    t.set(entry(id, 2000));
    assert.equal(t.get(id)?.seq, 2000);
    t.delete(id);
    assert.equal(t.capacity, 8);
  });
});
