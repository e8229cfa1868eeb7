/**
 * A broker restart on the same persistence, run by every PersistenceProvider's tests: persistent
 * sessions, their queues, in-flight state, inbound QoS 2 ids and retained messages survive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IConnackPacket, IConnectPacket, IPublishPacket } from 'mqtt-packet';
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

    it('a backlog delivered and acknowledged, then a new one queued: after another restart the new one arrives once, as new', async () => {
      let persistence = store.first();
      let broker = new Broker({ persistence });
      let { port } = await broker.listen({ port: 0, host: HOST });
      const restart = async () => {
        await broker.close();
        persistence = store.afterRestart(persistence);
        broker = new Broker({ persistence });
        ({ port } = await broker.listen({ port: 0, host: HOST }));
      };
      const connectSub = async () => {
        const c = await RawClient.connect(port);
        await c.handshake({ clientId: 'n-sub', clean: false });
        return c;
      };
      const publish = async (payloads: string[]) => {
        const pub = await connectClient(port, { clientId: 'n-pub' });
        for (const p of payloads) await pub.publishAsync('n/t', p, { qos: 1 });
        await pub.endAsync();
      };
      const sub = await connectSub();
      sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'n/#', qos: 1 }] });
      await sub.next('suback');
      sub.close();
      await eventually(() => broker.instance('default')!.sessions.get('n-sub')?.link === null, 'n-sub detached');
      await publish(['first 0', 'first 1', 'first 2', 'first 3', 'first 4']);
      await restart();

      // The backlog is delivered and every message acknowledged.
      const first = await connectSub();
      for (let i = 0; i < 5; i++) {
        const p = (await first.next('publish')) as IPublishPacket;
        assert.equal(p.payload.toString(), `first ${i}`);
        first.send({ cmd: 'puback', messageId: p.messageId! });
      }
      first.send({ cmd: 'pingreq' });
      await first.next('pingresp');
      first.close();
      await eventually(() => broker.instance('default')!.sessions.get('n-sub')?.link === null, 'n-sub detached again');
      await restart();
      await publish(['second 0', 'second 1', 'second 2']);
      await restart();

      const again = await connectSub();
      const got: IPublishPacket[] = [];
      for (let i = 0; i < 3; i++) {
        const p = (await again.next('publish')) as IPublishPacket;
        got.push(p);
        again.send({ cmd: 'puback', messageId: p.messageId! });
      }
      assert.deepEqual(
        got.map((p) => [p.payload.toString(), p.dup]),
        [
          ['second 0', false],
          ['second 1', false],
          ['second 2', false],
        ],
      );
      again.send({ cmd: 'pingreq' });
      await again.next('pingresp');
      assert.deepEqual(again.pending().filter((p) => p.cmd === 'publish'), [], 'nothing delivered twice');
      again.close();
      await broker.close();
      store.close?.(persistence);
    });

    it('keeps a pending MQTT 5 delayed will: it fires at its time, at once if that passed, or not at all after a reconnect', async () => {
      let persistence = store.first();
      let broker = new Broker({ persistence });
      let { port } = await broker.listen({ port: 0, host: HOST });
      /** Drops a persistent MQTT 5 client with a delayed will, without DISCONNECT. */
      const dropWithWill = async (clientId: string, delaySeconds: number) => {
        const c = await RawClient.connect(port, 5);
        await c.handshake({
          clientId,
          clean: false,
          properties: { sessionExpiryInterval: 300 },
          will: {
            topic: `will/${clientId}`,
            payload: Buffer.from(`gone ${clientId}`),
            qos: 1,
            retain: false,
            properties: { willDelayInterval: delaySeconds, contentType: 'text/plain', userProperties: { k: 'v' } },
          },
        } as Partial<IConnectPacket>);
        c.close();
        await eventually(() => broker.instance('default')!.sessions.get(clientId)?.link === null, `${clientId} detached`);
      };
      const droppedAt = Date.now();
      await dropWithWill('w-due', 2); // due while the broker is up again
      await dropWithWill('w-late', 1); // due while the broker is down
      await dropWithWill('w-back', 2); // its client comes back first
      await broker.close();
      await new Promise((r) => setTimeout(r, 1100));

      persistence = store.afterRestart(persistence);
      broker = new Broker({ persistence });
      ({ port } = await broker.listen({ port: 0, host: HOST }));
      const watcher = await RawClient.connect(port, 5);
      await watcher.handshake({ clientId: 'w-watch' });
      watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'will/#', qos: 1 }] });
      await watcher.next('suback');
      const back = await RawClient.connect(port, 5);
      const ack = (await back.handshake({ clientId: 'w-back', clean: false, properties: { sessionExpiryInterval: 300 } })) as IConnackPacket;
      assert.equal(ack.sessionPresent, true);

      const late = (await watcher.next('publish')) as IPublishPacket;
      assert.equal(late.topic, 'will/w-late');
      assert.equal(late.payload.toString(), 'gone w-late');
      assert.equal(late.properties?.contentType, 'text/plain');
      assert.deepEqual({ ...late.properties?.userProperties }, { k: 'v' });
      watcher.send({ cmd: 'puback', messageId: late.messageId! });
      const due = (await watcher.next('publish')) as IPublishPacket;
      assert.equal(due.topic, 'will/w-due');
      assert.ok(Date.now() - droppedAt >= 1900, `the will came ${Date.now() - droppedAt} ms after the drop`);
      watcher.send({ cmd: 'puback', messageId: due.messageId! });
      // w-back's will would have been due by now: it was cancelled by the reconnect.
      await new Promise((r) => setTimeout(r, Math.max(0, droppedAt + 2600 - Date.now())));
      watcher.send({ cmd: 'pingreq' });
      await watcher.next('pingresp');
      assert.deepEqual(watcher.pending().filter((p) => p.cmd === 'publish'), []);
      back.close();
      watcher.close();
      await broker.close();

      // Published wills are not stored any more: a second restart sends nothing.
      persistence = store.afterRestart(persistence);
      broker = new Broker({ persistence });
      ({ port } = await broker.listen({ port: 0, host: HOST }));
      const again = await RawClient.connect(port, 5);
      await again.handshake({ clientId: 'w-watch-2' });
      again.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'will/#', qos: 1 }] });
      await again.next('suback');
      await new Promise((r) => setTimeout(r, 600));
      again.send({ cmd: 'pingreq' });
      await again.next('pingresp');
      assert.deepEqual(again.pending().filter((p) => p.cmd === 'publish'), []);
      again.close();
      await broker.close();
      store.close?.(persistence);
    });
  });
}
