/**
 * The client status API (GET /route/clientId/get) against the REAL broker process: on the
 * console's port (the console asks the broker over the control channel) and on the
 * instance's own ws and wss ports (the broker answers itself). `online` follows real MQTT.js
 * clients; every error code comes with its HTTP status.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { handleOpenApi } from '../http/open-api';
import { createAccessKey, setAccessKeyEnabled } from '../services/access-keys';
import { groupService } from '../services/instance-resources';
import { insertInstance, startBrokerProcess, until, type BrokerProcess } from './testing/broker-process';

/** As the cloud's QueryOnlineClientNumDemo signs: sorted "k=v" joined with "&", HMAC-SHA1, Base64. */
function cloudSignature(params: Record<string, string>, secret: string): string {
  const text = Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('&');
  return crypto.createHmac('sha1', secret).update(text, 'utf8').digest('base64');
}

interface StatusAnswer {
  status: number;
  body: { code: number; success: boolean; online: number; message: string };
}

/** GET over http or https (self-signed certificate accepted), parsed. */
function get(url: string): Promise<StatusAnswer> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { rejectUnauthorized: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          assert.match(res.headers['content-type'] ?? '', /^application\/json/, text);
          resolve({ status: res.statusCode!, body: JSON.parse(text) as StatusAnswer['body'] });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('error', reject);
  });
}

