/** Console-wide settings stored in the database. */
import { eq } from 'drizzle-orm';
import { settings } from '@/db/schema';
import { publicHostSchema, telemetryRetentionDaysSchema } from '@/lib/schemas';
import { readRetentionDays, TELEMETRY_RETENTION_SETTING } from '../telemetry/settings';
import type { Backend } from '../backend';
import { parseInput } from '../errors';

const PUBLIC_HOST = 'publicHost';

/** The host name shown in endpoint URLs: the saved setting, else MAGPIE_PUBLIC_HOST. */
export function getPublicHost({ db, config }: Backend): string {
  return db.select().from(settings).where(eq(settings.key, PUBLIC_HOST)).get()?.value ?? config.publicHost;
}

export function setPublicHost({ db }: Backend, host: string): string {
  const value = parseInput(publicHostSchema, host);
  db.insert(settings)
    .values({ key: PUBLIC_HOST, value })
    .onConflictDoUpdate({ target: settings.key, set: { value } })
    .run();
  return value;
}

/** Days the telemetry is kept (the broker reads the same row when it reloads). */
export function getTelemetryRetentionDays({ db }: Backend): number {
  return readRetentionDays(db);
}

export function setTelemetryRetentionDays({ db }: Backend, days: number): number {
  const value = parseInput(telemetryRetentionDaysSchema, days);
  db.insert(settings)
    .values({ key: TELEMETRY_RETENTION_SETTING, value: String(value) })
    .onConflictDoUpdate({ target: settings.key, set: { value: String(value) } })
    .run();
  return value;
}
