/**
 * The real broker process under the real supervisor, on a temporary data directory: it
 * serves the instances of the database, follows changes made by another process within a
 * second, is restarted after a SIGKILL, and disconnects MQTT 5 clients with 0x8B on stop; with
 * a TLS certificate it cannot load, it serves TCP and WebSocket and says why TLS waits; told to
 * bind an address the machine does not have, it keeps running and says so on every listener;
 * and so it does on a port it lacks the privilege for.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { instances, type Instance } from '@/db/schema';
import { loadOrCreateCertificate } from '../broker/tls/certificate';
import type { TempBackend } from '../testing/temp-backend';
import type { BrokerSupervisor } from './broker-supervisor';
import type { ListenerStatus } from './control-messages';
import { freePorts, insertInstance, startBrokerProcess, until, type BrokerProcess } from './testing/broker-process';

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
  let broker: BrokerProcess;
  let backend: TempBackend;
  let supervisor: BrokerSupervisor;
  let first: Instance;

  before(async () => {
    broker = await startBrokerProcess();
    ({ backend, supervisor, instance: first } = broker);
  });

  after(() => broker.stop());

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
    const created = Date.now();
    // Open mode: this is about serving the instance; authentication has its own tests (product-auth.test.ts).
    const second = await insertInstance(backend, 'second', { openMode: true });
    await until(() => canConnect(second.tcpPort), 'the new instance to listen', 5000);
    assert.ok(Date.now() - created < 1500, `took ${Date.now() - created} ms`);
    assert.equal(await roundTrip(`mqtt://127.0.0.1:${second.tcpPort}`, `mqtt://127.0.0.1:${second.tcpPort}`), 'Orders/eu/1 hello');

    const deleted = Date.now();
    backend.db.delete(instances).where(eq(instances.id, second.id)).run();
    await until(async () => !(await canConnect(second.tcpPort)), 'the deleted instance to stop listening', 5000);
    assert.ok(Date.now() - deleted < 1500, `took ${Date.now() - deleted} ms`);
    await until(() => !supervisor.status().listeners.some((l) => l.instanceId === second.id), 'status to drop it');
  });

  it('reports a port another program holds, and listens on it once it is free, without a change to the instance', async () => {
    const ports = await freePorts();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(ports.tcpPort, '0.0.0.0', resolve));
    const third = await insertInstance(backend, 'third', { ...ports, openMode: true });
    const tcp = () => supervisor.status().listeners.find((l) => l.instanceId === third.id && l.kind === 'tcp');
    await until(() => tcp()?.error != null, 'the TCP listener to report its error', 5000);
    assert.equal(tcp()!.error, `port ${ports.tcpPort} is in use`);
    assert.equal(tcp()!.code, 'EADDRINUSE', 'flagged for the console to word in its language');
    // The other three listen meanwhile.
    const others = supervisor.status().listeners.filter((l) => l.instanceId === third.id && l.kind !== 'tcp');
    assert.deepEqual(others.map((l) => l.error), [null, null, null]);

    await new Promise((r) => squatter.close(r));
    await until(() => tcp()?.error === null, 'the broker to take the port once it is free', 10_000);
    assert.equal(await roundTrip(`mqtt://127.0.0.1:${third.tcpPort}`, `ws://127.0.0.1:${third.wsPort}/mqtt`), 'Orders/eu/1 hello');
    backend.db.delete(instances).where(eq(instances.id, third.id)).run();
    await until(() => !supervisor.status().listeners.some((l) => l.instanceId === third.id), 'status to drop it');
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

describe('the supervised broker with TLS certificate files it cannot load', () => {
  it('serves TCP and WebSocket meanwhile, says which file is wrong on the TLS listeners, and uses the files once they are fixed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-cert-'));
    const certFile = path.join(dir, 'server.crt');
    const keyFile = path.join(dir, 'server.key');
    const broker = await startBrokerProcess({ MAGPIE_TLS_CERT_FILE: certFile, MAGPIE_TLS_KEY_FILE: keyFile });
    try {
      const { instance, supervisor } = broker;
      const listener = (kind: string) => supervisor.status().listeners.find((l) => l.instanceId === instance.id && l.kind === kind);
      // Running, not restarting over and over: the broker did not exit over its certificate.
      assert.equal(supervisor.status().state, 'running');
      for (const kind of ['tls', 'wss']) {
        assert.equal(listener(kind)?.code, 'CERTIFICATE');
        assert.match(listener(kind)!.error!, new RegExp(`cannot read the certificate file ${certFile}: no such file`));
      }
      assert.equal(listener('tcp')?.error, null);
      assert.equal(listener('ws')?.error, null);
      assert.equal(await roundTrip(`mqtt://127.0.0.1:${instance.tcpPort}`, `ws://127.0.0.1:${instance.wsPort}/mqtt`), 'Orders/eu/1 hello');
      assert.equal(await canConnect(instance.tlsPort), false);

      // The user puts a certificate and its key in place; no restart.
      const made = await loadOrCreateCertificate(path.join(dir, 'made'));
      fs.writeFileSync(keyFile, made.key);
      fs.writeFileSync(certFile, made.cert);
      await until(() => listener('tls')?.error === null && listener('wss')?.error === null, 'the TLS listeners to open', 15_000);
      assert.equal(supervisor.status().restarts, 0);
      const served = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ port: instance.tlsPort, host: '127.0.0.1', rejectUnauthorized: false }, () => {
          resolve(socket.getPeerX509Certificate()!.fingerprint256);
          socket.destroy();
        });
        socket.once('error', reject);
      });
      assert.equal(served, made.fingerprint256, 'the TLS listener serves the files put in place');
      assert.equal(
        await roundTrip(`mqtts://127.0.0.1:${instance.tlsPort}`, `wss://127.0.0.1:${instance.wssPort}/mqtt`, { protocolVersion: 5 }),
        'Orders/eu/1 hello',
      );
    } finally {
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the supervised broker told to bind an address this machine does not have', () => {
  it('keeps running and reports every listener as EADDRNOTAVAIL, for the console to word', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const broker = await startBrokerProcess({ MAGPIE_BROKER_BIND: '192.0.2.1' });
    try {
      const { instance, supervisor } = broker;
      const mine = () => supervisor.status().listeners.filter((l) => l.instanceId === instance.id);
      await until(() => mine().length === 4 && mine().every((l) => l.error !== null), 'the four listeners to report their error', 5000);
      for (const l of mine()) {
        assert.equal(l.code, 'EADDRNOTAVAIL', `${l.kind}: ${l.error}`);
        assert.match(l.error!, /192\.0\.2\.1/, 'the message names the address');
      }
      assert.equal(await canConnect(instance.tcpPort), false);
      // The broker did not exit over it: a while later it is still the first process.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(supervisor.status().state, 'running');
      assert.equal(supervisor.status().restarts, 0);
      assert.equal(mine().filter((l) => l.code === 'EADDRNOTAVAIL').length, 4);
    } finally {
      await broker.stop();
    }
  });
});

describe('the supervised broker on a port below 1024, without the privilege to bind it', () => {
  it('keeps running and reports that listener as EACCES with its port, for the console to word; the others listen', async () => {
    // The tests may run as root, which may bind any port: then the fixture runs as nobody.
    const asUnprivileged = process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
    const [command, ...args] = [
      ...asUnprivileged,
      process.execPath,
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'testing', 'report-listeners.ts'),
      '1000',
    ];
    const { stdout } = await promisify(execFile)(command, args, { cwd: path.join(import.meta.dirname, '..', '..'), timeout: 30_000 });
    const report = JSON.parse(stdout.split('\n').find((line) => line.startsWith('{'))!) as {
      uid: number;
      state: string;
      restarts: number;
      listeners: ListenerStatus[];
    };
    assert.notEqual(report.uid, 0);
    assert.equal(report.state, 'running');
    assert.equal(report.restarts, 0, 'the broker did not exit over it');
    const tcp = report.listeners.find((l) => l.kind === 'tcp');
    assert.equal(tcp?.code, 'EACCES', tcp?.error ?? undefined);
    assert.equal(tcp?.port, 1000);
    assert.match(tcp!.error!, /permission denied 127\.0\.0\.1:1000/);
    for (const kind of ['tls', 'ws', 'wss']) assert.equal(report.listeners.find((l) => l.kind === kind)?.error, null, kind);
  });
});
