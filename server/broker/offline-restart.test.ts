/**
 * The real broker process (server/broker/main.ts under the real supervisor, SQLite store):
 * P2P messages kept for an offline device survive the process being killed, and the control
 * method `stats` reports the offline counters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { startBrokerProcess, until, type BrokerProcess } from '../supervisor/testing/broker-process';

type Stats = Record<string, { offlineQueued: number; offlineDropped: number; offlineExpired: number; throttled: number }>;

describe('offline P2P messages in the real broker process', () => {
  let bp: BrokerProcess;
  before(async () => {
    bp = await startBrokerProcess();
  });
  after(() => bp.stop());

  it('survive a SIGKILL and are delivered when the device comes back', async () => {
    const url = `mqtt://127.0.0.1:${bp.instance.tcpPort}`;
    const target = 'GID_demo@@@device-1';
    const device = await mqtt.connectAsync(url, { clientId: target, clean: false, reconnectPeriod: 0 });
    await device.endAsync();

    const sender = await mqtt.connectAsync(url, { clientId: 'GID_demo@@@server', clean: false, reconnectPeriod: 0 });
    for (let i = 1; i <= 3; i++) await sender.publishAsync(`Orders/p2p/${target}`, `order ${i}`, { qos: 1 });
    await sender.endAsync();
    const before = await bp.supervisor.request<Stats>('stats');
    assert.equal(before[bp.instance.id].offlineQueued, 3);

    // Acknowledged means committed: killing the process now loses nothing.
    const pid = bp.supervisor.status().pid!;
    process.kill(pid, 'SIGKILL');
    await until(() => bp.supervisor.status().pid !== pid && bp.supervisor.status().state === 'running', 'the broker to be restarted');
    await bp.supervisor.whenRunning();
    const after = await bp.supervisor.request<Stats>('stats');
    assert.equal(after[bp.instance.id].offlineQueued, 3);

    const back = mqtt.connect(url, { clientId: target, clean: false, reconnectPeriod: 0 });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      back.on('message', (topic, payload) => {
        got.push(`${topic} ${payload}`);
        if (got.length === 3) resolve();
      });
      back.once('error', reject);
      setTimeout(() => reject(new Error(`timed out with ${got.length} messages`)), 5000);
    });
    assert.deepEqual(got, [1, 2, 3].map((i) => `Orders/p2p/${target} order ${i}`));
    await back.endAsync();
    await until(async () => (await bp.supervisor.request<Stats>('stats'))[bp.instance.id].offlineQueued === 0, 'the backlog to be empty');
  });
});
