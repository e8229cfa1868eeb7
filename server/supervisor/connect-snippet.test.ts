/**
 * The console's "Connect a client" Node.js example really connects: the text the console shows
 * (components/instances/connect/snippets.ts) is saved as a file and run with node against the
 * REAL broker process — in open mode, and in signature mode with the AccessKey secret in
 * MAGPIE_SECRET, as the example tells the user.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { snippet, type SnippetParams } from '@/components/instances/connect/snippets';
import { hmacSha1Base64 } from '../crypto/signatures';
import { createAccessKey } from '../services/access-keys';
import { groupService, topicService } from '../services/instance-resources';
import { insertInstance, startBrokerProcess, until, type BrokerProcess } from './testing/broker-process';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs an example as a user would (`node demo.mjs`), where `import 'mqtt'` resolves. */
function runNodeExample(code: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Under node_modules/.cache so that the example's `import mqtt from 'mqtt'` finds the package.
  const dir = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'magpie-snippet-'));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'demo.mjs');
  fs.writeFileSync(file, code);
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { env: { ...process.env, ...env }, timeout: 15_000 }, (err, stdout, stderr) => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the Connect a client examples against the supervised broker process', () => {
  let broker: BrokerProcess;
  before(async () => {
    fs.mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true });
    broker = await startBrokerProcess();
  });
  after(() => broker.stop());

  it('open mode: the Node.js example connects, subscribes, publishes and receives its message', async () => {
    const { instance } = broker;
    const params: SnippetParams = {
      instanceId: instance.id,
      host: '127.0.0.1',
      port: instance.tcpPort,
      openMode: true,
      accessKeyId: '',
      groupId: 'GID_demo',
      deviceId: 'device-001',
      parentTopic: 'Orders',
    };
    const code = snippet('node', params);
    assert.ok(!code.includes('Signature|'), 'no credentials in open mode');
    const r = await runNodeExample(code);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'received on Orders/test: hello from MQTT.js');
  });

  it('signature mode: with MAGPIE_SECRET set, the example logs in with Signature|AK|instance and round-trips', async () => {
    const backend = broker.backend;
    const instance = await insertInstance(backend, 'signed', { openMode: false });
    groupService.create(backend, { instanceId: instance.id, name: 'GID_demo' });
    topicService.create(backend, { instanceId: instance.id, name: 'Orders' });
    const key = createAccessKey(backend, { description: 'snippet' });
    await until(
      () => broker.supervisor.status().listeners.filter((l) => l.instanceId === instance.id && l.error === null).length === 4,
      'the new instance listening',
    );
    const code = snippet('node', {
      instanceId: instance.id,
      host: '127.0.0.1',
      port: instance.tcpPort,
      openMode: false,
      accessKeyId: key.id,
      groupId: 'GID_demo',
      deviceId: 'device-001',
      parentTopic: 'Orders',
    });
    assert.ok(!code.includes(key.secret), 'the example never contains the secret');
    const signed = await runNodeExample(code, { MAGPIE_SECRET: key.secret });
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(signed.stdout.trim(), 'received on Orders/test: hello from MQTT.js');
    // With a wrong secret the broker refuses the login: the example reports it and fails.
    const wrong = await runNodeExample(code, { MAGPIE_SECRET: 'not-the-secret' });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Bad username or password|Not authorized/i);
  });
});

describe('the password code of the other examples computes what the broker checks', () => {
  const params: SnippetParams = {
    instanceId: 'mqtt-cn-abcdefghijkl',
    host: 'mqtt.example.com',
    port: 1883,
    openMode: false,
    accessKeyId: 'LTAI5tAbCdEfGhIjKlMnOpQr',
    groupId: 'GID_demo',
    deviceId: 'device-001',
    parentTopic: 'Orders',
  };
  const secret = 'S3cret/With+Chars=';
  const clientId = 'GID_demo@@@device-001';
  const expected = hmacSha1Base64(secret, clientId);

  it('mosquitto: the sign() shell function (openssl)', () => {
    const code = snippet('mosquitto', params);
    const sign = code.split('\n').find((l) => l.startsWith('sign()'))!;
    assert.ok(sign, code);
    const out = execFileSync('sh', ['-c', `${sign}\nsign '${clientId}'`], { env: { ...process.env, MAGPIE_SECRET: secret }, encoding: 'utf8' });
    assert.equal(out.trim(), expected);
    assert.ok(code.includes(`-u 'Signature|${params.accessKeyId}|${params.instanceId}'`), code);
  });

  it('Python: the password lines (hmac, hashlib, base64)', () => {
    const code = snippet('python', params);
    const lines = code.split('\n');
    const start = lines.findIndex((l) => l.startsWith('import base64'));
    const end = lines.findIndex((l) => l.startsWith('password = '));
    const program = [...lines.slice(start, end + 1).filter((l) => !l.includes('paho')), 'print(password)'].join('\n');
    const out = execFileSync('python3', ['-c', program], { env: { ...process.env, MAGPIE_SECRET: secret }, encoding: 'utf8' });
    assert.equal(out.trim(), expected);
  });

  it('Java: macSignature, the method the Paho example calls for setPassword (javac + java)', () => {
    const code = snippet('java', params);
    assert.ok(code.includes('options.setPassword(macSignature(clientId, secretKey).toCharArray());'), code);
    const method = code.slice(code.indexOf('    static String macSignature'), code.lastIndexOf('}')).trimEnd();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-java-'));
    try {
      const source = [
        'import java.nio.charset.StandardCharsets;',
        'import java.util.Base64;',
        'import javax.crypto.Mac;',
        'import javax.crypto.spec.SecretKeySpec;',
        'public class Sign {',
        '    public static void main(String[] args) throws Exception {',
        '        System.out.println(macSignature(args[0], System.getenv("MAGPIE_SECRET")));',
        '    }',
        method,
        '}',
      ].join('\n');
      fs.writeFileSync(path.join(dir, 'Sign.java'), source);
      execFileSync('javac', ['Sign.java'], { cwd: dir });
      const out = execFileSync('java', ['-cp', dir, 'Sign', clientId], { env: { ...process.env, MAGPIE_SECRET: secret }, encoding: 'utf8' });
      assert.equal(out.trim(), expected);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
