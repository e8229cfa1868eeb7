/**
 * The rules' on-disk buffer: every QoS 1/2 message of a data-outflow rule and every client
 * status event waits here until RocketMQ has it, across RocketMQ outages and broker restarts.
 *
 * Its own SQLite file, `<dataDir>/rules-outbox.db` (WAL), so it never contends with the session
 * store's transaction; the few statements it needs are created here (no drizzle migration: the
 * table is private to this module and rebuilt empty if the file is removed).
 *
 * Writes are grouped: the first add() of a turn opens a transaction, commit() ends it. The
 * broker's write batcher calls commit() (through BrokerInstance.commit) before any PUBACK
 * leaves, so an acknowledged message is on disk; a setImmediate commits turns that send no
 * acknowledgement (a status event of a closed socket).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** A RocketMQ message waiting to be sent (the topic is the rule's target at send time). */
export interface OutEntry {
  seq: number;
  tag: string | null;
  key: string | null;
  properties: Record<string, string>;
  body: Buffer;
  /** Written to disk (QoS 1/2, status events); false = the QoS 0 lane in memory. */
  durable: boolean;
}

interface Row {
  seq: number;
  tag: string | null;
  msg_key: string | null;
  props: string;
  body: Buffer;
}

export const OUTBOX_FILE = 'rules-outbox.db';

export class Outbox {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly remove: Database.Statement;
  private inTransaction = false;
  private commitScheduled = false;
  private nextSeq: number;

  /** `dataDir` null = in memory (tests of the engine without a data directory). */
  constructor(dataDir: string | null) {
    if (dataDir !== null) fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(dataDir === null ? ':memory:' : path.join(dataDir, OUTBOX_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS rule_outbox (
      seq INTEGER PRIMARY KEY,
      rule TEXT NOT NULL,
      tag TEXT,
      msg_key TEXT,
      props TEXT NOT NULL,
      body BLOB NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS rule_outbox_rule_seq ON rule_outbox (rule, seq);`);
    this.insert = this.db.prepare('INSERT INTO rule_outbox (seq, rule, tag, msg_key, props, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.select = this.db.prepare('SELECT seq, tag, msg_key, props, body FROM rule_outbox WHERE rule = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.remove = this.db.prepare('DELETE FROM rule_outbox WHERE seq = ?');
    const max = (this.db.prepare('SELECT max(seq) AS m FROM rule_outbox').get() as { m: number | null }).m;
    this.nextSeq = (max ?? 0) + 1;
  }

  /** A sequence number for an entry of any lane (memory lanes are ordered against the disk by it). */
  seq(): number {
    return this.nextSeq++;
  }

  /** Writes a durable entry in the current turn's transaction. */
  add(rule: string, entry: OutEntry): void {
    this.begin();
    this.insert.run(entry.seq, rule, entry.tag, entry.key, JSON.stringify(entry.properties), entry.body, Date.now());
  }

  /** The rule's durable entries after `afterSeq`, oldest first. */
  load(rule: string, afterSeq: number, limit: number): OutEntry[] {
    return (this.select.all(rule, afterSeq, limit) as Row[]).map((r) => ({
      seq: r.seq,
      tag: r.tag,
      key: r.msg_key,
      properties: JSON.parse(r.props) as Record<string, string>,
      body: r.body,
      durable: true,
    }));
  }

  /** RocketMQ has it. */
  done(seq: number): void {
    this.begin();
    this.remove.run(seq);
  }

  /** How many durable entries a rule has waiting. */
  count(rule: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM rule_outbox WHERE rule = ?').get(rule) as { n: number }).n;
  }

  /** The rules with entries waiting. */
  rules(): string[] {
    return (this.db.prepare('SELECT DISTINCT rule FROM rule_outbox').all() as { rule: string }[]).map((r) => r.rule);
  }

  /** Forgets a deleted rule's entries. */
  discard(rule: string): void {
    this.begin();
    this.db.prepare('DELETE FROM rule_outbox WHERE rule = ?').run(rule);
  }

  /** A transaction is open: commit() has work to do. */
  get uncommitted(): boolean {
    return this.inTransaction;
  }

  commit(): void {
    if (!this.inTransaction) return;
    this.inTransaction = false;
    this.db.exec('COMMIT');
  }

  close(): void {
    this.commit();
    this.db.close();
  }

  private begin(): void {
    if (this.inTransaction) return;
    if (!this.db.open) throw new Error('the rules outbox is closed');
    this.db.exec('BEGIN');
    this.inTransaction = true;
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(() => {
        this.commitScheduled = false;
        if (this.db.open) this.commit();
      });
    }
  }
}
