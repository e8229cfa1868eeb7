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
    batcher.schedule(target(log, 'first'));
    batcher.afterInput();
    assert.deepEqual(log, [], 'a short wait is batched');
    busyWait(2); // the rest of a long poll phase
    batcher.afterInput();
    assert.deepEqual(log, ['commit', 'first'], 'left before the end of the turn');
    batcher.schedule(target(log, 'second'));
    await nextTurn();
    assert.deepEqual(log, ['commit', 'first', 'commit', 'second'], 'what came after leaves at the end of the turn');
  });

  it('answers the first reads of a turn at once, then batches the rest of the turn', async () => {
    const log: string[] = [];
    const batcher = new WriteBatcher(() => log.push('commit'), undefined, 1000, 2);
    const read = (name: string) => {
      batcher.schedule(target(log, name));
      batcher.afterInput();
    };
    read('r1');
    read('r2');
    assert.deepEqual(log, ['commit', 'r1', 'commit', 'r2'], 'the first two reads each leave before the next read');
    read('r3');
    read('r4');
    assert.deepEqual(log.length, 4, 'later reads of the turn wait for its end');
    await nextTurn();
    assert.deepEqual(log.slice(4), ['commit', 'r3', 'r4']);
    read('r5');
    assert.deepEqual(log.slice(7), ['commit', 'r5'], 'a new turn starts eager again');
    // A read with nothing to send still counts, and the count still restarts with the next turn.
    await nextTurn();
    batcher.afterInput();
    batcher.afterInput();
    read('r6');
    assert.deepEqual(log.slice(9), [], 'third read of the turn: batched');
    await nextTurn();
    assert.deepEqual(log.slice(9), ['commit', 'r6']);
    await nextTurn();
    read('r7');
    assert.deepEqual(log.slice(11), ['commit', 'r7']);
  });

  it("sends a connection's own output after its read unless a commit is pending, the rest with the batch", async () => {
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
    batcher.flushOwn(reader);
    assert.deepEqual(log, ['reader'], "the reader's answer leaves; nothing needed committing");
    batcher.flushOwn(reader);
    assert.deepEqual(log, ['reader'], 'nothing more to send for it');
    uncommitted = true; // e.g. a persistent subscriber's copy was stored by this read
    batcher.schedule(reader);
    batcher.flushOwn(reader);
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
    batcher.afterInput(); // no early attempt while waiting for the retry
    const later = target(log, 'later');
    batcher.schedule(later);
    batcher.flushOwn(later); // nor a connection's own answers
    await nextTurn();
    assert.deepEqual(log, [], 'no byte leaves without a commit');
    assert.equal(attempts, 1, 'one attempt until the retry (one error logged, not one per read)');
    failing = false;
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(log, ['commit', 'ack', 'later']);
  });
});
