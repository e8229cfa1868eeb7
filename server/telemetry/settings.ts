/**
 * The console setting that bounds telemetry's age: `telemetryRetentionDays` in the console
 * database's settings table (an integer 1-365; default 3). The broker reads it whenever it
 * reconciles with the database.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { settings } from '@/db/schema';

export const TELEMETRY_RETENTION_SETTING = 'telemetryRetentionDays';
export const DEFAULT_RETENTION_DAYS = 3;

export function readRetentionDays(db: Db): number {
  const row = db.select({ value: settings.value }).from(settings).where(eq(settings.key, TELEMETRY_RETENTION_SETTING)).get();
  const days = row ? Number(row.value) : NaN;
  return Number.isInteger(days) && days >= 1 && days <= 365 ? days : DEFAULT_RETENTION_DAYS;
}
