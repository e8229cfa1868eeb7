/**
 * The real broker process under the real supervisor writes telemetry.db in its data
 * directory; the console's reader finds the events there, and a message kept across a broker
 * restart keeps its ID (pub_mqtt before the restart, push_offline after it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import path from 'node:path';
import type mqtt from 'mqtt';
import { settings } from '@/db/schema';
import { connectClient, inboxOf, RawClient } from '../broker/testing/helpers';
import { insertInstance, startBrokerProcess, until, type BrokerProcess } from '../supervisor/testing/broker-process';
import { TelemetryReader } from './queries';
import { TELEMETRY_RETENTION_SETTING } from './settings';
import { writeOldMessages } from './testing/old-events';

describe('telemetry in the broker process', () => {
  let proc: BrokerProcess;
  let reader: TelemetryReader;

  before(async () => {
    proc = await startBrokerProcess();
    reader = new TelemetryReader(proc.backend.dataDir);
  });

  after(async () => {
    reader.close();
    await proc.stop();
  });

  function connect(clientId: string, clean: boolean): Promise<mqtt.MqttClient> {
    return connectClient(proc.instance.tcpPort, { clientId, clean });
  }

  it('records messages and device events into <dataDir>/telemetry.db, with IDs stable across a restart', async () => {
    const instanceId = proc.instance.id;
    const range = () => ({ instanceId, from: 0, to: Date.now() + 1000 });

    const device = await connect('keeper', false);
    await device.subscribeAsync('Kept/#', { qos: 1 });
    await device.endAsync();
    const pub = await connect('sender', true);
    await pub.publishAsync('Kept/a', 'across a restart', { qos: 1 });
    await pub.endAsync();

    // SIGTERM: the broker flushes its telemetry before it exits.
    await proc.supervisor.stop();
    const published = reader.messagesOfClient({ ...range(), clientId: 'sender' });
    assert.equal(published.length, 1);
    assert.equal(published[0].kind, 'pub_mqtt');

    proc.supervisor.start();
    await proc.supervisor.whenRunning();
    const again = await connect('keeper', false);
    const [received] = await inboxOf(again).waitFor(1, 5000);
    assert.equal(received.payload.toString(), 'across a restart');

    await until(() => {
      const t = reader.traceMessage(published[0].messageId);
      return t?.deliveries.length === 1 && t.deliveries[0].acked;
    }, 'the delivery after the restart to be in telemetry.db', 5000);
    const trace = reader.traceMessage(published[0].messageId)!;
    assert.equal(trace.origin?.clientId, 'sender');
    assert.deepEqual(
      trace.deliveries.map((d) => [d.kind, d.clientId]),
      [['push_offline', 'keeper']],
    );
    await again.endAsync();

    await until(() => reader.deviceEvents({ ...range(), clientId: 'keeper' }).length >= 6, 'the device events of both connections', 5000);
    const events = reader.deviceEvents({ ...range(), clientId: 'keeper' }).reverse();
    assert.deepEqual(
      events.map((e) => `${e.action}: ${e.description}`),
      [
        'connect: accepted',
        'disconnect: disconnected by client',
        'close: disconnected by client',
        'connect: accepted',
        'disconnect: disconnected by client',
        'close: disconnected by client',
      ],
    );
    // Two connections, two channels: unique across the restart.
    assert.equal(new Set(events.map((e) => e.channelId)).size, 2);
  });

  it('applies the console setting telemetryRetentionDays: older rows are deleted, newer kept', async () => {
    const instanceId = proc.instance.id;
    const all = { instanceId, from: 0, to: Date.now() + 1000 };
    const recent = reader.messagesOfClient({ ...all, clientId: 'sender' }).length;
    assert.ok(recent > 0);
    // Events from two days ago (as if the broker had been recording then).
    writeOldMessages(path.join(proc.backend.dataDir, 'telemetry.db'), [
      { time: Date.now() - 2 * 86_400_000, instanceId, clientId: 'old-timer', topic: 'Kept/old', messageId: 1 },
    ]);
    assert.equal(reader.messagesOfClient({ ...all, clientId: 'old-timer' }).length, 1);

    proc.backend.db.insert(settings).values({ key: TELEMETRY_RETENTION_SETTING, value: '1' }).run();
    await until(() => reader.messagesOfClient({ ...all, clientId: 'old-timer' }).length === 0, 'the two-day-old event to be deleted', 5000);
    assert.equal(reader.messagesOfClient({ ...all, clientId: 'sender' }).length, recent);
  });

  it('records a refused login (bad signature on an authenticated instance) as "connect: not authorized"', async () => {
    const secured = await insertInstance(proc.backend, 'secured', { openMode: false });
    await until(
      () => proc.supervisor.status().listeners.some((l) => l.instanceId === secured.id && l.kind === 'tcp' && l.error === null),
      'the new instance to listen',
    );
    const clientId = 'GID_trace@@@device-1';
    const raw = await RawClient.connect(secured.tcpPort);
    const connack = (await raw.handshake({
      clientId,
      username: `Signature|LTAI00000000000000000000|${secured.id}`,
      password: Buffer.from('not the signature'),
    })) as { returnCode?: number };
    assert.notEqual(connack.returnCode, 0);
    await raw.waitClose();
    const range = { instanceId: secured.id, clientId, from: 0, to: Date.now() + 1000 };
    await until(() => reader.deviceEvents(range).length > 0, 'the refusal in the device trace', 5000);
    assert.deepEqual(
      reader.deviceEvents(range).map((e) => `${e.action}: ${e.description}`),
      ['connect: not authorized'],
    );
  });
});
