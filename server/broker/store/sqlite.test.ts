/**
 * The SQLite store: the shared store contract (on one handle, and read back through a second
 * connection to the file), what it puts on disk (WAL, its own file, one transaction per
 * commit, messages stored once, instances apart), exact message round trips, retained
 * messages, and a broker restart across a real close and reopen of the database.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Broker } from '../broker';
import { createMessage, type Message } from '../message';
import { connectClient, HOST, inboxOf } from '../testing/helpers';
import { brokerRestartContract } from './broker-restart.contract';
import { sessionStoreContract } from './session-store.contract';
import { BROKER_DATABASE_FILE, SqlitePersistence } from './sqlite';
import { packetIdForSeq, type InstanceStore, type SessionStore, type StoredOutgoing } from './types';

const dirs: string[] = [];
const handles: SqlitePersistence[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-broker-store-'));
  dirs.push(dir);
  return dir;
}
function persistence(dir: string): SqlitePersistence {
  const p = new SqlitePersistence(dir);
  handles.push(p);
  return p;
}
after(() => {
  for (const p of handles) p.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

// ---- the contract ------------------------------------------------------------------------------

// One database for all contract runs; each test opens a fresh instance, which also checks
// that instances do not see each other's rows.
const contractDir = tempDir();
const contractDb = persistence(contractDir);
let contractInstances = 0;
const opened = new WeakMap<SessionStore, { instanceId: string; store: InstanceStore }>();
function openContractStore(): SessionStore {
  const instanceId = `contract-${++contractInstances}`;
  const store = contractDb.open(instanceId);
  opened.set(store.sessions, { instanceId, store });
  return store.sessions;
}

sessionStoreContract('sqlite', openContractStore);
sessionStoreContract('sqlite, read back through a second connection', openContractStore, (sessions) => {
  const { instanceId, store } = opened.get(sessions)!;
  store.commit();
  return {
    load: () => {
      const second = new SqlitePersistence(contractDir);
      try {
        return second.open(instanceId).sessions.load();
      } finally {
        second.close();
      }
    },
  } as SessionStore;
});

// ---- on disk -----------------------------------------------------------------------------------

const outgoing = (seq: number, message: Message, packetId = 0): StoredOutgoing => ({
  seq,
  message,
  qos: 1,
  retain: false,
  subscriptionIds: null,
  packetId,
  released: false,
});
const msg = (payload: string | Buffer, extra: Partial<Parameters<typeof createMessage>[0]> = {}) =>
  createMessage({ topic: 't/a', payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), qos: 1, retain: false, ...extra });
const count = (db: Database.Database, table: string, where = '1') => db.prepare(`SELECT count(*) FROM ${table} WHERE ${where}`).pluck().get() as number;

describe('SqlitePersistence on disk', () => {
  it('uses its own file under the data directory, in WAL mode, with the migrations applied', () => {
    const dir = path.join(tempDir(), 'nested');
    const p = persistence(dir);
    assert.equal(p.file, path.join(dir, BROKER_DATABASE_FILE));
    assert.ok(fs.existsSync(p.file));
    assert.ok(!fs.existsSync(path.join(dir, 'magpie.db')));
    assert.equal(p.sqlite.pragma('journal_mode', { simple: true }), 'wal');
    assert.ok(Number(p.sqlite.pragma('busy_timeout', { simple: true })) >= 1000);
    assert.equal(p.sqlite.pragma('synchronous', { simple: true }), 1); // NORMAL
    const tables = p.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    for (const t of ['__drizzle_migrations', 'incoming_qos2', 'messages', 'outgoing', 'retained', 'sessions', 'subscriptions']) {
      assert.ok(tables.includes(t), `table ${t}`);
    }
    // Opening again applies nothing twice.
    p.close();
    const again = persistence(dir);
    const journal = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../../db/broker-migrations/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
    assert.equal(count(again.sqlite, '__drizzle_migrations'), journal.entries.length);
    const full = new SqlitePersistence(tempDir(), { synchronous: 'full' });
    assert.equal(full.sqlite.pragma('synchronous', { simple: true }), 2);
    full.close();
  });

  it('buffers writes until commit, then writes them in one transaction', () => {
    const dir = tempDir();
    const p = persistence(dir);
    const store = p.open('i');
    const reader = new Database(path.join(dir, BROKER_DATABASE_FILE), { readonly: true });
    try {
      store.sessions.saveSession({ clientId: 'c', expiryInterval: 60, disconnectedAt: 0 });
      store.sessions.saveOutgoing('c', outgoing(1, msg('a')));
      assert.equal(count(reader, 'sessions'), 0);
      const before = reader.pragma('data_version', { simple: true });
      store.commit();
      assert.equal(count(reader, 'sessions'), 1);
      assert.equal(count(reader, 'outgoing'), 1);
      // data_version moves once per transaction another connection commits.
      const afterOne = reader.pragma('data_version', { simple: true });
      assert.notEqual(afterOne, before);
      store.commit(); // nothing to write: no transaction
      assert.equal(reader.pragma('data_version', { simple: true }), afterOne);
    } finally {
      reader.close();
    }
  });

  it('keeps the writes of a failed commit and writes them with the next one', () => {
    const dir = tempDir();
    const p = persistence(dir);
    p.sqlite.pragma('busy_timeout = 0');
    const store = p.open('i');
    store.sessions.saveSession({ clientId: 'c', expiryInterval: 60, disconnectedAt: 0 });
    store.sessions.saveOutgoing('c', outgoing(1, msg('first')));
    // Another connection holds the write lock: the commit fails, nothing is half-written.
    const other = new Database(path.join(dir, BROKER_DATABASE_FILE));
    other.exec('BEGIN IMMEDIATE');
    assert.throws(() => store.commit(), /locked|busy/i);
    other.exec('ROLLBACK');
    assert.equal(count(other, 'sessions'), 0);
    store.sessions.saveOutgoing('c', outgoing(2, msg('second')));
    store.commit();
    assert.deepEqual(
      other.prepare('SELECT seq FROM outgoing ORDER BY seq').pluck().all(),
      [1, 2],
    );
    assert.equal(count(other, 'messages'), 2);
    other.close();
  });

  it('round-trips messages exactly: binary payloads, MQTT 5 properties, absolute expiry', () => {
    const dir = tempDir();
    const userProperties = Object.create(null) as Record<string, string | string[]>;
    userProperties['z-first'] = 'ünïcode ✓';
    userProperties.multi = ['x', 'y', 'x'];
    userProperties['__proto__'] = 'just a name';
    userProperties[''] = '';
    const rich = msg(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), {
      qos: 2,
      retain: true,
      publisher: 'pub-1',
      expiryInterval: 3600,
      now: Date.now() - 10_000,
      properties: {
        payloadFormatIndicator: false,
        contentType: 'application/octet-stream',
        responseTopic: 'reply/to',
        correlationData: Buffer.from([0, 255, 0, 1]),
        userProperties,
      },
    });
    const plain = msg('');
    const onlyFormat = msg('x', { properties: { payloadFormatIndicator: true } });
    const p = persistence(dir);
    const store = p.open('i');
    store.sessions.saveSession({ clientId: 'c', expiryInterval: 0xffffffff, disconnectedAt: 7 });
    store.sessions.saveOutgoing('c', { ...outgoing(1, rich, 9), qos: 2, retain: true, subscriptionIds: [1, 268435455], released: true, shareFilter: '$share/g/t/#' });
    store.sessions.saveOutgoing('c', { ...outgoing(2, plain), subscriptionIds: [] });
    store.sessions.saveOutgoing('c', outgoing(3, onlyFormat));
    p.close();

    const [s] = persistence(dir).open('i').sessions.load();
    assert.equal(s.expiryInterval, 0xffffffff);
    assert.equal(s.disconnectedAt, 7);
    const [a, b, c] = s.outgoing;
    assert.deepStrictEqual(a.message, rich); // prototype-less user properties included
    assert.equal(Object.getPrototypeOf(a.message.properties!.userProperties), null);
    assert.deepEqual(Object.keys(a.message.properties!.userProperties!), Object.keys(userProperties));
    assert.equal(a.message.expiresAt, rich.expiresAt); // absolute: keeps counting down
    assert.deepStrictEqual(
      { ...a, message: null },
      { seq: 1, message: null, qos: 2, retain: true, subscriptionIds: [1, 268435455], packetId: 9, released: true, shareFilter: '$share/g/t/#' },
    );
    assert.deepStrictEqual(b.message, plain);
    assert.equal(b.message.payload.length, 0);
    assert.deepStrictEqual(b.subscriptionIds, []);
    assert.equal(b.shareFilter, null);
    assert.deepStrictEqual(c.message, onlyFormat);
  });

  it('stores a message once however many sessions hold it, and deletes it with the last one', () => {
    const dir = tempDir();
    const p = persistence(dir);
    const store = p.open('i');
    const shared = msg('fan-out');
    for (const c of ['a', 'b', 'c']) {
      store.sessions.saveSession({ clientId: c, expiryInterval: 60, disconnectedAt: 0 });
      store.sessions.saveOutgoing(c, outgoing(1, shared));
    }
    store.commit();
    assert.equal(count(p.sqlite, 'messages'), 1);
    assert.equal(count(p.sqlite, 'outgoing'), 3);
    store.sessions.saveOutgoing('a', outgoing(1, shared, 5)); // sent: the row is updated, the message not copied
    store.sessions.deleteOutgoing('b', 1);
    store.commit();
    assert.equal(count(p.sqlite, 'messages'), 1);
    store.sessions.deleteSession('a');
    store.commit();
    assert.equal(count(p.sqlite, 'messages'), 1);
    // The last holder lets go; in the same turn a shared subscription hands it to d.
    store.sessions.saveSession({ clientId: 'd', expiryInterval: 60, disconnectedAt: 0 });
    store.sessions.deleteOutgoing('c', 1);
    store.sessions.saveOutgoing('d', outgoing(1, shared));
    store.commit();
    assert.equal(count(p.sqlite, 'messages'), 1);
    store.sessions.deleteOutgoing('d', 1);
    store.commit();
    assert.equal(count(p.sqlite, 'messages'), 0);
    // Handed on again later (another member of a shared group): the row comes back.
    store.sessions.saveOutgoing('c', outgoing(2, shared));
    store.sessions.saveOutgoing('d', outgoing(2, shared));
    store.commit();
    assert.equal(count(p.sqlite, 'messages'), 1);
    p.close();
    // Read back, one object is shared by the sessions that hold it, and stays one row.
    const p2 = persistence(dir);
    const s2 = p2.open('i');
    const held = s2.sessions.load().flatMap((s) => s.outgoing.map((o) => o.message));
    assert.equal(held.length, 2);
    assert.equal(held[0], held[1]);
    s2.sessions.saveOutgoing('c', outgoing(3, held[0]));
    s2.sessions.saveOutgoing('d', outgoing(2, held[0], 1));
    s2.commit();
    assert.equal(count(p2.sqlite, 'messages'), 1);
    assert.equal(count(p2.sqlite, 'outgoing'), 3);
  });

  it('records a backlog sent under the IDs its seqs give as one mark per session, not a write per row', () => {
    const dir = tempDir();
    const p = persistence(dir);
    const store = p.open('i');
    const { sessions } = store;
    sessions.saveSession({ clientId: 'b', expiryInterval: 60, disconnectedAt: 0 });
    const backlog = Array.from({ length: 100 }, (_, i) => outgoing(i + 1, msg(`m${i + 1}`)));
    for (const e of backlog) sessions.saveOutgoing('b', e);
    store.commit();
    // One turn sends the first 60 under their own IDs.
    for (const e of backlog.slice(0, 60)) {
      e.packetId = packetIdForSeq(e.seq);
      sessions.saveOutgoingState('b', e);
    }
    store.commit();
    assert.equal(count(p.sqlite, 'outgoing', 'packet_id != 0'), 0, 'no row rewritten');
    assert.equal(p.sqlite.prepare("SELECT sent_seq FROM sessions WHERE client_id = 'b'").pluck().get(), 60);
    const [loaded] = sessions.load();
    assert.deepEqual(
      [loaded.outgoing.filter((o) => o.packetId === o.seq).length, loaded.outgoing.filter((o) => o.packetId === 0).length],
      [60, 40],
    );
    // The next turn sends the rest; all are acknowledged. Nothing stays, but the session
    // numbers new entries after 100 (a queued entry numbered 1 again would read as sent).
    for (const e of backlog.slice(60)) {
      e.packetId = packetIdForSeq(e.seq);
      sessions.saveOutgoingState('b', e);
    }
    store.commit();
    for (const e of backlog) sessions.deleteOutgoing('b', e.seq);
    store.commit();
    assert.equal(count(p.sqlite, 'outgoing'), 0);
    assert.equal(sessions.load()[0].lastSeq, 100);

    // In one turn: the session sends 3 entries and ends, the client starts a new session
    // (numbered from 1 again), and it sends its first entry. The new session's mark is its own.
    sessions.saveSession({ clientId: 'n', expiryInterval: 60, disconnectedAt: 0 });
    const old = [1, 2, 3].map((seq) => outgoing(seq, msg(`old${seq}`)));
    for (const e of old) sessions.saveOutgoing('n', e);
    store.commit();
    for (const e of old) {
      e.packetId = packetIdForSeq(e.seq);
      sessions.saveOutgoingState('n', e);
    }
    sessions.deleteSession('n');
    sessions.saveSession({ clientId: 'n', expiryInterval: 60, disconnectedAt: 0 });
    const renewed = [1, 2].map((seq) => outgoing(seq, msg(`new${seq}`)));
    for (const e of renewed) sessions.saveOutgoing('n', e);
    renewed[0].packetId = packetIdForSeq(1);
    sessions.saveOutgoingState('n', renewed[0]);
    store.commit();
    const n = sessions.load().find((x) => x.clientId === 'n')!;
    assert.deepEqual(
      n.outgoing.map((o) => [o.seq, o.message.payload.toString(), o.packetId]),
      [
        [1, 'new1', 1], // in flight
        [2, 'new2', 0], // queued
      ],
    );
    p.close();
  });

  it('keeps instances apart and destroy() deletes all of one instance', () => {
    const dir = tempDir();
    const p = persistence(dir);
    for (const id of ['one', 'two']) {
      const store = p.open(id);
      store.sessions.saveSession({ clientId: 'same', expiryInterval: 60, disconnectedAt: 0 });
      store.sessions.saveSubscription('same', { filter: `${id}/#`, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: 0 });
      store.sessions.saveOutgoing('same', outgoing(1, msg(id)));
      store.sessions.saveIncomingQos2('same', 3);
      store.retained.set(msg(id, { topic: `r/${id}`, retain: true }));
      store.commit();
    }
    assert.deepEqual(
      p.open('one').sessions.load()[0].subscriptions.map((s) => s.filter),
      ['one/#'],
    );
    p.open('one').close();
    p.destroy('one');
    for (const table of ['sessions', 'subscriptions', 'outgoing', 'messages', 'incoming_qos2', 'retained']) {
      assert.equal(count(p.sqlite, table, "instance_id = 'one'"), 0, table);
      assert.equal(count(p.sqlite, table, "instance_id = 'two'"), 1, table);
    }
    assert.deepEqual(p.open('one').sessions.load(), []);
    assert.equal(p.open('one').retained.size, 0);
    assert.equal(p.open('two').sessions.load()[0].outgoing[0].message.payload.toString(), 'two');
  });

  it('persists retained messages: loaded at open, cleared by an empty payload, expired ones removed', () => {
    const dir = tempDir();
    const p = persistence(dir);
    const store = p.open('i');
    const userProperties = Object.create(null) as Record<string, string>; // as mqtt-packet parses them
    userProperties.k = 'v';
    const keep = msg('kept', { topic: 'r/keep', retain: true, properties: { userProperties } });
    store.retained.set(keep);
    store.retained.set(msg('gone', { topic: 'r/cleared', retain: true }));
    store.retained.set(msg('', { topic: 'r/cleared', retain: true }));
    store.retained.set(msg('short', { topic: 'r/short', retain: true, expiryInterval: 1, now: Date.now() - 5000 }));
    store.retained.set(msg('later', { topic: 'r/later', retain: true, expiryInterval: 1, now: Date.now() }));
    store.commit();
    assert.equal(count(p.sqlite, 'retained'), 3);
    // Matching reports only live messages and deletes the expired one, on disk too.
    const seen: string[] = [];
    store.retained.match('r/+', (m) => seen.push(m.topic));
    assert.deepEqual(seen.sort(), ['r/keep', 'r/later']);
    store.commit();
    assert.equal(count(p.sqlite, 'retained'), 2);
    p.close();

    const reopened = persistence(dir).open('i');
    assert.equal(reopened.retained.size, 2);
    assert.deepStrictEqual(reopened.retained.get('r/keep'), keep);
    assert.equal(reopened.retained.get('r/cleared'), undefined);
    // Expired while stopped: not loaded.
    const expiring = persistence(tempDir());
    const s = expiring.open('i');
    s.retained.set(msg('brief', { topic: 'r/brief', retain: true, expiryInterval: 1, now: Date.now() - 999 }));
    s.commit();
    const file = expiring.file;
    expiring.close();
    const db = new Database(file);
    db.prepare('UPDATE retained SET expires_at = ?').run(Date.now() - 1);
    db.close();
    const back = persistence(path.dirname(file)).open('i');
    assert.equal(back.retained.size, 0);
  });
});

// ---- a broker restart --------------------------------------------------------------------------

brokerRestartContract('SQLite, reopened from the file', {
  first: () => new SqlitePersistence(tempDir()),
  afterRestart: (previous) => {
    const sqlite = previous as SqlitePersistence;
    sqlite.close();
    return new SqlitePersistence(path.dirname(sqlite.file));
  },
  close: (persistence) => (persistence as SqlitePersistence).close(),
});

describe('broker restart on the same database file', () => {
  it('passes MQTT 5 properties through a restart, and message expiry keeps counting down', async () => {
    const dir = tempDir();
    const v5 = { protocolVersion: 5 as const };
    let persist = new SqlitePersistence(dir);
    let broker = new Broker({ persistence: persist });
    let { port } = await broker.listen({ port: 0, host: HOST });
    const sub = await connectClient(port, { clientId: 'p-sub', clean: false, properties: { sessionExpiryInterval: 300 }, ...v5 });
    await sub.subscribeAsync('p/#', { qos: 2, properties: { subscriptionIdentifier: 7 } });
    await sub.endAsync();
    const pub = await connectClient(port, { clientId: 'p-pub', ...v5 });
    const properties = {
      userProperties: { a: '1', multi: ['x', 'y'], 'ключ': 'значение' },
      responseTopic: 'p/reply',
      correlationData: Buffer.from([0, 1, 2, 255]),
      contentType: 'application/octet-stream',
      payloadFormatIndicator: false,
      messageExpiryInterval: 3600,
    };
    const binary = Buffer.from([0, 0xff, 0x80, 0x0a, 0x0d, 0]);
    await pub.publishAsync('p/props', binary, { qos: 2, properties });
    await pub.publishAsync('p/plain', 'no properties', { qos: 1 });
    await pub.endAsync();
    await broker.close();
    persist.close();

    // While the broker is stopped, time passes: make the stored messages 100 s older.
    const db = new Database(path.join(dir, BROKER_DATABASE_FILE));
    db.prepare('UPDATE messages SET expires_at = expires_at - 100000, created_at = created_at - 100000 WHERE expires_at <> 0').run();
    db.close();

    persist = new SqlitePersistence(dir);
    broker = new Broker({ persistence: persist });
    ({ port } = await broker.listen({ port: 0, host: HOST }));
    const back = await connectClient(port, { clientId: 'p-sub', clean: false, properties: { sessionExpiryInterval: 300 }, ...v5 });
    // (MQTT.js hands a QoS 2 message over at PUBREL, so the QoS 1 one may come first.)
    const received = await inboxOf(back).waitFor(2);
    const a = received.find((m) => m.topic === 'p/props')!;
    const b = received.find((m) => m.topic === 'p/plain')!;
    assert.deepEqual(a.payload, binary);
    const p = a.packet.properties!;
    assert.deepEqual({ ...p.userProperties }, properties.userProperties);
    assert.equal(p.responseTopic, properties.responseTopic);
    assert.deepEqual(p.correlationData, properties.correlationData);
    assert.equal(p.contentType, properties.contentType);
    assert.equal(p.payloadFormatIndicator, false);
    assert.deepEqual(p.subscriptionIdentifier, 7);
    assert.ok(p.messageExpiryInterval! <= 3500 && p.messageExpiryInterval! >= 3490, `remaining ${p.messageExpiryInterval}`);
    assert.equal(b.packet.properties?.messageExpiryInterval, undefined);
    await back.endAsync();
    await broker.close();
    persist.close();
  });
});
