/**
 * A broker restart on the same persistence, run by every PersistenceProvider's tests: persistent
 * sessions, their queues, in-flight state, inbound QoS 2 ids and retained messages survive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IConnackPacket, IPublishPacket } from 'mqtt-packet';
import { Broker } from '../broker';
import { connectClient, eventually, HOST, inboxOf, RawClient, roundTrip } from '../testing/helpers';
import type { PersistenceProvider } from './types';

export interface RestartablePersistence {
  /** The persistence of the first broker. */
  first(): PersistenceProvider;
  /** The persistence after the restart, given the first (memory: the same object; a file store: reopened). */
  afterRestart(previous: PersistenceProvider): PersistenceProvider;
  /** Releases it at the end. */
  close?(persistence: PersistenceProvider): void;
}

export function brokerRestartContract(name: string, store: RestartablePersistence): void {
  describe(`broker restart on the same persistence (${name})`, () => {
    it('keeps persistent sessions, their queues, in-flight state and retained messages', async () => {
      let persistence = store.first();
      let broker = new Broker({ persistence });
      let { port } = await broker.listen({ port: 0, host: HOST });

      // A persistent subscriber that has one QoS 1 message in flight (not acked) when it drops…
      const sub = await RawClient.connect(port);
      await sub.handshake({ clientId: 'r-sub', clean: false });
      sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 2 }] });
      await sub.next('suback');
      const pub = await connectClient(port, { clientId: 'r-pub' });
      await pub.publishAsync('r/1', 'in flight', { qos: 1 });
      const inflight = (await sub.next('publish')) as IPublishPacket;
      sub.close();
      await eventually(() => broker.instance('default')!.sessions.get('r-sub')?.link === null, 'r-sub detached');
      // …then two more arrive while it is offline, and a retained one is set.
      await pub.publishAsync('r/2', 'queued 1', { qos: 1 });
      await pub.publishAsync('r/3', 'queued 2', { qos: 2 });
      await pub.publishAsync('keep', 'retained', { qos: 1, retain: true });
      // A QoS 2 publisher stops between PUBREC and PUBREL.
      const q2 = await RawClient.connect(port);
      await q2.handshake({ clientId: 'r-q2', clean: false });
      q2.send({ cmd: 'publish', topic: 'r/4', payload: Buffer.from('exactly once'), qos: 2, messageId: 42, dup: false, retain: false });
      await q2.next('pubrec');
      q2.close();
      await pub.endAsync();
      await broker.close();

      persistence = store.afterRestart(persistence);
      broker = new Broker({ persistence });
      ({ port } = await broker.listen({ port: 0, host: HOST }));

      // The QoS 2 publisher resends: acknowledged, not routed a second time.
      const q2again = await RawClient.connect(port);
      await q2again.handshake({ clientId: 'r-q2', clean: false });
      q2again.send({ cmd: 'publish', topic: 'r/4', payload: Buffer.from('exactly once'), qos: 2, messageId: 42, dup: true, retain: false });
      await q2again.next('pubrec');
      q2again.send({ cmd: 'pubrel', messageId: 42 });
      await q2again.next('pubcomp');
      q2again.close();

      const again = await RawClient.connect(port);
      const ack = (await again.handshake({ clientId: 'r-sub', clean: false })) as IConnackPacket;
      assert.equal(ack.sessionPresent, true);
      const got: IPublishPacket[] = [];
      for (let i = 0; i < 4; i++) {
        const p = (await again.next('publish')) as IPublishPacket;
        got.push(p);
        if (p.qos === 1) again.send({ cmd: 'puback', messageId: p.messageId! });
        else again.send({ cmd: 'pubrec', messageId: p.messageId! });
      }
      assert.deepEqual(
        got.map((p) => [p.topic, p.payload.toString(), p.dup]),
        [
          ['r/1', 'in flight', true],
          ['r/2', 'queued 1', false],
          ['r/3', 'queued 2', false],
          ['r/4', 'exactly once', false], // routed at its first PUBLISH, before the restart
        ],
      );
      assert.equal(got[0].messageId, inflight.messageId);
      again.send({ cmd: 'pingreq' });
      await again.next('pingresp');
      // The resent QoS 2 PUBLISH after the restart did not produce a second copy.
      assert.equal(again.pending().filter((p) => p.cmd === 'publish').length, 0);
      again.close();

      const late = await connectClient(port, { clientId: 'r-late' });
      await late.subscribeAsync('keep', { qos: 1 });
      const [retained] = await inboxOf(late).waitFor(1);
      assert.equal(retained.payload.toString(), 'retained');
      await roundTrip(late);
      await late.endAsync();
      await broker.close();
      store.close?.(persistence);
    });
  });
}
