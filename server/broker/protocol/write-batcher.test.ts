/**
 * The write batcher decides when bytes leave: once per turn, earlier when a long burst of
 * input has kept them waiting, and never before the store has committed.
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
    const batcher = new WriteBatcher(() => log.push('commit'), 1);
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

  it('sends nothing while the commit fails, and everything once it works', async (t) => {
    t.mock.method(console, 'error', () => {});
    const log: string[] = [];
    let failing = true;
    let attempts = 0;
    const batcher = new WriteBatcher(() => {
      attempts++;
      if (failing) throw new Error('disk full');
      log.push('commit');
    }, 0);
    batcher.schedule(target(log, 'ack'));
    await nextTurn();
    batcher.afterInput(); // no early attempt while waiting for the retry
    batcher.schedule(target(log, 'later'));
    await nextTurn();
    assert.deepEqual(log, [], 'no byte leaves without a commit');
    assert.equal(attempts, 1, 'one attempt until the retry (one error logged, not one per read)');
    failing = false;
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(log, ['commit', 'ack', 'later']);
  });
});
