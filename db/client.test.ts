/** The database: WAL, busy timeout, foreign keys, migrations at open, everything in the data directory. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DATABASE_FILE, openDatabase } from './client';
import { instances, topics } from './schema';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-db-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const instanceRow = (id: string, name: string) => ({
  id,
  name,
  maxConnections: 1000,
  maxTps: 1000,
  maxSubscriptions: 10000,
  tcpPort: 1,
  tlsPort: 2,
  wsPort: 3,
  wssPort: 4,
});

describe('openDatabase', () => {
  it('creates the data directory and the database in it, with the migrations applied', () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const db = openDatabase(dir);
    try {
      assert.ok(fs.existsSync(path.join(dir, DATABASE_FILE)));
      const tables = (db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
        .map((t) => t.name)
        .sort();
      for (const t of ['access_keys', 'groups', 'instances', 'login_failures', 'sessions', 'settings', 'topics', 'users']) {
        assert.ok(tables.includes(t), `table ${t}`);
      }
      // Nothing but the database files was written.
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => !f.startsWith(DATABASE_FILE)),
        [],
      );
    } finally {
      db.$client.close();
    }
  });

  it('uses WAL, a busy timeout and foreign keys', () => {
    const db = openDatabase(tempDir());
    try {
      assert.equal(db.$client.pragma('journal_mode', { simple: true }), 'wal');
      assert.ok(Number(db.$client.pragma('busy_timeout', { simple: true })) >= 1000);
      assert.equal(db.$client.pragma('foreign_keys', { simple: true }), 1);
    } finally {
      db.$client.close();
    }
  });

  it('opening again keeps the data and applies nothing twice', () => {
    const dir = tempDir();
    const first = openDatabase(dir);
    first.insert(instances).values(instanceRow('mqtt-cn-aaaaaaaaaa', 'kept')).run();
    first.$client.close();
    const again = openDatabase(dir);
    try {
      assert.equal(again.select().from(instances).all()[0]?.name, 'kept');
    } finally {
      again.$client.close();
    }
  });

  it('two connections (console and CLI) see each other’s writes', () => {
    const dir = tempDir();
    const a = openDatabase(dir);
    const b = openDatabase(dir);
    try {
      a.insert(instances).values(instanceRow('mqtt-cn-bbbbbbbbbb', 'from-a')).run();
      assert.equal(b.select().from(instances).all().length, 1);
    } finally {
      a.$client.close();
      b.$client.close();
    }
  });

  it('enforces unique names and cascades deletes to topics', () => {
    const db = openDatabase(tempDir());
    try {
      db.insert(instances).values(instanceRow('mqtt-cn-cccccccccc', 'same')).run();
      assert.throws(
        () => db.insert(instances).values(instanceRow('mqtt-cn-dddddddddd', 'same')).run(),
        (err: { code?: string }) => err.code === 'SQLITE_CONSTRAINT_UNIQUE',
      );
      db.insert(topics).values({ instanceId: 'mqtt-cn-cccccccccc', name: 'Orders' }).run();
      assert.throws(
        () => db.insert(topics).values({ instanceId: 'mqtt-cn-cccccccccc', name: 'Orders' }).run(),
        (err: { code?: string }) => err.code === 'SQLITE_CONSTRAINT_UNIQUE',
      );
      assert.throws(
        () => db.insert(topics).values({ instanceId: 'mqtt-cn-nonexistent', name: 'Orders' }).run(),
        (err: { code?: string }) => err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY',
      );
      db.delete(instances).run();
      assert.equal(db.select().from(topics).all().length, 0);
    } finally {
      db.$client.close();
    }
  });
});
