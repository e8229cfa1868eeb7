/** Keep-alive: a silent client is closed after 1.5 × its keep-alive; a talking one is not. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IConnackPacket, IDisconnectPacket } from 'mqtt-packet';
import { Broker } from '../broker';
import { HOST, RawClient, startBroker, type TestBroker } from '../testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker();
});
after(() => tb.close());

// Each case waits out a keep-alive period: run them side by side.
describe('keep-alive', { concurrency: true }, () => {
  it('closes a client silent for 1.5 × keep-alive (3.1.1)', async () => {
    const c = await RawClient.connect(tb.port);
    await c.handshake({ clientId: 'ka-silent', keepalive: 1 });
    const start = Date.now();
    await c.waitClose(4000);
    const took = Date.now() - start;
    assert.ok(took >= 1400 && took < 3500, `closed after ${took} ms`); // 1.5 s, plus wheel resolution and load
  });

  it('keeps a client that pings within the keep-alive', async () => {
    const c = await RawClient.connect(tb.port);
    await c.handshake({ clientId: 'ka-pinger', keepalive: 1 });
    for (let i = 0; i < 4; i++) {
      // Each answer arrives within the keep-alive; together they outlast 1.5 × keep-alive.
      await new Promise((r) => setTimeout(r, 600));
      c.send({ cmd: 'pingreq' });
      await c.next('pingresp');
    }
    assert.equal(c.closed, false);
    c.close();
  });

  it('tells an MQTT 5 client why: DISCONNECT 0x8D', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'ka-5', keepalive: 1 });
    const d = (await c.next('disconnect', 4000)) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x8d);
    await c.waitClose();
  });

  it('imposes the server keep-alive on MQTT 5 clients when capped', async () => {
    const broker = new Broker();
    try {
      broker.addInstance('capped', { settings: { maxKeepAlive: 1 } });
      const { port } = await broker.listen({ port: 0, host: HOST, instanceId: 'capped' });
      const c = await RawClient.connect(port, 5);
      const ack = (await c.handshake({ clientId: 'ka-cap', keepalive: 0 })) as IConnackPacket;
      assert.equal(ack.properties?.serverKeepAlive, 1);
      const d = (await c.next('disconnect', 4000)) as IDisconnectPacket;
      assert.equal(d.reasonCode, 0x8d);
    } finally {
      await broker.close();
    }
  });
});
