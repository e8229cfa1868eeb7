import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BrokerSupervisor } from './broker-supervisor';

const fixture = path.join(import.meta.dirname, 'testing', 'fixture-child.ts');

function supervisor(overrides = {}) {
  return new BrokerSupervisor({
    entry: fixture,
    execArgv: ['--import', 'tsx'],
    minBackoffMs: 100,
    maxBackoffMs: 400,
    log: () => {},
    ...overrides,
  });
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('broker supervisor', () => {
  const running: BrokerSupervisor[] = [];
  after(async () => {
    await Promise.all(running.map((s) => s.stop()));
  });

  it('starts the process, reports it running with its listeners, and answers requests', async () => {
    const s = supervisor();
    running.push(s);
    assert.equal(s.status().state, 'stopped');
    s.start();
    assert.equal(s.status().state, 'starting');
    await s.whenRunning();
    const status = s.status();
    assert.equal(status.state, 'running');
    assert.ok(status.pid && status.pid !== process.pid);
    assert.equal(status.listeners[0]?.kind, 'tcp');
    assert.deepEqual(await s.request('echo', { hello: 'broker' }), { hello: 'broker' });
    await assert.rejects(s.request('nope'), /unknown method nope/);
  });

  it('restarts a crashed broker with a growing backoff, counting restarts', async () => {
    const s = supervisor();
    running.push(s);
    s.start();
    await s.whenRunning();
    const firstPid = s.status().pid;

    await assert.rejects(s.request('crash'), /exited/);
    assert.equal(s.status().state, 'restarting');
    assert.equal(s.status().lastExit?.code, 3);
    const firstDelay = s.status().nextStartAt! - s.status().lastExit!.at;
    await s.whenRunning();
    assert.equal(s.status().restarts, 1);
    assert.notEqual(s.status().pid, firstPid);

    await assert.rejects(s.request('crash'), /exited/);
    const secondDelay = s.status().nextStartAt! - s.status().lastExit!.at;
    assert.ok(secondDelay > firstDelay, `backoff grows: ${firstDelay} ms, then ${secondDelay} ms`);
    await s.whenRunning();
    assert.equal(s.status().restarts, 2);
  });

  it('stops gracefully and does not restart', async () => {
    const s = supervisor();
    s.start();
    await s.whenRunning();
    await s.stop();
    const status = s.status();
    assert.equal(status.state, 'stopped');
    assert.equal(status.pid, null);
    assert.equal(status.lastExit?.code, 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.status().state, 'stopped');
    await assert.rejects(s.request('echo'), /not running/);
  });

  it('kills a broker that ignores SIGTERM after the stop timeout', async () => {
    const s = supervisor({ execArgv: ['--import', 'tsx', '--require', path.join(import.meta.dirname, 'testing', 'ignore-sigterm.cjs')], stopTimeoutMs: 300 });
    s.start();
    await s.whenRunning();
    await s.stop();
    await until(() => s.status().state === 'stopped');
    assert.equal(s.status().lastExit?.signal, 'SIGKILL');
  });
});
