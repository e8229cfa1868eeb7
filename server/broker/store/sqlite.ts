/**
 * Durable persistence: persistent sessions and retained messages in `<dataDir>/broker.db`.
 *
 *   const persistence = new SqlitePersistence(dataDir);
 *   const broker = new Broker({ persistence });
 *   ...
 *   await broker.close(); persistence.close();
 *
 * **A file of its own.** The broker commits up to once per event-loop turn under load; SQLite
 * has a single writer lock per database file, so sharing the console's magpie.db would make
 * console writes and broker commits wait for each other. Schema: db/broker-schema.ts, managed
 * by drizzle-kit migrations (db/broker-migrations, applied at open).
 *
 * **Group commit.** Every SessionStore/RetainedStore call appends a small record to the
 * instance's write log (copying what it must keep: the caller mutates its entries later);
 * commit() writes the whole log in one transaction. The broker calls commit() once per turn,
 * before any acknowledgement of that turn leaves (protocol/write-batcher.ts); a turn that
 * wrote to the log but flushes nothing commits at its end by itself (append). A commit that
 * fails rolls back and keeps its log, so the next commit retries it and nothing is
 * acknowledged in between.
 *
 * **Durability.** WAL with `synchronous = NORMAL`: a commit appends its frames to the WAL
 * file with write() before it returns, but does not fsync. What has been written is in the
 * kernel's page cache, so it survives the broker process being killed (SIGKILL, a crash, an
 * OOM kill) — the failure this store is for — but the last commits can be lost if the
 * machine itself loses power or the kernel crashes. Pass `{ synchronous: 'full' }` to fsync
 * the WAL at every commit as well (power-loss safe, much slower per commit). The database
 * never becomes corrupt either way.
 *
 * **Hot path on plain prepared statements.** Schema and migrations are drizzle's, and the
 * cold paths (loading at start-up, deleting an instance) use its query builder; the per-turn
 * writes use better-sqlite3 prepared statements directly. They run for every QoS 1/2 message
 * of every persistent session, and skipping the query builder's per-call SQL building and
 * result mapping is a large part of their cost.
 *
 * **Messages stored once.** A message delivered to many persistent sessions is one row in
 * `messages`, referenced by each session's `outgoing` row; the store knows a message by
 * object identity (every session is handed the same immutable Message). A message row goes
 * in the transaction that drops its last reference.
 *
 * **Retained messages** live in memory as well (MemoryRetainedStore is the index the broker
 * matches against on every subscribe), loaded at open and written through.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { and, asc, eq } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../../../db/broker-schema';
import { isExpired, type Message } from '../message';
import { MemoryRetainedStore, type RetainedStore } from '../routing/retained';
import {
  MESSAGE_COLUMNS,
  messageFromRow,
  messageValues,
  subscriptionIdsFromColumn,
  subscriptionIdsToColumn,
  WILL_ASSIGNMENTS,
  willFromRow,
  willValues,
  type WillValues,
} from './sqlite-rows';
import {
  packetIdForSeq,
  type InstanceStore,
  type PersistenceProvider,
  type SessionStore,
  type StoredOutgoing,
  type StoredSession,
  type StoredSessionMeta,
  type StoredSubscription,
  type StoredWill,
} from './types';

export const BROKER_DATABASE_FILE = 'broker.db';

export interface SqlitePersistenceOptions {
  /** 'normal' (default): safe against the process being killed; 'full': also against power loss. */
  synchronous?: 'normal' | 'full';
  /** Default: db/broker-migrations under MAGPIE_ROOT or the working directory (like db/client.ts). */
  migrationsFolder?: string;
}

function defaultMigrationsFolder(): string {
  return path.join(/*turbopackIgnore: true*/ process.env.MAGPIE_ROOT || process.cwd(), 'db', 'broker-migrations');
}

