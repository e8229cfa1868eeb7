/**
 * The four transports of one instance (TCP, TLS, WebSocket, secure WebSocket) with real
 * MQTT.js clients: messages cross between every pair of them, MQTT 5 and 3.1 work over
 * WebSocket, and listeners open and close independently.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import { connectClient, endClient, HOST, inboxOf, RawClient } from '../testing/helpers';
import { RawWsClient, startMultiBroker, via, type MultiBroker } from '../testing/transports';
import { Broker } from '../broker';
import { LISTENER_KINDS, type ListenerKind } from './types';

let mb: MultiBroker;
before(async () => {
  mb = await startMultiBroker();
});
after(() => mb.close());

describe('transports', () => {
  it('delivers between every pair of transports, both ways', async () => {
    const subs = new Map<ListenerKind, MqttClient>();
    for (const kind of LISTENER_KINDS) {
      const c = await connectClient(0, via(kind, mb, { clientId: `sub-${kind}` }));
      await c.subscribeAsync('x/#', { qos: 1 });
      subs.set(kind, c);
    }
    const pubs = await Promise.all(LISTENER_KINDS.map((kind) => connectClient(0, via(kind, mb, { clientId: `pub-${kind}` }))));
    for (const [i, kind] of LISTENER_KINDS.entries()) {
      await pubs[i].publishAsync(`x/${kind}`, `from ${kind}`, { qos: 1 });
    }
    for (const kind of LISTENER_KINDS) {
      const got = await inboxOf(subs.get(kind)!).waitFor(LISTENER_KINDS.length);
      assert.deepEqual(
        got.map((m) => `${m.topic}=${m.payload.toString()}`),
        LISTENER_KINDS.map((k) => `x/${k}=from ${k}`),
        `the ${kind} subscriber got one message from each transport`,
      );
    }
    const instance = mb.broker.instance(mb.instanceId)!;
    const kinds = [...instance.connections].map((c) => c.listener?.kind).sort();
    assert.deepEqual(kinds, [...LISTENER_KINDS, ...LISTENER_KINDS].sort(), 'each connection knows its listener');
    for (const c of instance.connections) assert.match(c.remoteAddress, /^127\.0\.0\.1:\d+$/, `${c.listener?.kind} peer address`);
    await Promise.all([...subs.values(), ...pubs].map(endClient));
  });

  it('carries large messages over WebSocket (a packet across many frames of the TCP stream)', async () => {
    const sub = await connectClient(0, via('wss', mb, { clientId: 'big-sub' }));
    await sub.subscribeAsync('big', { qos: 1 });
    const pub = await connectClient(0, via('ws', mb, { clientId: 'big-pub' }));
    const payload = Buffer.alloc(512 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    await pub.publishAsync('big', payload, { qos: 1 });
    const [m] = await inboxOf(sub).waitFor(1);
    assert.ok(m.payload.equals(payload));
    await Promise.all([endClient(sub), endClient(pub)]);
  });

  it('speaks MQTT 5 over WebSocket and secure WebSocket', async () => {
    const sub = await connectClient(0, via('ws', mb, { clientId: 'v5-sub', protocolVersion: 5 }));
    await sub.subscribeAsync('v5/t', { qos: 2 });
    const pub = await connectClient(0, via('wss', mb, { clientId: 'v5-pub', protocolVersion: 5 }));
    await pub.publishAsync('v5/t', 'hi', {
      qos: 2,
      properties: {
        userProperties: { a: '1' },
        contentType: 'text/plain',
        responseTopic: 'v5/reply',
        correlationData: Buffer.from('c1'),
      },
    });
    const [m] = await inboxOf(sub).waitFor(1);
    assert.equal(m.payload.toString(), 'hi');
    assert.equal(m.packet.qos, 2);
    assert.deepEqual({ ...m.packet.properties?.userProperties }, { a: '1' });
    assert.equal(m.packet.properties?.contentType, 'text/plain');
    assert.equal(m.packet.properties?.responseTopic, 'v5/reply');
    assert.deepEqual(m.packet.properties?.correlationData, Buffer.from('c1'));
    await Promise.all([endClient(sub), endClient(pub)]);
  });

  it('speaks MQTT 3.1 over WebSocket with subprotocol mqttv3.1', async () => {
    const c = await connectClient(0, via('ws', mb, { clientId: 'v31', protocolId: 'MQIsdp', protocolVersion: 3 }));
    await c.subscribeAsync('v31/t', { qos: 1 });
    await c.publishAsync('v31/t', 'old', { qos: 1 });
    const [m] = await inboxOf(c).waitFor(1);
    assert.equal(m.payload.toString(), 'old');
    await endClient(c);
  });

  it('verifies against the generated certificate as trust anchor (TLS and secure WebSocket)', async () => {
    const ca = mb.certificate.cert;
    const t = await connectClient(0, via('tls', mb, { clientId: 'ca-tls', rejectUnauthorized: true, ca }));
    const w = await connectClient(0, via('wss', mb, { clientId: 'ca-wss', rejectUnauthorized: true, ca }));
    assert.equal(t.connected && w.connected, true);
    await Promise.all([endClient(t), endClient(w)]);
    // Without it, verification fails: the certificate is self-signed.
    await assert.rejects(connectClient(0, via('tls', mb, { clientId: 'no-ca', rejectUnauthorized: true })), /self-signed|self signed/);
  });

  it('does not let plain TCP on the TLS port disturb anyone', async () => {
    const raw = await RawClient.connect(mb.ports.tls);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'plain', keepalive: 0 }); // not a ClientHello
    await raw.waitClose();
    const c = await connectClient(0, via('tls', mb, { clientId: 'after-garbage' }));
    await endClient(c);
  });
});

describe('listeners', () => {
  it('lists, closes and reopens listeners one kind at a time', async () => {
    const broker = new Broker();
    try {
      const cert = mb.certificate;
      const ports: Partial<Record<ListenerKind, number>> = {};
      for (const kind of LISTENER_KINDS) {
        ({ port: ports[kind] } = await broker.listen({ instanceId: 'i', kind, port: 0, host: HOST, tls: kind === 'tls' || kind === 'wss' ? cert : undefined }));
      }
      assert.deepEqual(
        broker.listeners('i'),
        LISTENER_KINDS.map((kind) => ({ kind, port: ports[kind] })),
      );
      const ports4: MultiBroker = { ...mb, broker, instanceId: 'i', ports: ports as Record<ListenerKind, number> };

      const tcp = await connectClient(0, via('tcp', ports4, { clientId: 'stays', protocolVersion: 5 }));
      await tcp.subscribeAsync('will/#', { qos: 1 });
      const wsV5 = await RawWsClient.connect(`ws://${HOST}:${ports.ws}/mqtt`, 5);
      await wsV5.handshake({ clientId: 'goes', will: { topic: 'will/goes', payload: Buffer.from('gone'), qos: 1, retain: false } });

      assert.equal(await broker.closeListener('i', 'ws'), true);
      // The WebSocket client was told why, its will went out, the TCP client stayed.
      const d = await wsV5.next('disconnect');
      assert.equal((d as { reasonCode?: number }).reasonCode, 0x8b);
      await wsV5.waitClose();
      const [will] = await inboxOf(tcp).waitFor(1);
      assert.equal(will.topic, 'will/goes');
      assert.equal(tcp.connected, true);
      assert.deepEqual(
        broker.listeners('i').map((l) => l.kind),
        ['tcp', 'tls', 'wss'],
      );
      await assert.rejects(RawWsClient.connect(`ws://${HOST}:${ports.ws}/mqtt`), /ECONNREFUSED/);
      assert.equal(await broker.closeListener('i', 'ws'), false);

      // Reopened on another port, it serves again.
      const { port } = await broker.listen({ instanceId: 'i', kind: 'ws', port: 0, host: HOST });
      const again = await RawWsClient.connect(`ws://${HOST}:${port}/mqtt`);
      await again.handshake();
      again.close();
      await endClient(tcp);
    } finally {
      await broker.close();
    }
  });

  it('closes promptly with sockets that never became MQTT connections', async () => {
    const broker = new Broker();
    const cert = mb.certificate;
    const ws = await broker.listen({ instanceId: 'p', kind: 'wss', port: 0, host: HOST, tls: cert });
    const t = await broker.listen({ instanceId: 'p', kind: 'tls', port: 0, host: HOST, tls: cert });
    const h = await broker.listen({ instanceId: 'p', kind: 'ws', port: 0, host: HOST });
    // A TLS handshake never started, and an HTTP request whose headers never end.
    const silent = [ws.port, t.port].map((port) => net.connect(port, HOST));
    const slow = tls.connect({ port: ws.port, host: HOST, rejectUnauthorized: false }, () => slow.write('GET /mqtt HTTP/1.1\r\nHost: x\r\n'));
    const slowPlain = net.connect(h.port, HOST, () => slowPlain.write('GET /mqtt HTTP/1.1\r\n'));
    const sockets = [...silent, slow, slowPlain];
    const closedAll = Promise.all(sockets.map((s) => new Promise((r) => s.on('close', r))));
    for (const s of sockets) s.on('error', () => {});
    await Promise.all([...silent.map((s) => new Promise((r) => s.once('connect', r))), new Promise((r) => slow.once('secureConnect', r))]);
    const started = Date.now();
    await broker.close();
    await closedAll;
    assert.ok(Date.now() - started < 1500, `closed in ${Date.now() - started} ms`);
  });

  it('does not stay bound when closed while opening', async () => {
    const broker = new Broker();
    try {
      const opening = broker.listen({ instanceId: 'o', kind: 'ws', port: 0, host: HOST });
      assert.equal(await broker.closeListener('o', 'ws'), true);
      await assert.rejects(opening, /closed while opening/);
      assert.deepEqual(broker.listeners('o'), []);
      const removed = broker.listen({ instanceId: 'o', kind: 'tcp', port: 0, host: HOST });
      await broker.removeInstance('o');
      await assert.rejects(removed, /closed while opening/);
    } finally {
      await broker.close();
    }
  });

  it('refuses a TLS or secure WebSocket listener without a certificate', async () => {
    const broker = new Broker();
    try {
      await assert.rejects(broker.listen({ instanceId: 'n', kind: 'tls', port: 0, host: HOST }), /needs a key and certificate/);
      await assert.rejects(broker.listen({ instanceId: 'n', kind: 'wss', port: 0, host: HOST }), /needs a key and certificate/);
      assert.deepEqual(broker.listeners('n'), []);
    } finally {
      await broker.close();
    }
  });

  it('reports a port in use and keeps no listener for it', async () => {
    const broker = new Broker();
    try {
      const { port } = await broker.listen({ instanceId: 'u', kind: 'ws', port: 0, host: HOST });
      await assert.rejects(broker.listen({ instanceId: 'u', kind: 'tcp', port, host: HOST }), /EADDRINUSE/);
      assert.deepEqual(broker.listeners('u'), [{ kind: 'ws', port }]);
    } finally {
      await broker.close();
    }
  });
});
