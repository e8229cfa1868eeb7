import { defineConfig } from 'drizzle-kit';

/** The broker's store, `<dataDir>/broker.db` (db/broker-schema.ts); the console's database is drizzle.config.ts. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './db/broker-schema.ts',
  out: './db/broker-migrations',
});
