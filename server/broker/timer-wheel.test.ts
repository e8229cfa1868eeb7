import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerWheel, type Timed } from './timer-wheel';

function item(log: number[], id: number): Timed {
  return { timerAt: 0, timerSlot: 0, onTimer: () => log.push(id) };
}

describe('timer wheel', () => {
  it('fires due items once, in bucket order', () => {
    const wheel = new TimerWheel(100);
    const log: number[] = [];
    const a = item(log, 1);
    const b = item(log, 2);
    wheel.schedule(a, 1_000_300);
    wheel.schedule(b, 1_000_100);
    wheel.tick(1_000_050);
    assert.deepEqual(log, []);
    wheel.tick(1_000_150);
    assert.deepEqual(log, [2]);
    wheel.tick(1_000_400);
    assert.deepEqual(log, [2, 1]);
    wheel.tick(1_000_900);
    assert.deepEqual(log, [2, 1]);
  });

  it('moving a deadline later re-files it when its old bucket fires', () => {
    const wheel = new TimerWheel(100);
    const log: number[] = [];
    const a = item(log, 1);
    wheel.schedule(a, 2_000_100);
    wheel.schedule(a, 2_000_500);
    wheel.tick(2_000_200);
    assert.deepEqual(log, []);
    wheel.tick(2_000_600);
    assert.deepEqual(log, [1]);
  });

  it('moving a deadline earlier and cancelling work', () => {
    const wheel = new TimerWheel(100);
    const log: number[] = [];
    const a = item(log, 1);
    const b = item(log, 2);
    wheel.schedule(a, 3_000_900);
    wheel.schedule(a, 3_000_100);
    wheel.schedule(b, 3_000_100);
    wheel.cancel(b);
    wheel.tick(3_000_200);
    assert.deepEqual(log, [1]);
    wheel.tick(3_001_000);
    assert.deepEqual(log, [1]);
  });
});
