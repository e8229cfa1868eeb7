/**
 * The whole token flow as an application server and its devices live it, against the REAL
 * broker process: the server applies for a token over HTTP (signed as the cloud's SDK signs),
 * hands it to a device, which connects at once in token mode with MQTT.js and may publish and
 * subscribe within the token's resources only; revoking the token over HTTP disconnects the
 * device and keeps it out.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { instances } from '@/db/schema';
import { createAccessKey } from '../services/access-keys';
import { groupService, topicService } from '../services/instance-resources';
import { startBrokerProcess, until, type BrokerProcess } from '../supervisor/testing/broker-process';
import { handleOpenApi } from './open-api';

const HOUR = 3_600_000;

function cloudSignature(params: Record<string, string>, secret: string): string {
  const text = Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('&');
  return crypto.createHmac('sha1', secret).update(text, 'utf8').digest('base64');
}

/** The CONNACK refusal code MQTT.js reports, or 0 when the client connected (and is closed again). */
async function connackCode(url: string, options: mqtt.IClientOptions): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
    await c.endAsync();
    return 0;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (typeof code !== 'number') throw err;
    return code;
  }
}

describe('tokens from the token API authenticate MQTT clients in the real broker process', () => {
  let broker: BrokerProcess;
  let key: { id: string; secret: string };
  let server: http.Server;
  let api: string;
  let url: string;
  let instanceId: string;

  before(async () => {
    broker = await startBrokerProcess();
    instanceId = broker.instance.id;
    const { backend } = broker;
    backend.db.update(instances).set({ openMode: false }).where(eq(instances.id, instanceId)).run();
    topicService.create(backend, { instanceId, name: 'Orders' });
    topicService.create(backend, { instanceId, name: 'Audit' });
    groupService.create(backend, { instanceId, name: 'GID_app' });
    key = createAccessKey(backend);
    server = http.createServer((req, res) => {
      if (!handleOpenApi(req, res, { backend: () => backend, supervisor: () => broker.supervisor })) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    api = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    url = `mqtt://127.0.0.1:${broker.instance.tcpPort}`;
    // Open mode is off once anonymous clients are refused.
    await until(async () => (await connackCode(url, { clientId: 'GID_app@@@probe', protocolVersion: 4 })) !== 0, 'open mode off');
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await broker.stop();
  });

  async function call(operation: string, params: Record<string, string>) {
    const res = await fetch(`${api}/token/${operation}`, { method: 'POST', body: new URLSearchParams(params) });
    return (await res.json()) as { success: boolean; code: number; message: string; tokenData: unknown };
  }

  async function apply(actions: string, resources: string): Promise<string> {
    const signed = { actions, resources, expireTime: String(Date.now() + HOUR), serviceName: 'mq', instanceId };
    const answer = await call('apply', { ...signed, proxyType: 'MQTT', accessKey: key.id, signature: cloudSignature(signed, key.secret) });
    assert.equal(answer.code, 200, answer.message);
    return answer.tokenData as string;
  }

  const tokenOptions = (password: string, clientId: string): mqtt.IClientOptions => ({
    clientId,
    username: `Token|${key.id}|${instanceId}`,
    password,
    protocolVersion: 4,
  });

  it('a device connects right after apply, publishes and subscribes within the resources only', async () => {
    const token = await apply('R,W', 'Orders/+');
    const device = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...tokenOptions(`RW|${token}`, 'GID_app@@@device-1') });
    try {
      const granted = await device.subscribeAsync('Orders/+', { qos: 1 });
      assert.equal(granted[0]!.qos, 1);
      const got = new Promise<string>((resolve) => device.once('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)));
      await device.publishAsync('Orders/new', 'order 1', { qos: 1 });
      assert.equal(await got, 'Orders/new order 1');
      // Beyond the token: a wider filter is refused (SUBACK 0x80)…
      const wider = await device.subscribeAsync('Orders/#', { qos: 1 }).catch((err: { packet?: { granted?: number[] } }) => err.packet?.granted);
      assert.deepEqual(Array.isArray(wider) ? wider.map((g) => (typeof g === 'number' ? g : g.qos)) : wider, [128]);
      // …and a 3.1.1 PUBLISH outside it closes the connection.
      const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
      device.publish('Audit/log', 'not mine', { qos: 0 });
      await closed;
    } finally {
      device.end(true);
    }
  });

  it('a token of another type or a made-up one is refused', async () => {
    const readOnly = await apply('R', 'Orders/#');
    assert.equal(await connackCode(url, tokenOptions(`R|${readOnly}`, 'GID_app@@@device-2')), 0);
    assert.equal(await connackCode(url, tokenOptions(`W|${readOnly}`, 'GID_app@@@device-2')), 5);
    assert.equal(await connackCode(url, tokenOptions('RW|made-up-token', 'GID_app@@@device-2')), 4);
  });

  it('revoking over HTTP disconnects the device and keeps it out', async () => {
    const token = await apply('R,W', 'Orders/#');
    const device = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...tokenOptions(`RW|${token}`, 'GID_app@@@device-3') });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    const revoked = await call('revoke', { token, accessKey: key.id, signature: cloudSignature({ token }, key.secret) });
    assert.equal(revoked.code, 200, revoked.message);
    await closed;
    device.end(true);
    assert.equal(await connackCode(url, tokenOptions(`RW|${token}`, 'GID_app@@@device-3')), 5);
  });
});
