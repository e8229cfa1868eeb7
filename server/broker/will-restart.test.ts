/**
 * The real broker process (server/broker/main.ts under the real supervisor, SQLite store): an
 * MQTT 5 will waiting for its Will Delay Interval survives the process being killed. It is
 * published once, not before its delay, unless the client comes back first [MQTT-3.1.3-9].
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IConnackPacket, IConnectPacket, IPublishPacket } from 'mqtt-packet';
import { startBrokerProcess, until, type BrokerProcess } from '../supervisor/testing/broker-process';
import { RawClient } from './testing/helpers';

const WILL_DELAY_S = 2;
const RETURN_DELAY_S = 5;

describe('a pending delayed will in the real broker process', () => {
  let bp: BrokerProcess;
  before(async () => {
    bp = await startBrokerProcess();
  });
  after(() => bp.stop());

  const port = () => bp.instance.tcpPort;

  /** A persistent MQTT 5 client (session expiry 300 s) with a delayed will drops without DISCONNECT. */
  async function dropWithWill(clientId: string, delaySeconds: number): Promise<number> {
    const c = await RawClient.connect(port(), 5);
    const ack = (await c.handshake({
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
      will: {
        topic: `Wills/${clientId}`,
        payload: Buffer.from(`${clientId} is gone`),
        qos: 1,
        retain: false,
        properties: { willDelayInterval: delaySeconds, contentType: 'text/plain', userProperties: { why: 'dropped' } },
      },
    } as Partial<IConnectPacket>)) as IConnackPacket;
    assert.equal(ack.reasonCode, 0);
    c.close();
    const droppedAt = Date.now();
    const online = async () => (await bp.supervisor.request<{ online: number }>('clientStatus', { instanceId: bp.instance.id, clientId })).online;
    await until(async () => (await online()) === 0, `${clientId} to be offline`);
    return droppedAt;
  }

  async function killAndWaitForRestart(): Promise<void> {
    const pid = bp.supervisor.status().pid!;
    process.kill(pid, 'SIGKILL');
    await until(() => bp.supervisor.status().pid !== pid && bp.supervisor.status().state === 'running', 'the broker to be restarted');
    await bp.supervisor.whenRunning();
  }

  async function watch(clientId: string): Promise<RawClient> {
    const w = await RawClient.connect(port(), 5);
    await w.handshake({ clientId });
    w.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'Wills/#', qos: 1 }] });
    await w.next('suback');
    return w;
  }

  /** Nothing more arrives for `ms`, checked with a round trip. */
  async function assertNoMorePublishes(w: RawClient, ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    w.send({ cmd: 'pingreq' });
    await w.next('pingresp');
    assert.deepEqual(
      w.pending().filter((p) => p.cmd === 'publish'),
      [],
    );
  }

  it('is published after its delay, exactly once, by the restarted broker', async () => {
    const droppedAt = await dropWithWill('GID_will@@@dropped', WILL_DELAY_S);
    await new Promise((r) => setTimeout(r, 100)); // the turn's store commit
    await killAndWaitForRestart();

    const w = await watch('GID_will@@@watcher');
    const will = (await w.next('publish', 15_000)) as IPublishPacket;
    const after = Date.now() - droppedAt;
    assert.equal(will.topic, 'Wills/GID_will@@@dropped');
    assert.equal(will.payload.toString(), 'GID_will@@@dropped is gone');
    assert.equal(will.qos, 1);
    assert.equal(will.properties?.contentType, 'text/plain');
    assert.deepEqual({ ...will.properties?.userProperties }, { why: 'dropped' });
    // Not before its delay (the timer wheel's resolution is 250 ms: generous slack).
    assert.ok(after >= WILL_DELAY_S * 1000 - 300, `the will came ${after} ms after the drop`);
    w.send({ cmd: 'puback', messageId: will.messageId! });
    await assertNoMorePublishes(w, 1000);
    w.close();
  });

  it('is not published when the client reconnects before the delay, after the restart', async () => {
    // A longer delay, so that the restart surely takes less.
    const droppedAt = await dropWithWill('GID_will@@@returns', RETURN_DELAY_S);
    await new Promise((r) => setTimeout(r, 100));
    await killAndWaitForRestart();
    const w = await watch('GID_will@@@watcher-2');

    const back = await RawClient.connect(port(), 5);
    const ack = (await back.handshake({ clientId: 'GID_will@@@returns', clean: false, properties: { sessionExpiryInterval: 300 } })) as IConnackPacket;
    assert.equal(ack.sessionPresent, true);
    assert.ok(Date.now() - droppedAt < RETURN_DELAY_S * 1000, 'the client came back before the will delay');
    // Well past the will's time: nothing was published.
    await assertNoMorePublishes(w, Math.max(0, droppedAt + RETURN_DELAY_S * 1000 + 1000 - Date.now()));
    back.close();
    w.close();
  });
});