describe('client status API with the real broker process', () => {
  let broker: BrokerProcess;
  let key: { id: string; secret: string };
  let console_: http.Server;
  let consoleBase: string;
  let supervisorOf: () => BrokerProcess['supervisor'] | undefined;

  before(async () => {
    broker = await startBrokerProcess();
    key = createAccessKey(broker.backend);
    supervisorOf = () => broker.supervisor;
    console_ = http.createServer((req, res) => {
      if (handleOpenApi(req, res, { backend: () => broker.backend, supervisor: () => supervisorOf() })) return;
      res.writeHead(418).end();
    });
    await new Promise<void>((r) => console_.listen(0, '127.0.0.1', r));
    consoleBase = `http://127.0.0.1:${(console_.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => console_.close(r));
    await broker.stop();
  });

  /** A signed status query URL; `change` overrides parameters after signing. */
  function statusUrl(base: string, clientId: string, change: Record<string, string | undefined> = {}, secret = key.secret): string {
    const signed: Record<string, string> = {
      accessKey: key.id,
      resource: clientId,
      timestamp: String(Date.now()),
      instanceId: broker.instance.id,
    };
    for (const [k, v] of Object.entries(change)) if (v !== undefined && k !== 'signature') signed[k] = v;
    const params: Record<string, string> = { ...signed, signature: cloudSignature(signed, secret) };
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete params[k];
      else if (k === 'signature') params[k] = v;
    }
    return `${base}/route/clientId/get?${new URLSearchParams(params).toString()}`;
  }

  const bases = () => ({
    console: consoleBase,
    ws: `http://127.0.0.1:${broker.instance.wsPort}`,
    wss: `https://127.0.0.1:${broker.instance.wssPort}`,
  });

  it('online is 1 while an MQTT.js client is connected and 0 after it leaves, on every endpoint', async () => {
    const clientId = 'GID_status@@@device-1';
    for (const base of Object.values(bases())) {
      assert.deepEqual((await get(statusUrl(base, clientId))).body, { code: 0, success: true, online: 0, message: 'success' });
    }
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.instance.tcpPort}`, { clientId, reconnectPeriod: 0 });
    try {
      for (const [name, base] of Object.entries(bases())) {
        const { status, body } = await get(statusUrl(base, clientId));
        assert.equal(status, 200, name);
        assert.deepEqual(body, { code: 0, success: true, online: 1, message: 'success' }, name);
      }
      // Another client ID on the same instance is not online.
      assert.equal((await get(statusUrl(consoleBase, 'GID_status@@@device-2'))).body.online, 0);
    } finally {
      await client.endAsync();
    }
    for (const base of Object.values(bases())) {
      await until(async () => (await get(statusUrl(base, clientId))).body.online === 0, `${base} to report 0`);
    }
  });

  it('a client connected over WebSocket counts too', async () => {
    const clientId = 'GID_status@@@ws-device';
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${broker.instance.wsPort}/mqtt`, { clientId, reconnectPeriod: 0 });
    try {
      assert.equal((await get(statusUrl(consoleBase, clientId))).body.online, 1);
      assert.equal((await get(statusUrl(bases().ws, clientId))).body.online, 1);
    } finally {
      await client.endAsync();
    }
  });

  it('code 1 / HTTP 400 for a missing parameter or a timestamp that is not a number', async () => {
    for (const base of Object.values(bases())) {
      for (const name of ['accessKey', 'resource', 'timestamp', 'instanceId', 'signature']) {
        const { status, body } = await get(statusUrl(base, 'GID_status@@@x', { [name]: undefined }));
        assert.equal(status, 400, `${base} without ${name}`);
        assert.deepEqual(body, { code: 1, success: false, online: -1, message: `missing parameter: ${name}` });
      }
      const { status, body } = await get(statusUrl(base, 'GID_status@@@x', { timestamp: 'now' }));
      assert.equal(status, 400);
      assert.equal(body.code, 1);
      assert.match(body.message, /timestamp must be a UNIX time in milliseconds/);
    }
    const bare = await get(`${consoleBase}/route/clientId/get`);
    assert.equal(bare.body.message, 'missing parameters: accessKey, instanceId, resource, timestamp, signature');
  });

  it('code 2 / HTTP 403 for a bad signature', async () => {
    for (const base of Object.values(bases())) {
      const wrongSecret = await get(statusUrl(base, 'GID_status@@@x', {}, 'wrong-secret'));
      assert.equal(wrongSecret.status, 403);
      assert.equal(wrongSecret.body.code, 2);
      assert.match(wrongSecret.body.message, /signature mismatch.*accessKey=…&instanceId=…&resource=…&timestamp=…/);
      // Signed for one client ID, asking about another.
      const url = statusUrl(base, 'GID_status@@@x').replace('resource=GID_status%40%40%40x', 'resource=GID_status%40%40%40y');
      assert.equal((await get(url)).body.code, 2);
    }
  });

  it('code 3 / HTTP 403: unknown or disabled AccessKey, unknown instance, another instance on an instance endpoint', async () => {
    const other = createAccessKey(broker.backend);
    setAccessKeyEnabled(broker.backend, other.id, false);
    for (const base of Object.values(bases())) {
      const disabled = await get(statusUrl(base, 'GID_status@@@x', { accessKey: other.id }, other.secret));
      assert.deepEqual([disabled.status, disabled.body.code], [403, 3]);
      assert.match(disabled.body.message, /disabled/);
      const unknown = await get(statusUrl(base, 'GID_status@@@x', { accessKey: 'LTAI00000000000000000000' }));
      assert.deepEqual([unknown.status, unknown.body.code], [403, 3]);
      const noInstance = await get(statusUrl(base, 'GID_status@@@x', { instanceId: 'mqtt-cn-nosuchinstance' }));
      assert.deepEqual([noInstance.status, noInstance.body.code], [403, 3]);
    }
    const noInstance = await get(statusUrl(consoleBase, 'GID_status@@@x', { instanceId: 'mqtt-cn-nosuchinstance' }));
    assert.equal(noInstance.body.message, 'no instance mqtt-cn-nosuchinstance');
    const elsewhere = await get(statusUrl(bases().ws, 'GID_status@@@x', { instanceId: 'mqtt-cn-nosuchinstance' }));
    assert.equal(elsewhere.body.message, `this endpoint serves instance ${broker.instance.id}, not mqtt-cn-nosuchinstance`);
  });

  it('code 4 / HTTP 403 for a timestamp more than 5 minutes off, either way', async () => {
    for (const base of Object.values(bases())) {
      for (const offset of [-6 * 60_000, 6 * 60_000]) {
        const { status, body } = await get(statusUrl(base, 'GID_status@@@x', { timestamp: String(Date.now() + offset) }));
        assert.equal(status, 403);
        assert.equal(body.code, 4);
        assert.match(body.message, /timestamp expired/);
      }
      assert.equal((await get(statusUrl(base, 'GID_status@@@x', { timestamp: String(Date.now() - 4 * 60_000) }))).status, 200);
    }
  });

  it('an instance not in open mode answers only for client IDs of its Group IDs (else code 3)', async () => {
    const closed = await insertInstance(broker.backend, 'closed', { openMode: false });
    await until(() => broker.supervisor.status().listeners.some((l) => l.instanceId === closed.id && l.kind === 'ws'), 'listeners');
    const wsBase = `http://127.0.0.1:${closed.wsPort}`;
    for (const base of [consoleBase, wsBase]) {
      const noGroup = await get(statusUrl(base, 'GID_known@@@d1', { instanceId: closed.id }));
      assert.deepEqual([noGroup.status, noGroup.body.code, noGroup.body.message], [403, 3, `no Group ID GID_known on instance ${closed.id}`]);
      const notAClientId = await get(statusUrl(base, 'plain-client', { instanceId: closed.id }));
      assert.equal(notAClientId.body.code, 3);
    }
    groupService.create(broker.backend, { instanceId: closed.id, name: 'GID_known' });
    for (const base of [consoleBase, wsBase]) {
      const known = await get(statusUrl(base, 'GID_known@@@d1', { instanceId: closed.id }));
      assert.deepEqual([known.status, known.body], [200, { code: 0, success: true, online: 0, message: 'success' }]);
    }
  });

  it('other methods and paths on the instance port keep their answers; MQTT over WebSocket still works', async () => {
    const post = await fetch(statusUrl(consoleBase, 'GID_status@@@x'), { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(((await post.json()) as StatusAnswer['body']).code, 1);
    const ws = bases().ws;
    assert.equal((await fetch(`${ws}/`)).status, 404);
    assert.equal((await fetch(`${ws}/mqtt`)).status, 426);
    assert.equal((await fetch(`${ws}/token/apply`, { method: 'POST' })).status, 404);
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${broker.instance.wsPort}/mqtt`, { reconnectPeriod: 0 });
    await client.endAsync();
  });

  it('HTTP 503 with a JSON reason on the console port when the broker is not running', async () => {
    supervisorOf = () => undefined;
    const none = await get(statusUrl(consoleBase, 'GID_status@@@x'));
    assert.equal(none.status, 503);
    assert.deepEqual({ ...none.body, message: '' }, { code: -1, success: false, online: -1, message: '' });
    assert.match(none.body.message, /the broker is not running/);
    supervisorOf = () => broker.supervisor;

    await broker.supervisor.stop();
    const stopped = await get(statusUrl(consoleBase, 'GID_status@@@x'));
    assert.equal(stopped.status, 503);
    assert.match(stopped.body.message, /the broker is not running \(stopped\)/);
    // Checks that need no broker still answer first.
    assert.equal((await get(statusUrl(consoleBase, 'GID_status@@@x', {}, 'wrong'))).status, 403);
  });
});
