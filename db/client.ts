/**
 * Opens the SQLite database under the data directory (WAL, busy timeout, foreign keys) and
 * applies the committed drizzle-kit migrations. The console, the CLI and the broker each
 * open their own handle on the same file; WAL lets them read while one writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const DATABASE_FILE = 'magpie.db';

/** Where the migrations live; resolved from the project root, which is where npm runs us. */
function migrationsFolder(): string {
  return path.join(/*turbopackIgnore: true*/ process.env.MAGPIE_ROOT || process.cwd(), 'db', 'migrations');
}

export function openDatabase(dataDir: string): Db {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sqlite = new Database(path.join(/*turbopackIgnore: true*/ dataDir, DATABASE_FILE));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: migrationsFolder() });
  return db;
}
