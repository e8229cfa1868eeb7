/**
 * The product's promise, checked with the cloud's own client code: the cloud's Java demo
 * (Eclipse Paho, e2e/java-demo/, changed only where its comments say "Magpie:") works against
 * the REAL broker process given nothing but Magpie's endpoint and credentials: signature mode,
 * a GID_…@@@… client ID, a parent topic + subtopic subscription, 10 QoS 1 pub/sub messages and
 * 10 P2P messages to itself, over MQTT (tcp://) and MQTT over TLS (ssl://); and the token-mode
 * demo, which first applies for its token at the token server API (served as the console does).
 *
 * Needs a JDK 17 and Maven (`.ci/run` installs them); the project is built once per run with
 * `mvn -q -B package` (dependencies cached in ~/.m2).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import type { Instance } from '@/db/schema';
import { hmacSha1Base64 } from '../crypto/signatures';
import { handleOpenApi } from '../http/open-api';
import { createAccessKey } from '../services/access-keys';
import { groupService, topicService } from '../services/instance-resources';
import { insertInstance, startBrokerProcess, until, type BrokerProcess } from './testing/broker-process';

const projectDir = path.join(import.meta.dirname, '..', '..', 'e2e', 'java-demo');
const classPath = [path.join(projectDir, 'target', 'classes'), path.join(projectDir, 'target', 'lib', '*')].join(path.delimiter);
const SIGNATURE_DEMO = 'com.aliyun.openservices.lmq.example.demo.MQ4IoTSendMessageToMQ4IoTUseSignatureMode';
const TOKEN_DEMO = 'com.aliyun.openservices.lmq.example.demo.MQ4IoTSendMessageToMQ4IoTUseTokenMode';

const GROUP = 'GID_java_demo';
const PARENT = 'JavaDemo';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (asynchronously: this process also hosts the broker's supervisor). */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${err.message} (is it installed? .ci/run installs a JDK and Maven)`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the cloud's Java Paho demo against the real broker process", () => {
  let broker: BrokerProcess;
  let instance: Instance;
  let key: { id: string; secret: string };
  let trustStore: string;
  let tmp: string;
  /** The console's open HTTP APIs (token server), as server/main.ts serves them. */
  let tokenServer: http.Server;
  let tokenServerUrl: string;

  /** The demo's environment: Magpie's endpoint and credentials, nothing else. */
  const demoEnv = (endpoint: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    NODE_ENV: process.env.NODE_ENV,
    PATH: process.env.PATH,
    ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
    MQTT_ENDPOINT: endpoint,
    MQTT_INSTANCE_ID: instance.id,
    MQTT_ACCESS_KEY: key.id,
    MQTT_SECRET_KEY: key.secret,
    MQTT_GROUP_ID: GROUP,
    MQTT_PARENT_TOPIC: PARENT,
    DEMO_TIMEOUT_SECONDS: '20',
    ...overrides,
  });

  const runDemo = (mainClass: string, env: NodeJS.ProcessEnv, jvmArgs: string[] = []) =>
    run('java', [...jvmArgs, '-cp', classPath, mainClass], { env, timeoutMs: 60_000 });

  /** What a run printed, for assertion messages. */
  const transcript = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

  /** The demo received each of its 10 pub/sub and 10 P2P messages, on the topics it used. */
  function assertEverythingCameBack(r: Run, clientId: string) {
    assert.equal(r.code, 0, transcript(r));
    const lines = r.stdout.trim().split('\n');
    assert.match(lines.at(-1)!, /^RESULT OK pub\/sub received 10\/10, p2p received 10\/10, acknowledged 20\/20, duplicates 0$/, transcript(r));
    assert.ok(lines.includes('connect success'), transcript(r));
    for (let i = 0; i < 10; i++) {
      assert.ok(lines.includes(`receive msg from topic ${PARENT}/testMq4Iot , body is hello mq4Iot pub sub msg ${i}`), `pub/sub ${i}\n${transcript(r)}`);
      assert.ok(lines.includes(`receive msg from topic ${PARENT}/p2p/${clientId} , body is hello mq4Iot p2p msg ${i}`), `p2p ${i}\n${transcript(r)}`);
    }
    assert.equal(lines.filter((l) => l.startsWith('receive msg from topic ')).length, 20, transcript(r));
  }

  before(
    async () => {
      // Build first (the slow part on a fresh machine: Maven downloads Paho and its plugins once).
      const build = await run('mvn', ['-q', '-B', 'package', '-DskipTests'], { cwd: projectDir, timeoutMs: 280_000 });
      assert.equal(build.code, 0, `mvn package failed:\n${transcript(build)}`);

      broker = await startBrokerProcess();
      instance = await insertInstance(broker.backend, 'java-demo', { openMode: false });
      const k = createAccessKey(broker.backend);
      key = { id: k.id, secret: k.secret };
      topicService.create(broker.backend, { instanceId: instance.id, name: PARENT });
      groupService.create(broker.backend, { instanceId: instance.id, name: GROUP });
      // The broker picks the new instance and its resources up within a second.
      const probeId = `${GROUP}@@@probe`;
      await until(async () => {
        try {
          const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${instance.tcpPort}`, {
            reconnectPeriod: 0,
            connectTimeout: 2000,
            protocolVersion: 4,
            clientId: probeId,
            username: `Signature|${key.id}|${instance.id}`,
            password: hmacSha1Base64(key.secret, probeId),
          });
          await c.endAsync();
          return true;
        } catch {
          return false;
        }
      }, 'the new instance accepting signature clients');

      // MQTT over TLS: the JVM trusts the broker's self-signed certificate through a trust store
      // (JVM options, not code: as a cloud user's JVM trusts the cloud's certificate).
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-java-demo-'));
      trustStore = path.join(tmp, 'trust.p12');
      const cert = path.join(broker.backend.dataDir, 'tls', 'server.crt');
      const imported = await run(
        'keytool',
        ['-importcert', '-noprompt', '-alias', 'magpie', '-file', cert, '-keystore', trustStore, '-storetype', 'PKCS12', '-storepass', 'changeit'],
        { timeoutMs: 30_000 },
      );
      assert.equal(imported.code, 0, transcript(imported));

      tokenServer = http.createServer((req, res) => {
        if (handleOpenApi(req, res, { backend: () => broker.backend, supervisor: () => broker.supervisor })) return;
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
      tokenServerUrl = `http://127.0.0.1:${(tokenServer.address() as net.AddressInfo).port}`;
    },
    { timeout: 300_000 },
  );

  after(async () => {
    if (tokenServer) await new Promise((r) => tokenServer.close(r));
    await broker?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('signature mode over MQTT (tcp://): every pub/sub and P2P message comes back, the demo exits 0', { timeout: 60_000 }, async () => {
    const r = await runDemo(SIGNATURE_DEMO, demoEnv(`tcp://127.0.0.1:${instance.tcpPort}`, { MQTT_DEVICE_ID: 'tcp_001' }));
    assertEverythingCameBack(r, `${GROUP}@@@tcp_001`);
  });

  it('signature mode over MQTT over TLS (ssl://, certificate verified): the same', { timeout: 60_000 }, async () => {
    const r = await runDemo(SIGNATURE_DEMO, demoEnv(`ssl://127.0.0.1:${instance.tlsPort}`, { MQTT_DEVICE_ID: 'tls_001' }), [
      `-Djavax.net.ssl.trustStore=${trustStore}`,
      '-Djavax.net.ssl.trustStorePassword=changeit',
      '-Djavax.net.ssl.trustStoreType=PKCS12',
    ]);
    assertEverythingCameBack(r, `${GROUP}@@@tls_001`);
  });

  it('over TLS without trusting the certificate, the demo refuses the server (so the TLS run above really verified it)', { timeout: 60_000 }, async () => {
    const r = await runDemo(SIGNATURE_DEMO, demoEnv(`ssl://127.0.0.1:${instance.tlsPort}`, { MQTT_DEVICE_ID: 'tls_002' }));
    assert.equal(r.code, 1, transcript(r));
    assert.match(r.stdout, /^RESULT FAIL MqttException .*SSLHandshakeException/m, transcript(r));
  });

  it('token mode: applies for an R,W token at /token/apply, connects with it, and every message comes back', { timeout: 60_000 }, async () => {
    const r = await runDemo(TOKEN_DEMO, demoEnv(`tcp://127.0.0.1:${instance.tcpPort}`, { MQTT_DEVICE_ID: 'token_001', MQTT_TOKEN_SERVER: tokenServerUrl }));
    assert.match(r.stdout, /^token apply answer: \{.*"success":true/m, transcript(r));
    assertEverythingCameBack(r, `${GROUP}@@@token_001`);
  });

  it('the same demo with a wrong secret is refused at CONNECT (CONNACK 4) and says so', { timeout: 60_000 }, async () => {
    const r = await runDemo(SIGNATURE_DEMO, demoEnv(`tcp://127.0.0.1:${instance.tcpPort}`, { MQTT_SECRET_KEY: `${key.secret}x` }));
    assert.equal(r.code, 1, transcript(r));
    // Paho's reason code 4: "Bad user name or password".
    assert.match(r.stdout, /^RESULT FAIL MqttException reason code 4 \(/m, transcript(r));
    assert.doesNotMatch(r.stdout, /receive msg/, transcript(r));
  });

  it('an unknown Group ID is refused (CONNACK 2, identifier rejected)', { timeout: 60_000 }, async () => {
    const r = await runDemo(SIGNATURE_DEMO, demoEnv(`tcp://127.0.0.1:${instance.tcpPort}`, { MQTT_GROUP_ID: 'GID_nobody' }));
    assert.equal(r.code, 1, transcript(r));
    assert.match(r.stdout, /^RESULT FAIL MqttException reason code 2 \(/m, transcript(r));
  });
});
