/**
 * The contract every SessionStore implementation must pass (memory now, SQLite next):
 * what is saved comes back from load(), in order, as it was last saved.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMessage } from '../message';
import { packetIdForSeq, type SessionStore, type StoredOutgoing } from './types';

export function sessionStoreContract(name: string, open: () => SessionStore, reopen?: (store: SessionStore) => SessionStore): void {
  const reload = (store: SessionStore) => (reopen ? reopen(store) : store).load();
  const message = (payload: string) => createMessage({ topic: 't/a', payload: Buffer.from(payload), qos: 2, retain: false });
  const outgoing = (seq: number, payload: string, packetId = 0): StoredOutgoing => ({
    seq,
    message: message(payload),
    qos: 1,
    retain: false,
    subscriptionIds: null,
    packetId,
    released: false,
  });

  describe(`SessionStore contract: ${name}`, () => {
    it('round-trips a session with subscriptions, outgoing and incoming state', () => {
      const store = open();
      store.saveSession({ clientId: 'c1', expiryInterval: 60, disconnectedAt: 0 });
      store.saveSubscription('c1', { filter: 'a/#', qos: 2, noLocal: true, retainAsPublished: false, retainHandling: 1, subscriptionId: 5 });
      store.saveOutgoing('c1', { ...outgoing(2, 'second'), subscriptionIds: [5, 6] });
      store.saveOutgoing('c1', outgoing(1, 'first', 10));
      store.saveIncomingQos2('c1', 77);
      const [s] = reload(store);
      assert.equal(s.clientId, 'c1');
      assert.equal(s.expiryInterval, 60);
      assert.deepEqual(s.subscriptions, [{ filter: 'a/#', qos: 2, noLocal: true, retainAsPublished: false, retainHandling: 1, subscriptionId: 5 }]);
      assert.deepEqual(
        s.outgoing.map((o) => [o.seq, o.message.payload.toString(), o.packetId, o.subscriptionIds]),
        [
          [1, 'first', 10, null],
          [2, 'second', 0, [5, 6]],
        ],
      );
      assert.equal(s.outgoing[0].message.topic, 't/a');
      assert.deepEqual(s.incomingQos2, [77]);
    });

    it('keeps what was saved, not later changes to the caller’s objects', () => {
      const store = open();
      store.saveSession({ clientId: 'c2', expiryInterval: 1, disconnectedAt: 5 });
      const entry = outgoing(1, 'x');
      store.saveOutgoing('c2', entry);
      entry.packetId = 99;
      assert.equal(reload(store).find((s) => s.clientId === 'c2')!.outgoing[0].packetId, 0);
      store.saveOutgoing('c2', entry);
      entry.released = true;
      store.saveOutgoing('c2', entry);
      const [o] = reload(store).find((s) => s.clientId === 'c2')!.outgoing;
      assert.equal(o.packetId, 99);
      assert.equal(o.released, true);
    });

    it('updates only the delivery state of a saved entry (saveOutgoingState)', () => {
      const store = open();
      store.saveSession({ clientId: 'c4', expiryInterval: 10, disconnectedAt: 0 });
      const entry = { ...outgoing(3, 'queued'), subscriptionIds: [7] };
      store.saveOutgoing('c4', entry);
      entry.packetId = 12;
      store.saveOutgoingState('c4', entry);
      entry.released = true;
      store.saveOutgoingState('c4', entry);
      entry.packetId = 13; // not saved: the store kept its own copy
      store.saveOutgoingState('c4', { ...outgoing(9, 'never saved'), packetId: 5 }); // no such entry: nothing happens
      const [o, ...rest] = reload(store).find((s) => s.clientId === 'c4')!.outgoing;
      assert.deepEqual(
        [o.seq, o.message.payload.toString(), o.packetId, o.released, o.subscriptionIds],
        [3, 'queued', 12, true, [7]],
      );
      assert.equal(rest.length, 0);
    });

    it('brings back an entry sent under the packet ID its seq gives in flight under that ID', () => {
      const store = open();
      store.saveSession({ clientId: 'c5', expiryInterval: 10, disconnectedAt: 0 });
      const entries = [1, 2, 3, 4].map((seq) => outgoing(seq, `m${seq}`));
      for (const e of entries) store.saveOutgoing('c5', e);
      // Sent in queue order: 1 and 2 under their own IDs, 3 under another (its own was taken).
      const send = (e: StoredOutgoing, packetId: number) => {
        e.packetId = packetId;
        store.saveOutgoingState('c5', e);
      };
      send(entries[0], packetIdForSeq(1));
      send(entries[1], packetIdForSeq(2));
      send(entries[2], 7);
      store.deleteOutgoing('c5', 1); // acknowledged
      const s = reload(store).find((x) => x.clientId === 'c5')!;
      assert.deepEqual(
        s.outgoing.map((o) => [o.seq, o.message.payload.toString(), o.packetId]),
        [
          [2, 'm2', 2],
          [3, 'm3', 7],
          [4, 'm4', 0], // still queued
        ],
      );
      assert.ok(s.lastSeq >= 4, `lastSeq ${s.lastSeq}`);

      // Past 65,535 the IDs wrap; a PUBREC'd entry keeps its ID.
      store.saveSession({ clientId: 'c6', expiryInterval: 10, disconnectedAt: 0 });
      const high = [65535, 65536, 65537].map((seq) => outgoing(seq, `h${seq}`));
      for (const e of high) {
        store.saveOutgoing('c6', e);
        e.packetId = packetIdForSeq(e.seq);
        store.saveOutgoingState('c6', e);
      }
      high[1].released = true;
      store.saveOutgoingState('c6', high[1]);
      assert.deepEqual(
        reload(store)
          .find((x) => x.clientId === 'c6')!
          .outgoing.map((o) => [o.seq, o.packetId, o.released]),
        [
          [65535, 65535, false],
          [65536, 1, true],
          [65537, 2, false],
        ],
      );
    });

    it('updates and deletes', () => {
      const store = open();
      store.saveSession({ clientId: 'c3', expiryInterval: 10, disconnectedAt: 0 });
      store.saveSubscription('c3', { filter: 'x', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: 0 });
      store.saveSubscription('c3', { filter: 'x', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: 0 });
      store.saveSubscription('c3', { filter: 'y', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: 0 });
      store.deleteSubscription('c3', 'y');
      store.saveOutgoing('c3', outgoing(1, 'a'));
      store.saveOutgoing('c3', outgoing(2, 'b'));
      store.deleteOutgoing('c3', 1);
      store.saveIncomingQos2('c3', 1);
      store.saveIncomingQos2('c3', 2);
      store.deleteIncomingQos2('c3', 1);
      store.saveSession({ clientId: 'c3', expiryInterval: 20, disconnectedAt: 1234 });
      const s = reload(store).find((x) => x.clientId === 'c3')!;
      assert.equal(s.expiryInterval, 20);
      assert.equal(s.disconnectedAt, 1234);
      assert.deepEqual(
        s.subscriptions.map((x) => [x.filter, x.qos]),
        [['x', 1]],
      );
      assert.deepEqual(
        s.outgoing.map((o) => o.seq),
        [2],
      );
      assert.deepEqual(s.incomingQos2, [2]);
      store.deleteSession('c3');
      assert.equal(
        reload(store).find((x) => x.clientId === 'c3'),
        undefined,
      );
    });

    it('keeps a pending will with the session until it is cleared, and through a meta update', () => {
      const store = open();
      store.saveSession({ clientId: 'w1', expiryInterval: 300, disconnectedAt: 0 });
      assert.equal(reload(store).find((x) => x.clientId === 'w1')!.will, null);
      const userProperties = Object.assign(Object.create(null) as Record<string, string | string[]>, { a: '1', b: ['2', '3'] });
      const will = {
        topic: 'wills/w1',
        payload: Buffer.from([0, 1, 2, 255]),
        qos: 1 as const,
        retain: true,
        properties: {
          payloadFormatIndicator: false,
          contentType: 'application/octet-stream',
          responseTopic: 'r/w1',
          correlationData: Buffer.from('corr'),
          userProperties,
        },
        expiryInterval: 45,
      };
      store.saveWill('w1', { message: will, at: 1_700_000_002_000 });
      will.topic = 'changed later'; // the store keeps its own copy
      store.saveSession({ clientId: 'w1', expiryInterval: 300, disconnectedAt: 1_700_000_000_000 });
      const s = reload(store).find((x) => x.clientId === 'w1')!;
      assert.equal(s.disconnectedAt, 1_700_000_000_000);
      assert.ok(s.will);
      assert.equal(s.will.at, 1_700_000_002_000);
      const m = s.will.message;
      assert.deepEqual(
        [m.topic, [...m.payload], m.qos, m.retain, m.expiryInterval],
        ['wills/w1', [0, 1, 2, 255], 1, true, 45],
      );
      assert.equal(m.properties?.payloadFormatIndicator, false);
      assert.equal(m.properties?.contentType, 'application/octet-stream');
      assert.equal(m.properties?.responseTopic, 'r/w1');
      assert.equal(m.properties?.correlationData?.toString(), 'corr');
      assert.deepEqual({ ...m.properties?.userProperties }, { a: '1', b: ['2', '3'] });

      // A will without properties or expiry comes back without them.
      store.saveWill('w1', { message: { topic: 'wills/plain', payload: Buffer.alloc(0), qos: 0, retain: false }, at: 5 });
      const plain = reload(store).find((x) => x.clientId === 'w1')!.will!;
      assert.deepEqual([plain.message.topic, plain.message.payload.length, plain.message.qos, plain.message.retain, plain.at], ['wills/plain', 0, 0, false, 5]);
      assert.ok(!plain.message.properties);
      assert.equal(plain.message.expiryInterval, undefined);

      store.saveWill('w1', null);
      assert.equal(reload(store).find((x) => x.clientId === 'w1')!.will, null);
      store.saveWill('ghost', { message: will, at: 1 });
      assert.equal(
        reload(store).find((x) => x.clientId === 'ghost'),
        undefined,
      );
    });

    it('ignores writes for a session that does not exist', () => {
      const store = open();
      store.saveOutgoing('ghost', outgoing(1, 'x'));
      store.saveSubscription('ghost', { filter: 'x', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: 0 });
      assert.equal(
        reload(store).find((x) => x.clientId === 'ghost'),
        undefined,
      );
    });
  });
}
