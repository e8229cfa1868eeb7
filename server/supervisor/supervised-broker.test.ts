/**
 * The real broker process under the real supervisor, on a temporary data directory: it
 * serves the instances of the database, follows changes made by another process within a
 * second, is restarted after a SIGKILL, and disconnects MQTT 5 clients with 0x8B on stop.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { instances } from '@/db/schema';
import { newInstanceId } from '../services/instances';
import { tempBackend, type TempBackend } from '../testing/temp-backend';
import { BrokerSupervisor } from './broker-supervisor';

const entry = path.join(import.meta.dirname, '..', 'broker', 'main.ts');

/** Four ports nothing listens on (the OS picks them). */
async function freePorts(): Promise<{ tcpPort: number; tlsPort: number; wsPort: number; wssPort: number }> {
  const servers = await Promise.all(
    [0, 1, 2, 3].map(
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const [tcpPort, tlsPort, wsPort, wssPort] = servers.map((s) => (s.address() as net.AddressInfo).port) as [
    number,
    number,
    number,
    number,
  ];
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return { tcpPort, tlsPort, wsPort, wssPort };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Publishes through one URL and receives through another. */
async function roundTrip(subUrl: string, pubUrl: string, opts: mqtt.IClientOptions = {}): Promise<string> {
  const sub = await mqtt.connectAsync(subUrl, { reconnectPeriod: 0, rejectUnauthorized: false, ...opts });
  const pub = await mqtt.connectAsync(pubUrl, { reconnectPeriod: 0, rejectUnauthorized: false });
  try {
    await sub.subscribeAsync('Orders/#', { qos: 1 });
    const got = new Promise<string>((resolve) => sub.once('message', (topic, payload) => resolve(`${topic} ${payload}`)));
    await pub.publishAsync('Orders/eu/1', 'hello', { qos: 1 });
    return await got;
  } finally {
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  }
}

describe('the supervised broker process', () => {
  let backend: TempBackend;
  let supervisor: BrokerSupervisor;
  let first: { id: string; tcpPort: number; tlsPort: number; wsPort: number; wssPort: number };

  before(async () => {
    backend = tempBackend();
    first = { id: newInstanceId(), ...(await freePorts()) };
    backend.db.insert(instances).values({ ...first, name: 'first', maxConnections: 1000, maxTps: 1000, maxSubscriptions: 10000, openMode: true }).run();
    supervisor = new BrokerSupervisor({
      entry,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, MAGPIE_DATA_DIR: backend.dataDir, MAGPIE_BROKER_BIND: '127.0.0.1' },
      log: () => {},
    });
    supervisor.start();
    await supervisor.whenRunning();
  });

  after(async () => {
    await supervisor.stop();
    backend.cleanup();
  });

  it('listens on all four ports of each instance and reports them', async () => {
    const mine = supervisor.status().listeners.filter((l) => l.instanceId === first.id);
    assert.deepEqual(
      mine.map((l) => [l.kind, l.port, l.error]).sort(),
      [
        ['tcp', first.tcpPort, null],
        ['tls', first.tlsPort, null],
        ['ws', first.wsPort, null],
        ['wss', first.wssPort, null],
      ].sort(),
    );
  });

  it('carries messages between clients on TCP, TLS, WebSocket and secure WebSocket', async () => {
    assert.equal(await roundTrip(`mqtt://127.0.0.1:${first.tcpPort}`, `ws://127.0.0.1:${first.wsPort}/mqtt`), 'Orders/eu/1 hello');
    assert.equal(
      await roundTrip(`wss://127.0.0.1:${first.wssPort}/mqtt`, `mqtts://127.0.0.1:${first.tlsPort}`, { protocolVersion: 5 }),
      'Orders/eu/1 hello',
    );
  });

  it('serves an instance created by another process within a second, and stops serving a deleted one', async () => {
    const second = { id: newInstanceId(), ...(await freePorts()) };
    const created = Date.now();
    backend.db.insert(instances).values({ ...second, name: 'second', maxConnections: 100, maxTps: 100, maxSubscriptions: 1000 }).run();
    await until(() => canConnect(second.tcpPort), 'the new instance to listen', 5000);
    assert.ok(Date.now() - created < 1500, `took ${Date.now() - created} ms`);
    assert.equal(await roundTrip(`mqtt://127.0.0.1:${second.tcpPort}`, `mqtt://127.0.0.1:${second.tcpPort}`), 'Orders/eu/1 hello');

    const deleted = Date.now();
    backend.db.delete(instances).where(eq(instances.id, second.id)).run();
    await until(async () => !(await canConnect(second.tcpPort)), 'the deleted instance to stop listening', 5000);
    assert.ok(Date.now() - deleted < 1500, `took ${Date.now() - deleted} ms`);
    await until(() => !supervisor.status().listeners.some((l) => l.instanceId === second.id), 'status to drop it');
  });

  it("grants MQTT 5 clients at most the instance's maximum keep-alive, changed while running", async () => {
    /** The Server Keep Alive a client asking for 120 s is given in CONNACK. */
    const granted = () =>
      new Promise<number | undefined>((resolve, reject) => {
        const client = mqtt.connect(`mqtt://127.0.0.1:${first.tcpPort}`, { protocolVersion: 5, keepalive: 120, reconnectPeriod: 0 });
        client.once('connect', (packet) => {
          client.end(true);
          resolve(packet.properties?.serverKeepAlive);
        });
        client.once('error', reject);
      });
    backend.db.update(instances).set({ maxKeepAlive: 60 }).where(eq(instances.id, first.id)).run();
    await until(async () => (await granted()) === 60, 'Server Keep Alive 60 in CONNACK', 5000);
    backend.db.update(instances).set({ maxKeepAlive: 0 }).where(eq(instances.id, first.id)).run();
    await until(async () => (await granted()) === undefined, 'no Server Keep Alive once the cap is gone', 5000);
  });

  it('is restarted after being killed, and serves again', async () => {
    const pid = supervisor.status().pid!;
    process.kill(pid, 'SIGKILL');
    await until(() => supervisor.status().state === 'restarting', 'the supervisor to notice');
    await supervisor.whenRunning();
    assert.notEqual(supervisor.status().pid, pid);
    assert.ok(supervisor.status().restarts >= 1);
    assert.equal(await roundTrip(`mqtt://127.0.0.1:${first.tcpPort}`, `mqtt://127.0.0.1:${first.tcpPort}`), 'Orders/eu/1 hello');
  });

  it('on stop, disconnects MQTT 5 clients with reason 0x8B (server shutting down)', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.tcpPort}`, { protocolVersion: 5, reconnectPeriod: 0 });
    const reason = new Promise<number | undefined>((resolve) => client.once('disconnect', (packet) => resolve(packet.reasonCode)));
    await supervisor.stop();
    assert.equal(await reason, 0x8b);
    client.end(true);
    assert.equal(supervisor.status().state, 'stopped');
    assert.equal(await canConnect(first.tcpPort), false);
  });
});
