/**
 * TCP reads land in one shared buffer (static-reads.ts). What a client must not notice: a
 * message that waits in a subscriber's queue keeps its own bytes while later reads from
 * other clients overwrite that buffer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IPublishPacket } from 'mqtt-packet';
import { RawClient, startBroker, type TestBroker } from '../testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker();
});
after(() => tb.close());

/** One write holding `n` QoS 1 PUBLISHes with distinct payloads. */
function burst(client: RawClient, topic: string, tag: string, n: number): string[] {
  const payloads = Array.from({ length: n }, (_, i) => `${tag}-${i}-${'x'.repeat(i % 50)}`);
  client.socket.cork();
  payloads.forEach((p, i) => client.send({ cmd: 'publish', topic, payload: Buffer.from(p), qos: 1, messageId: i + 1, retain: false, dup: false }));
  client.socket.uncork();
  return payloads;
}

describe('TCP reads into a shared buffer', () => {
  it('queued messages keep their payloads while later reads come in', async () => {
    // Everything after the first message waits in the session queue.
    const sub = await RawClient.slowSubscriber(tb.port, 'slow-sub', 'q/#');

    const pubA = await RawClient.connect(tb.port);
    await pubA.handshake({ clientId: 'pub-a' });
    const pubB = await RawClient.connect(tb.port);
    await pubB.handshake({ clientId: 'pub-b' });

    const sent = burst(pubA, 'q/a', 'a', 100);
    for (let i = 0; i < 100; i++) await pubA.next('puback'); // all read (and queued) before B's bytes arrive
    sent.push(...burst(pubB, 'q/b', 'b', 100));
    for (let i = 0; i < 100; i++) await pubB.next('puback');

    const got: string[] = [];
    for (let i = 0; i < sent.length; i++) {
      const p = (await sub.next('publish')) as IPublishPacket;
      got.push(`${p.topic} ${p.payload.toString()}`);
      sub.send({ cmd: 'puback', messageId: p.messageId });
    }
    assert.deepEqual(got, sent.map((p) => `q/${p[0]} ${p}`), 'every payload as published, in order');
    for (const c of [sub, pubA, pubB]) c.socket.destroy();
  });
});
