import { defineConfig } from 'drizzle-kit';

/** Telemetry, `<dataDir>/telemetry.db` (db/telemetry-schema.ts); the console's database is drizzle.config.ts. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './db/telemetry-schema.ts',
  out: './db/telemetry-migrations',
});
