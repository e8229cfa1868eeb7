/**
 * Opening `<dataDir>/telemetry.db`: WAL, migrations (db/telemetry-migrations, applied by the
 * broker when it starts), and this data directory's node ID, the constant half of every
 * message ID (see messageIdHex in server/broker/message.ts).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../../db/telemetry-schema';

export const TELEMETRY_DATABASE_FILE = 'telemetry.db';

export function telemetryFile(dataDir: string): string {
  return path.join(/*turbopackIgnore: true*/ dataDir, TELEMETRY_DATABASE_FILE);
}

export function defaultTelemetryMigrations(): string {
  return path.join(/*turbopackIgnore: true*/ process.env.MAGPIE_ROOT || process.cwd(), 'db', 'telemetry-migrations');
}

/** Opens a writable handle with the pragmas every writer uses. */
export function openWritable(file: string): Database.Database {
  const sqlite = new Database(file);
  try {
    // Large pages (for a new file; an existing one keeps its own): the writer's inserts into the
    // indexes by client and by topic land all over them, and per insert that costs markedly
    // less CPU with 32 KB pages than with the default 4 KB (measured: about 40% less).
    sqlite.pragma('page_size = 32768');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    // Telemetry may lose its last second on power loss; it must never slow the broker down.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return sqlite;
}

/**
 * Creates or upgrades the database and returns its node ID (16 hex digits, generated once per
 * data directory).
 */
export function prepareTelemetryDatabase(dataDir: string, migrationsFolder = defaultTelemetryMigrations()): { file: string; nodeId: string } {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = telemetryFile(dataDir);
  const sqlite = openWritable(file);
  try {
    migrate(drizzle(sqlite, { schema }), { migrationsFolder });
    sqlite.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('node_id', ?)").run(randomBytes(8).toString('hex'));
    const nodeId = sqlite.prepare("SELECT value FROM meta WHERE key = 'node_id'").pluck().get() as string;
    return { file, nodeId };
  } finally {
    sqlite.close();
  }
}