/** One record of the write log; what commit() turns into statements, in order. */
type Write =
  | { op: 'session'; clientId: string; expiryInterval: number; disconnectedAt: number }
  | { op: 'deleteSession'; clientId: string }
  | { op: 'subscription'; clientId: string; sub: StoredSubscription }
  | { op: 'deleteSubscription'; clientId: string; filter: string }
  | { op: 'message'; key: number; message: Message }
  | {
      op: 'outgoing';
      clientId: string;
      seq: number;
      key: number;
      qos: number;
      retain: boolean;
      subscriptionIds: string | null;
      packetId: number;
      released: boolean;
      shareFilter: string | null;
    }
  | { op: 'outgoingState'; clientId: string; seq: number; packetId: number; released: boolean }
  | SentMark
  | { op: 'deleteOutgoing'; clientId: string; seq: number }
  | { op: 'incomingQos2'; clientId: string; packetId: number }
  | { op: 'deleteIncomingQos2'; clientId: string; packetId: number }
  | { op: 'will'; clientId: string; at: number; values: WillValues }
  | { op: 'retained'; message: Message }
  | { op: 'deleteRetained'; topic: string };

/** The session sent its queue up to `seq` (sessions.sent_seq); at most one per session in a log, raised in place. */
interface SentMark {
  op: 'sent';
  clientId: string;
  seq: number;
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: Database.Database) {
  return {
    upsertSession: db.prepare(
      `INSERT INTO sessions (instance_id, client_id, expiry_interval, disconnected_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (instance_id, client_id) DO UPDATE SET expiry_interval = excluded.expiry_interval, disconnected_at = excluded.disconnected_at`,
    ),
    sessionMessageKeys: db.prepare('SELECT DISTINCT message_key FROM outgoing WHERE instance_id = ? AND client_id = ?').pluck(),
    deleteSession: db.prepare('DELETE FROM sessions WHERE instance_id = ? AND client_id = ?'),
    deleteSessionSubscriptions: db.prepare('DELETE FROM subscriptions WHERE instance_id = ? AND client_id = ?'),
    deleteSessionOutgoing: db.prepare('DELETE FROM outgoing WHERE instance_id = ? AND client_id = ?'),
    deleteSessionIncomingQos2: db.prepare('DELETE FROM incoming_qos2 WHERE instance_id = ? AND client_id = ?'),
    upsertSubscription: db.prepare(
      `INSERT INTO subscriptions (instance_id, client_id, filter, qos, no_local, retain_as_published, retain_handling, subscription_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (instance_id, client_id, filter) DO UPDATE SET qos = excluded.qos, no_local = excluded.no_local,
         retain_as_published = excluded.retain_as_published, retain_handling = excluded.retain_handling, subscription_id = excluded.subscription_id`,
    ),
    deleteSubscription: db.prepare('DELETE FROM subscriptions WHERE instance_id = ? AND client_id = ? AND filter = ?'),
    insertMessage: db.prepare(`INSERT OR IGNORE INTO messages (key, instance_id, ${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    /** A message row no delivery refers to any more. */
    collectMessage: db.prepare('DELETE FROM messages WHERE key = ? AND NOT EXISTS (SELECT 1 FROM outgoing WHERE message_key = ?)'),
    upsertOutgoing: db.prepare(
      `INSERT INTO outgoing (instance_id, client_id, seq, message_key, qos, retain, subscription_ids, packet_id, released, share_filter)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (instance_id, client_id, seq) DO UPDATE SET message_key = excluded.message_key, qos = excluded.qos, retain = excluded.retain,
         subscription_ids = excluded.subscription_ids, packet_id = excluded.packet_id, released = excluded.released, share_filter = excluded.share_filter`,
    ),
    updateSentSeq: db.prepare('UPDATE sessions SET sent_seq = ? WHERE instance_id = ? AND client_id = ?'),
    updateOutgoingState: db.prepare('UPDATE outgoing SET packet_id = ?, released = ? WHERE instance_id = ? AND client_id = ? AND seq = ?'),
    deleteOutgoing: db.prepare('DELETE FROM outgoing WHERE instance_id = ? AND client_id = ? AND seq = ? RETURNING message_key').pluck(),
    insertIncomingQos2: db.prepare('INSERT OR IGNORE INTO incoming_qos2 (instance_id, client_id, packet_id) VALUES (?, ?, ?)'),
    deleteIncomingQos2: db.prepare('DELETE FROM incoming_qos2 WHERE instance_id = ? AND client_id = ? AND packet_id = ?'),
    updateWill: db.prepare(`UPDATE sessions SET ${WILL_ASSIGNMENTS} WHERE instance_id = ? AND client_id = ?`),
    upsertRetained: db.prepare(`INSERT OR REPLACE INTO retained (instance_id, ${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    deleteRetained: db.prepare('DELETE FROM retained WHERE instance_id = ? AND topic = ?'),
  };
}

/** Writes one instance's log; runs inside a transaction. */
function applyWrites(s: Statements, instanceId: string, writes: readonly Write[]): void {
  let collect: Set<number> | null = null;
  for (const w of writes) {
    switch (w.op) {
      case 'session':
        s.upsertSession.run(instanceId, w.clientId, w.expiryInterval, w.disconnectedAt);
        break;
      case 'deleteSession':
        for (const key of s.sessionMessageKeys.all(instanceId, w.clientId) as number[]) (collect ??= new Set()).add(key);
        s.deleteSessionOutgoing.run(instanceId, w.clientId);
        s.deleteSessionSubscriptions.run(instanceId, w.clientId);
        s.deleteSessionIncomingQos2.run(instanceId, w.clientId);
        s.deleteSession.run(instanceId, w.clientId);
        break;
      case 'subscription': {
        const sub = w.sub;
        s.upsertSubscription.run(
          instanceId,
          w.clientId,
          sub.filter,
          sub.qos,
          sub.noLocal ? 1 : 0,
          sub.retainAsPublished ? 1 : 0,
          sub.retainHandling,
          sub.subscriptionId,
        );
        break;
      }
      case 'deleteSubscription':
        s.deleteSubscription.run(instanceId, w.clientId, w.filter);
        break;
      case 'message':
        s.insertMessage.run(w.key, instanceId, ...messageValues(w.message));
        break;
      case 'outgoing':
        s.upsertOutgoing.run(
          instanceId,
          w.clientId,
          w.seq,
          w.key,
          w.qos,
          w.retain ? 1 : 0,
          w.subscriptionIds,
          w.packetId,
          w.released ? 1 : 0,
          w.shareFilter,
        );
        break;
      case 'outgoingState':
        s.updateOutgoingState.run(w.packetId, w.released ? 1 : 0, instanceId, w.clientId, w.seq);
        break;
      case 'sent':
        s.updateSentSeq.run(w.seq, instanceId, w.clientId);
        break;
      case 'deleteOutgoing': {
        const key = s.deleteOutgoing.get(instanceId, w.clientId, w.seq) as number | undefined;
        if (key !== undefined) (collect ??= new Set()).add(key);
        break;
      }
      case 'incomingQos2':
        s.insertIncomingQos2.run(instanceId, w.clientId, w.packetId);
        break;
      case 'deleteIncomingQos2':
        s.deleteIncomingQos2.run(instanceId, w.clientId, w.packetId);
        break;
      case 'will':
        s.updateWill.run(w.at, ...w.values, instanceId, w.clientId);
        break;
      case 'retained':
        s.upsertRetained.run(instanceId, ...messageValues(w.message));
        break;
      case 'deleteRetained':
        s.deleteRetained.run(instanceId, w.topic);
        break;
    }
  }
  // After every write of the transaction: a message handed to another session later in the
  // same turn (a shared subscription moving it) is still referenced and stays.
  if (collect) for (const key of collect) s.collectMessage.run(key, key);
}

export class SqlitePersistence implements PersistenceProvider {
  readonly file: string;
  /** better-sqlite3's handle; tests read it to check what is on disk. */
  readonly sqlite: Database.Database;
  private readonly db: BetterSQLite3Database<typeof schema>;
  private readonly statements: Statements;
  private readonly transaction: Database.Transaction<(instanceId: string, writes: readonly Write[]) => void>;
  private readonly stores = new Map<string, SqliteInstanceStore>();
  /** Storage keys of messages, by identity: one row however many sessions hold the message. */
  private readonly keys = new WeakMap<Message, number>();
  private nextKey: number;
  private closed = false;

  constructor(dataDir: string, options: SqlitePersistenceOptions = {}) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = path.join(/*turbopackIgnore: true*/ dataDir, BROKER_DATABASE_FILE);
    const sqlite = new Database(this.file);
    this.sqlite = sqlite;
    try {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('busy_timeout = 5000');
      sqlite.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      // The WAL is reset after each checkpoint; this caps what stays on disk after a burst.
      sqlite.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      this.db = drizzle(sqlite, { schema });
      migrate(this.db, { migrationsFolder: options.migrationsFolder ?? defaultMigrationsFolder() });
      this.statements = prepareStatements(sqlite);
      const writeAll = (instanceId: string, writes: readonly Write[]) => applyWrites(this.statements, instanceId, writes);
      this.transaction = sqlite.transaction(writeAll);
      const max = sqlite.prepare('SELECT max(key) FROM messages').pluck().get() as number | null;
      this.nextKey = (max ?? 0) + 1;
    } catch (err) {
      sqlite.close();
      throw err;
    }
  }

  open(instanceId: string): InstanceStore {
    if (this.closed) throw new Error('SqlitePersistence is closed');
    let store = this.stores.get(instanceId);
    if (!store) {
      store = new SqliteInstanceStore(this, instanceId);
      this.stores.set(instanceId, store);
    }
    return store;
  }

  destroy(instanceId: string): void {
    if (this.closed) throw new Error('SqlitePersistence is closed');
    this.stores.get(instanceId)?.discard();
    this.stores.delete(instanceId);
    const { db } = this;
    db.transaction((tx) => {
      tx.delete(schema.brokerOutgoing).where(eq(schema.brokerOutgoing.instanceId, instanceId)).run();
      tx.delete(schema.brokerMessages).where(eq(schema.brokerMessages.instanceId, instanceId)).run();
      tx.delete(schema.brokerSubscriptions).where(eq(schema.brokerSubscriptions.instanceId, instanceId)).run();
      tx.delete(schema.brokerIncomingQos2).where(eq(schema.brokerIncomingQos2.instanceId, instanceId)).run();
      tx.delete(schema.brokerSessions).where(eq(schema.brokerSessions.instanceId, instanceId)).run();
      tx.delete(schema.brokerRetained).where(eq(schema.brokerRetained.instanceId, instanceId)).run();
    });
  }

  /** Commits and closes every open instance store, then the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      for (const store of this.stores.values()) store.close();
    } finally {
      this.closed = true;
      this.stores.clear();
      this.sqlite.close();
    }
  }

  // ---- for SqliteInstanceStore ---------------------------------------------------------------

  /** @internal */
  keyOf(message: Message): number {
    let key = this.keys.get(message);
    if (key === undefined) {
      key = this.nextKey++;
      this.keys.set(message, key);
    }
    return key;
  }

  /** @internal A message read back from the store keeps its key (its row is shared, not copied). */
  adoptKey(message: Message, key: number): void {
    this.keys.set(message, key);
    if (key >= this.nextKey) this.nextKey = key + 1;
  }

  /** @internal */
  write(instanceId: string, writes: readonly Write[]): void {
    this.transaction.immediate(instanceId, writes);
  }

  /** @internal */
  storeClosed(store: SqliteInstanceStore): void {
    if (this.stores.get(store.instanceId) === store) this.stores.delete(store.instanceId);
  }

  /** @internal */
  get drizzle(): BetterSQLite3Database<typeof schema> {
    return this.db;
  }
}

class SqliteInstanceStore implements InstanceStore {
  readonly sessions: SqliteSessionStore;
  readonly retained: SqliteRetainedStore;
  /** Writes since the last commit, in order. */
  private log: Write[] = [];
  /** Messages whose row is already written by this log: a fan-out inserts the payload once. */
  private readonly loggedMessages = new Set<number>();
  /** The log's sent mark per session (markSent). */
  private readonly sentMarks = new Map<string, SentMark>();
  private closed = false;
  /** A commit at the end of this turn is scheduled (see append). */
  private commitScheduled = false;

  constructor(
    private readonly provider: SqlitePersistence,
    readonly instanceId: string,
  ) {
    const db = provider.drizzle;
    const clientIds = db
      .select({ clientId: schema.brokerSessions.clientId })
      .from(schema.brokerSessions)
      .where(eq(schema.brokerSessions.instanceId, instanceId))
      .all()
      .map((r) => r.clientId);
    this.sessions = new SqliteSessionStore(this, clientIds);
    this.retained = new SqliteRetainedStore(this, this.loadRetained());
  }

  append(write: Write): void {
    if (this.closed) return;
    this.log.push(write);
    // The write batcher commits before it flushes, but a change that sends nothing (a client
    // dropping without DISCONNECT, which arms its delayed will; a timer) would otherwise wait
    // for the next flush of any connection, and be lost if the process is killed before one.
    // Committing at the end of the turn in any case is still one transaction per turn: when
    // the batcher runs later in the same turn its commit finds the log empty.
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(this.commitAtEndOfTurn);
    }
  }

  private readonly commitAtEndOfTurn = (): void => {
    this.commitScheduled = false;
    try {
      this.commit();
    } catch (err) {
      // The log stays; the next commit (the batcher's, or the next turn's) retries it.
      console.error('broker store commit failed', err);
    }
  };

  /** The key of a message an outgoing row refers to; logs its row unless this log already has it. */
  messageKey(message: Message): number {
    const key = this.provider.keyOf(message);
    if (!this.loggedMessages.has(key)) {
      this.loggedMessages.add(key);
      // INSERT OR IGNORE: the row may exist from an earlier commit (or be re-created after
      // the last session holding it let go and a shared subscription hands it on).
      this.append({ op: 'message', key, message });
    }
    return key;
  }

  /**
   * The session has sent its queue up to `seq`. A session draining a backlog sends many
   * entries per turn: the log keeps one mark per session and raises it, so the commit writes
   * the session row once instead of each entry's row. Raising a mark logged earlier in the
   * turn is safe because the commit is one transaction, except across the session's deletion
   * (a new session of that client numbers from 1 again): deleteSession forgets the mark first.
   */
  markSent(clientId: string, seq: number): void {
    const mark = this.sentMarks.get(clientId);
    if (mark) {
      mark.seq = Math.max(mark.seq, seq);
      return;
    }
    const write: SentMark = { op: 'sent', clientId, seq };
    this.sentMarks.set(clientId, write);
    this.append(write);
  }

  /** The session is deleted in this log: a later mark is a new write after the deletion. */
  forgetSentMark(clientId: string): void {
    this.sentMarks.delete(clientId);
  }

  get uncommitted(): boolean {
    return this.log.length !== 0 && !this.closed;
  }

  commit(): void {
    if (this.log.length === 0 || this.closed) return;
    // On failure the transaction rolls back and the log stays for the next commit.
    this.provider.write(this.instanceId, this.log);
    this.log = [];
    this.loggedMessages.clear();
    this.sentMarks.clear();
  }

  close(): void {
    if (this.closed) return;
    try {
      this.commit();
    } finally {
      this.closed = true;
      this.log = [];
      this.sentMarks.clear();
      this.provider.storeClosed(this);
    }
  }

  /** The instance is being destroyed: nothing more is written. */
  discard(): void {
    this.closed = true;
    this.log = [];
    this.sentMarks.clear();
  }

  loadSessions(): StoredSession[] {
    this.commit();
    const db = this.provider.drizzle;
    const id = this.instanceId;
    const { brokerSessions, brokerSubscriptions, brokerOutgoing, brokerIncomingQos2, brokerMessages } = schema;
    const sessions = new Map<string, StoredSession>();
    const sentSeqs = new Map<string, number>();
    for (const r of db.select().from(brokerSessions).where(eq(brokerSessions.instanceId, id)).all()) {
      sentSeqs.set(r.clientId, r.sentSeq);
      sessions.set(r.clientId, {
        clientId: r.clientId,
        expiryInterval: r.expiryInterval,
        disconnectedAt: r.disconnectedAt,
        subscriptions: [],
        outgoing: [],
        lastSeq: r.sentSeq,
        incomingQos2: [],
        will: willFromRow(r),
      });
    }
    for (const r of db.select().from(brokerSubscriptions).where(eq(brokerSubscriptions.instanceId, id)).orderBy(asc(brokerSubscriptions.filter)).all()) {
      sessions.get(r.clientId)?.subscriptions.push({
        filter: r.filter,
        qos: r.qos as StoredSubscription['qos'],
        noLocal: r.noLocal,
        retainAsPublished: r.retainAsPublished,
        retainHandling: r.retainHandling as StoredSubscription['retainHandling'],
        subscriptionId: r.subscriptionId,
      });
    }
    // Every message of the instance is referenced by some outgoing row (unreferenced ones are
    // deleted in the commit that drops the last reference); one object per row, shared.
    const messages = new Map<number, Message>();
    for (const r of db.select().from(brokerMessages).where(eq(brokerMessages.instanceId, id)).all()) {
      const message = messageFromRow(r);
      this.provider.adoptKey(message, r.key);
      messages.set(r.key, message);
    }
    const outgoing = db
      .select()
      .from(brokerOutgoing)
      .where(eq(brokerOutgoing.instanceId, id))
      .orderBy(asc(brokerOutgoing.clientId), asc(brokerOutgoing.seq))
      .all();
    for (const r of outgoing) {
      const session = sessions.get(r.clientId);
      const message = messages.get(r.messageKey);
      if (!session || !message) continue;
      // Sent under the ID its seq gives, recorded only as the session's sent mark (markSent).
      const packetId = r.packetId === 0 && r.seq <= sentSeqs.get(r.clientId)! ? packetIdForSeq(r.seq) : r.packetId;
      session.lastSeq = Math.max(session.lastSeq, r.seq);
      session.outgoing.push({
        seq: r.seq,
        message,
        qos: r.qos as StoredOutgoing['qos'],
        retain: r.retain,
        subscriptionIds: subscriptionIdsFromColumn(r.subscriptionIds),
        packetId,
        released: r.released,
        shareFilter: r.shareFilter,
      });
    }
    for (const r of db.select().from(brokerIncomingQos2).where(eq(brokerIncomingQos2.instanceId, id)).orderBy(asc(brokerIncomingQos2.packetId)).all()) {
      sessions.get(r.clientId)?.incomingQos2.push(r.packetId);
    }
    return [...sessions.values()];
  }

  private loadRetained(): Message[] {
    const db = this.provider.drizzle;
    const { brokerRetained } = schema;
    const now = Date.now();
    const out: Message[] = [];
    for (const r of db.select().from(brokerRetained).where(eq(brokerRetained.instanceId, this.instanceId)).all()) {
      const message = messageFromRow(r);
      if (isExpired(message, now)) {
        db.delete(brokerRetained)
          .where(and(eq(brokerRetained.instanceId, this.instanceId), eq(brokerRetained.topic, r.topic)))
          .run();
      } else out.push(message);
    }
    return out;
  }
}

class SqliteSessionStore implements SessionStore {
  /** Client IDs with a stored session (as of the log): writes for any other are ignored. */
  private readonly known: Set<string>;

  constructor(
    private readonly store: SqliteInstanceStore,
    clientIds: string[],
  ) {
    this.known = new Set(clientIds);
  }

  load(): StoredSession[] {
    return this.store.loadSessions();
  }

  saveSession(meta: StoredSessionMeta): void {
    this.known.add(meta.clientId);
    this.store.append({ op: 'session', clientId: meta.clientId, expiryInterval: meta.expiryInterval, disconnectedAt: meta.disconnectedAt });
  }

  deleteSession(clientId: string): void {
    if (!this.known.delete(clientId)) return;
    this.store.forgetSentMark(clientId);
    this.store.append({ op: 'deleteSession', clientId });
  }

  saveSubscription(clientId: string, sub: StoredSubscription): void {
    if (!this.known.has(clientId)) return;
    this.store.append({ op: 'subscription', clientId, sub: { ...sub } });
  }

  deleteSubscription(clientId: string, filter: string): void {
    if (!this.known.has(clientId)) return;
    this.store.append({ op: 'deleteSubscription', clientId, filter });
  }

  saveOutgoing(clientId: string, entry: StoredOutgoing): void {
    if (!this.known.has(clientId)) return;
    this.store.append({
      op: 'outgoing',
      clientId,
      seq: entry.seq,
      key: this.store.messageKey(entry.message),
      qos: entry.qos,
      retain: entry.retain,
      subscriptionIds: subscriptionIdsToColumn(entry.subscriptionIds),
      packetId: entry.packetId,
      released: entry.released,
      shareFilter: entry.shareFilter ?? null,
    });
  }

  saveOutgoingState(clientId: string, entry: StoredOutgoing): void {
    if (!this.known.has(clientId)) return;
    // Backlog delivery's hot path. Sent under the ID its seq gives: the row stays as it is and
    // only the session's sent mark moves (one write per commit). Stored entries leave the
    // queue in seq order, so every row with packet_id 0 up to the mark is in flight; the
    // session numbers its entries above the mark after a restart (StoredSession.lastSeq).
    if (!entry.released && entry.packetId === packetIdForSeq(entry.seq)) {
      this.store.markSent(clientId, entry.seq);
      return;
    }
    // Another ID (that one was taken), or PUBREC received: no message row, no full upsert.
    this.store.append({ op: 'outgoingState', clientId, seq: entry.seq, packetId: entry.packetId, released: entry.released });
  }

  deleteOutgoing(clientId: string, seq: number): void {
    if (!this.known.has(clientId)) return;
    this.store.append({ op: 'deleteOutgoing', clientId, seq });
  }

  saveIncomingQos2(clientId: string, packetId: number): void {
    if (!this.known.has(clientId)) return;
    this.store.append({ op: 'incomingQos2', clientId, packetId });
  }

  deleteIncomingQos2(clientId: string, packetId: number): void {
    if (!this.known.has(clientId)) return;
    this.store.append({ op: 'deleteIncomingQos2', clientId, packetId });
  }

  saveWill(clientId: string, will: StoredWill | null): void {
    if (!this.known.has(clientId)) return;
    // The values are read now: the caller's will may change after this returns.
    this.store.append({ op: 'will', clientId, at: will ? will.at : 0, values: willValues(will ? will.message : null) });
  }
}

/** The broker matches against the in-memory index; every change is written through. */
class SqliteRetainedStore implements RetainedStore {
  private readonly index = new MemoryRetainedStore();

  constructor(
    private readonly store: SqliteInstanceStore,
    initial: Message[],
  ) {
    for (const m of initial) this.index.set(m);
  }

  get size(): number {
    return this.index.size;
  }

  set(message: Message): void {
    this.index.set(message);
    if (message.payload.length === 0) this.store.append({ op: 'deleteRetained', topic: message.topic });
    else this.store.append({ op: 'retained', message });
  }

  get(topic: string): Message | undefined {
    return this.index.get(topic);
  }

  match(filter: string, visit: (message: Message) => void, now = Date.now()): void {
    // The index would drop expired messages silently; with `now` = 0 it reports every one
    // (none counts as expired at time 0) and they are removed here, on disk too.
    let expired: Message[] | null = null;
    this.index.match(
      filter,
      (m) => {
        if (isExpired(m, now)) (expired ??= []).push(m);
        else visit(m);
      },
      0,
    );
    if (expired) for (const m of expired as Message[]) this.set({ ...m, payload: EMPTY });
  }
}

const EMPTY = Buffer.alloc(0);
