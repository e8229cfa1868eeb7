/**
 * The WebSocket listener at the protocol level, with a raw `ws` client: the path and
 * subprotocol rules, MQTT packets and WebSocket messages in any arrangement, bad input, the
 * HTTP side of the port, and backpressure towards a subscriber that stops reading.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { IConnackPacket, IDisconnectPacket, IPublishPacket, ISubackPacket, Packet } from 'mqtt-packet';
import { connectClient, endClient, eventually, HOST, inboxOf } from '../testing/helpers';
import { RawWsClient, refusedStatus, startMultiBroker, via, type MultiBroker } from '../testing/transports';
import { chooseSubprotocol } from './websocket';

let mb: MultiBroker;
let wsUrl: string;
let wssUrl: string;
before(async () => {
  mb = await startMultiBroker({ instance: { settings: { maxPacketSize: 64 * 1024, maxQueuedMessages: 200, socketHighWaterMark: 64 * 1024 } } });
  wsUrl = `ws://${HOST}:${mb.ports.ws}/mqtt`;
  wssUrl = `wss://${HOST}:${mb.ports.wss}/mqtt`;
});
after(() => mb.close());

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: HOST, port, path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('WebSocket handshake', () => {
  it('answers 404 to other paths', async () => {
    for (const path of ['/', '/mqt', '/mqtt/x', '/MQTT']) {
      const { status, body } = await refusedStatus(`ws://${HOST}:${mb.ports.ws}${path}`, 'mqtt');
      assert.equal(status, 404, path);
      assert.match(body, /\/mqtt/);
    }
    assert.equal((await refusedStatus(`wss://${HOST}:${mb.ports.wss}/other`, 'mqtt')).status, 404);
  });

  it('accepts /mqtt with a query string', async () => {
    const c = await RawWsClient.connect(`${wsUrl}?client=x`);
    await c.handshake();
    c.close();
  });

  it('refuses a handshake offering only other subprotocols', async () => {
    const { status, body } = await refusedStatus(wsUrl, ['chat', 'v12.stomp']);
    assert.equal(status, 400);
    assert.match(body, /subprotocol/);
    assert.equal((await refusedStatus(wssUrl, 'mqttv5')).status, 400);
  });

  it('picks mqtt among the offered subprotocols, accepts the old names and no subprotocol at all', async () => {
    for (const [offered, chosen] of [
      [['chat', 'mqtt'], 'mqtt'],
      [['mqttv3.1.1', 'mqtt'], 'mqtt'],
      [['mqttv3.1.1'], 'mqttv3.1.1'],
      [['mqttv3.1'], 'mqttv3.1'],
      [[], ''],
    ] as [string[], string][]) {
      const c = await RawWsClient.connect(wsUrl, 4, offered);
      assert.equal(c.ws.protocol, chosen, `offered ${offered.join(',') || 'nothing'}`);
      const connack = (await c.handshake()) as IConnackPacket;
      assert.equal(connack.returnCode, 0);
      c.close();
    }
    assert.equal(chooseSubprotocol(['x', 'mqttv3.1', 'mqttv3.1.1']), 'mqttv3.1');
    assert.equal(chooseSubprotocol(['MQTT']), null);
  });

  it('serves plain HTTP: 404, 426 on /mqtt, or the handler set on the broker', async () => {
    assert.deepEqual(await httpGet(mb.ports.ws, '/'), { status: 404, body: 'not found\n' });
    assert.equal((await httpGet(mb.ports.ws, '/mqtt')).status, 426);
    const seen: string[] = [];
    mb.broker.setHttpHandler((req, res, ctx) => {
      seen.push(`${ctx.instanceId}/${ctx.kind} ${req.url}`);
      if (req.url === '/boom') throw new Error('handler bug (expected by the test)');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true }));
    });
    try {
      assert.deepEqual(await httpGet(mb.ports.ws, '/api/status'), { status: 200, body: '{"ok":true}' });
      assert.equal((await httpGet(mb.ports.ws, '/boom')).status, 500);
      assert.deepEqual(seen, ['default/ws /api/status', 'default/ws /boom']);
      // WebSocket upgrades on the same port still work meanwhile.
      const c = await RawWsClient.connect(wsUrl);
      await c.handshake();
      c.close();
    } finally {
      mb.broker.setHttpHandler(null);
    }
    assert.equal((await httpGet(mb.ports.ws, '/api/status')).status, 404);
  });
});

describe('MQTT over WebSocket messages', () => {
  it('reads several packets from one message', async () => {
    const c = await RawWsClient.connect(wsUrl);
    const bytes = Buffer.concat([
      c.encode(c.connectPacket({ clientId: 'batch' })),
      c.encode({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'batch/t', qos: 1 }] }),
      c.encode({ cmd: 'publish', topic: 'batch/t', payload: Buffer.from('one'), qos: 1, messageId: 2, retain: false, dup: false }),
      c.encode({ cmd: 'publish', topic: 'batch/t', payload: Buffer.from('two'), qos: 0, retain: false, dup: false }),
      c.encode({ cmd: 'pingreq' }),
    ]);
    c.sendRaw(bytes);
    assert.equal(((await c.next('connack')) as IConnackPacket).returnCode, 0);
    assert.deepEqual(((await c.next('suback')) as ISubackPacket).granted, [1]);
    await c.next('puback');
    await c.next('pingresp');
    const got = [(await c.next('publish')) as IPublishPacket, (await c.next('publish')) as IPublishPacket];
    assert.deepEqual(
      got.map((p) => p.payload.toString()),
      ['one', 'two'],
    );
    c.close();
  });

  it('reassembles a packet split across messages, down to one byte each', async () => {
    const c = await RawWsClient.connect(wssUrl);
    // CONNECT one byte per message.
    for (const byte of c.encode(c.connectPacket({ clientId: 'split' }))) c.sendRaw([byte]);
    assert.equal(((await c.next('connack')) as IConnackPacket).returnCode, 0);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'split/t', qos: 0 }] });
    await c.next('suback');
    // A 40 KB PUBLISH in three messages, the cuts inside the fixed header and the payload,
    // the last one also carrying a whole PINGREQ.
    const payload = Buffer.alloc(40 * 1024, 0x42);
    const publish = c.encode({ cmd: 'publish', topic: 'split/t', payload, qos: 0, retain: false, dup: false });
    c.sendRaw(publish.subarray(0, 2));
    c.sendRaw(publish.subarray(2, 20_000));
    c.sendRaw(Buffer.concat([publish.subarray(20_000), c.encode({ cmd: 'pingreq' })]));
    const p = (await c.next('publish')) as IPublishPacket;
    assert.ok(Buffer.from(p.payload).equals(payload));
    await c.next('pingresp');
    c.close();
  });

  it('closes only the client that sends a malformed packet (MQTT 5: DISCONNECT 0x81)', async () => {
    const bystander = await connectClient(0, via('ws', mb, { clientId: 'bystander', protocolVersion: 5 }));
    await bystander.subscribeAsync('alive', { qos: 1 });

    const bad = await RawWsClient.connect(wsUrl, 5);
    await bad.handshake({ clientId: 'bad5' });
    bad.sendRaw([0x82, 0x04, 0x00, 0x01, 0x00, 0x00]); // SUBSCRIBE without a topic filter
    await bad.waitClose();
    const d = bad.pending().find((p: Packet) => p.cmd === 'disconnect') as IDisconnectPacket | undefined;
    assert.equal(d?.reasonCode, 0x81);

    const bad4 = await RawWsClient.connect(wssUrl, 4);
    await bad4.handshake({ clientId: 'bad4' });
    bad4.sendRaw([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]); // remaining length longer than 4 bytes
    await bad4.waitClose();

    const text = await RawWsClient.connect(wsUrl, 4);
    await text.handshake({ clientId: 'text' });
    text.ws.send('not binary');
    await text.waitClose();
    assert.equal(text.closeCode, 1003);

    const huge = await RawWsClient.connect(wsUrl, 5);
    await huge.handshake({ clientId: 'huge' });
    huge.sendRaw(Buffer.alloc(256 * 1024)); // beyond the WebSocket message limit for this instance
    await huge.waitClose();

    await bystander.publishAsync('alive', 'yes', { qos: 1 });
    const [m] = await inboxOf(bystander).waitFor(1);
    assert.equal(m.payload.toString(), 'yes');
    assert.equal(bystander.connected, true);
    await endClient(bystander);
  });

  it('answers a PUBLISH larger than the maximum packet size with DISCONNECT 0x95 (MQTT 5), whatever its size', async () => {
    const bystander = await connectClient(0, via('ws', mb, { clientId: 'big-bystander', protocolVersion: 5 }));
    await bystander.subscribeAsync('big/alive', { qos: 1 });
    const maxPacketSize = mb.broker.instance('default')!.settings.maxPacketSize;

    // Just over the limit, a few times over it, and far beyond it (1 MB), each in one message.
    for (const size of [maxPacketSize + 1, 3 * maxPacketSize, 1024 * 1024]) {
      for (const url of [wsUrl, wssUrl]) {
        const big = await RawWsClient.connect(url, 5);
        await big.handshake({ clientId: `big-${size}` });
        big.send({ cmd: 'publish', topic: 'big/t', payload: Buffer.alloc(size, 1), qos: 1, messageId: 1, dup: false, retain: false });
        await big.waitClose();
        const d = big.pending().find((p: Packet) => p.cmd === 'disconnect') as IDisconnectPacket | undefined;
        assert.equal(d?.reasonCode, 0x95, `${size} bytes over ${url}: ${JSON.stringify(big.pending().map((p) => p.cmd))}, close code ${big.closeCode}`);
        assert.equal(big.pending().filter((p) => p.cmd === 'puback').length, 0);
      }
    }

    // The same packet split over several messages: the declared size is enough.
    const split = await RawWsClient.connect(wsUrl, 5);
    await split.handshake({ clientId: 'big-split' });
    const bytes = split.encode({ cmd: 'publish', topic: 'big/t', payload: Buffer.alloc(4 * maxPacketSize, 1), qos: 0, dup: false, retain: false });
    split.sendRaw(bytes.subarray(0, 16));
    await split.waitClose();
    assert.equal((split.pending().find((p: Packet) => p.cmd === 'disconnect') as IDisconnectPacket | undefined)?.reasonCode, 0x95);

    // MQTT 3.1.1: simply closed.
    const big4 = await RawWsClient.connect(wsUrl, 4);
    await big4.handshake({ clientId: 'big-4' });
    big4.send({ cmd: 'publish', topic: 'big/t', payload: Buffer.alloc(1024 * 1024, 1), qos: 1, messageId: 1, dup: false, retain: false });
    await big4.waitClose();
    assert.deepEqual(big4.pending(), []);

    await bystander.publishAsync('big/alive', 'still here', { qos: 1 });
    const [m] = await inboxOf(bystander).waitFor(1);
    assert.equal(m.payload.toString(), 'still here');
    assert.equal(bystander.connected, true);
    await endClient(bystander);
  });

  it('keeps delivering to a healthy subscriber while a WebSocket subscriber stops reading', async () => {
    const stuck = await RawWsClient.connect(wsUrl);
    await stuck.handshake({ clientId: 'ws-stuck' });
    stuck.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'bp/t', qos: 0 }] });
    await stuck.next('suback');
    // Stops reading: its kernel buffers fill, then the broker's.
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const healthy = await connectClient(0, via('wss', mb, { clientId: 'ws-healthy' }));
    await healthy.subscribeAsync('bp/t', { qos: 1 });
    const pub = await connectClient(0, via('ws', mb, { clientId: 'ws-bp-pub' }));
    const n = 1000;
    const payload = Buffer.alloc(16 * 1024, 0x61); // 16 MB in total
    for (let i = 0; i < n; i += 100) {
      const batch: Promise<unknown>[] = [];
      for (let k = i; k < i + 100; k++) batch.push(pub.publishAsync('bp/t', Buffer.concat([Buffer.from(`${k}:`), payload]), { qos: 1 }));
      await Promise.all(batch);
    }
    const got = await inboxOf(healthy).waitFor(n, 20000);
    assert.deepEqual(
      got.map((m) => Number(m.payload.subarray(0, 6).toString().split(':')[0])),
      Array.from({ length: n }, (_, i) => i),
    );
    const instance = mb.broker.instance(mb.instanceId)!;
    const stuckSession = instance.sessions.get('ws-stuck')!;
    assert.ok(stuckSession.dropped > 0, 'the stuck WebSocket subscriber dropped QoS 0 messages');
    const conn = [...instance.connections].find((c) => c.clientId === 'ws-stuck')!;
    assert.ok(conn.socket.writableLength < 4 * 1024 * 1024, `the broker holds ${conn.socket.writableLength} bytes for it, not everything`);
    assert.equal(instance.sessions.get('ws-healthy')!.dropped, 0);

    // Once it reads again, the socket drains and the queue follows: it gets every message
    // that was not dropped, in order.
    (stuck.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const expected = n - stuckSession.dropped;
    await eventually(() => stuck.pending().filter((p) => p.cmd === 'publish').length >= expected, `stuck subscriber gets ${expected}`, 10000);
    const seq = stuck
      .pending()
      .filter((p): p is IPublishPacket => p.cmd === 'publish')
      .map((p) => Number(Buffer.from(p.payload).subarray(0, 6).toString().split(':')[0]));
    assert.equal(seq.length, expected);
    assert.ok(seq.every((v, i) => i === 0 || v > seq[i - 1]), 'in order');
    assert.equal(stuckSession.queuedCount, 0);
    stuck.close();
    await Promise.all([endClient(healthy), endClient(pub)]);
  });
});
