/**
 * The write batcher decides when bytes leave: at once for the first reads of a turn, then
 * once per turn, earlier when a long burst of input has kept them waiting, and never before
 * the store has committed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { WriteBatcher, type Flushable } from './write-batcher';

function target(log: string[], name: string): Flushable {
  return { flushQueued: false, flush: () => log.push(name) };
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('WriteBatcher', () => {
  it('flushes each target once per turn, after the commit', async () => {
    const log: string[] = [];
    const batcher = new WriteBatcher(() => log.push('commit'));
    const a = target(log, 'a');
    const b = target(log, 'b');
    batcher.schedule(a);
    batcher.schedule(b);
    batcher.schedule(a);
    assert.deepEqual(log, [], 'nothing leaves within the turn');
    await nextTurn();
    assert.deepEqual(log, ['commit', 'a', 'b']);
  });

  it('flushes early when pending output has waited through a long burst of input', async () => {
    const log: string[] = [];
    const batcher = new WriteBatcher(() => log.push('commit'), undefined, 1, 0);
    const quiet = target(log, 'quiet'); // a reader with nothing to send
    batcher.schedule(target(log, 'first'));
    batcher.afterRead(quiet);
    assert.deepEqual(log, [], 'a short wait is batched');
    busyWait(2); // the rest of a long poll phase
    batcher.afterRead(quiet);
    assert.deepEqual(log, ['commit', 'first'], 'left before the end of the turn');
    batcher.schedule(target(log, 'second'));
    await nextTurn();
    assert.deepEqual(log, ['commit', 'first', 'commit', 'second'], 'what came after leaves at the end of the turn');
  });

  it('answers the first reads of a turn at once while turns are short, and batches busy turns', async () => {
    const log: string[] = [];
    const batcher = new WriteBatcher(() => log.push('commit'), undefined, 1000, 2);
    const read = (name: string) => {
      batcher.schedule(target(log, name)); // a delivery this read made
      batcher.afterRead(target(log, `${name}'s reader`)); // which had nothing to send itself
    };
    const sent = () => log.filter((x) => x !== 'commit');
    read('r1');
    read('r2');
    assert.deepEqual(log, ['commit', 'r1', 'commit', 'r2'], 'the first two reads each leave before the next read');
    read('r3');
    assert.deepEqual(sent(), ['r1', 'r2'], 'a third read of the turn waits for its end');
    await nextTurn();
    assert.deepEqual(sent(), ['r1', 'r2', 'r3']);
    // The last turn had three reads, more than two: this one batches from its first read.
    read('r4');
    read('r5');
    assert.deepEqual(sent(), ['r1', 'r2', 'r3'], 'after a busy turn nothing is eager');
    await nextTurn();
    assert.deepEqual(sent(), ['r1', 'r2', 'r3', 'r4', 'r5']);
    // Two reads last turn: eager again. A read with nothing to send counts too.
    batcher.afterRead(target(log, 'quiet'));
    read('r6');
    assert.deepEqual(sent().slice(5), ['r6']);
    read('r7');
    assert.deepEqual(sent().slice(5), ['r6'], 'third read of the turn: batched');
    await nextTurn();
    assert.deepEqual(sent().slice(5), ['r6', 'r7']);
    // That turn was busy, but the broker has been idle since: eager.
    busyWait(2);
    read('r8');
    assert.deepEqual(sent().slice(7), ['r8']);
  });

  it('sends what a read produced in the order it was produced: the deliveries before the acknowledgement', () => {
    const log: string[] = [];
    const batcher = new WriteBatcher(() => log.push('commit'));
    const publisher = target(log, 'puback');
    // A PUBLISH is routed, then acknowledged.
    batcher.schedule(target(log, 'subscriber 1'));
    batcher.schedule(target(log, 'subscriber 2'));
    batcher.schedule(publisher);
    batcher.afterRead(publisher);
    assert.deepEqual(log, ['commit', 'subscriber 1', 'subscriber 2', 'puback']);
  });

  it("in a busy turn, sends a connection's own output after its read unless a commit is pending, the rest with the batch", async () => {
    const log: string[] = [];
    let uncommitted = false;
    const batcher = new WriteBatcher(() => {
      log.push('commit');
      uncommitted = false;
    }, () => uncommitted, 1000, 0);
    const reader = target(log, 'reader');
    const other = target(log, 'other');
    batcher.schedule(other);
    batcher.schedule(reader);
    batcher.afterRead(reader);
    assert.deepEqual(log, ['reader'], "the reader's answer leaves; nothing needed committing");
    batcher.afterRead(reader);
    assert.deepEqual(log, ['reader'], 'nothing more to send for it');
    uncommitted = true; // e.g. a persistent subscriber's copy was stored by this read
    batcher.schedule(reader);
    batcher.afterRead(reader);
    assert.deepEqual(log, ['reader'], 'an acknowledgement waits for the commit of what it acknowledges');
    await nextTurn();
    assert.deepEqual(log, ['reader', 'commit', 'other', 'reader']);
  });

  it('sends nothing while the commit fails, and everything once it works', async (t) => {
    t.mock.method(console, 'error', () => {});
    const log: string[] = [];
    let failing = true;
    let attempts = 0;
    const batcher = new WriteBatcher(() => {
      attempts++;
      if (failing) throw new Error('disk full');
      log.push('commit');
    }, () => failing, 0);
    batcher.schedule(target(log, 'ack'));
    await nextTurn();
    batcher.afterRead(target(log, 'quiet')); // no early attempt while waiting for the retry
    const later = target(log, 'later');
    batcher.schedule(later);
    batcher.afterRead(later); // nor a connection's own answers
    await nextTurn();
    assert.deepEqual(log, [], 'no byte leaves without a commit');
    assert.equal(attempts, 1, 'one attempt until the retry (one error logged, not one per read)');
    failing = false;
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(log, ['commit', 'ack', 'later']);
  });
});
