/**
 * Every MAGPIE_ environment variable, read in one place. Keep README.md and .env.example in
 * step with this file.
 */
import path from 'node:path';

export interface MagpieConfig {
  /** All state (database, keys, certificates) lives under this directory. */
  dataDir: string;
  consolePort: number;
  /** Address the console binds to. */
  consoleBind: string;
  /** Password for the admin account created at first start; unset: the first visit asks. */
  adminPassword: string | undefined;
  /** Host name shown in endpoint URLs until it is changed in the console's settings. */
  publicHost: string;
  /** Address the broker's listeners bind to. */
  brokerBind: string;
  /** The user's own TLS certificate and key (PEM files) for the TLS and secure WebSocket listeners; unset: a self-signed one is generated into the data directory. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** How often the broker records each instance's statistics sample (ms). Shorter only for tests and demos. */
  telemetrySampleMs: number;
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return n;
}

function sampleInterval(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 500 || n > 3_600_000) {
    throw new Error(`${name} must be a number of milliseconds (500-3600000), got "${raw}"`);
  }
  return n;
}

export function loadConfig(): MagpieConfig {
  return {
    dataDir: path.resolve(/*turbopackIgnore: true*/ process.env.MAGPIE_DATA_DIR || './data'),
    consolePort: port('MAGPIE_CONSOLE_PORT', 3000),
    consoleBind: process.env.MAGPIE_CONSOLE_BIND || '0.0.0.0',
    adminPassword: process.env.MAGPIE_ADMIN_PASSWORD || undefined,
    publicHost: process.env.MAGPIE_PUBLIC_HOST || 'localhost',
    brokerBind: process.env.MAGPIE_BROKER_BIND || '0.0.0.0',
    tlsCertFile: process.env.MAGPIE_TLS_CERT_FILE || undefined,
    tlsKeyFile: process.env.MAGPIE_TLS_KEY_FILE || undefined,
    telemetrySampleMs: sampleInterval('MAGPIE_TELEMETRY_SAMPLE_MS', 10_000),
  };
}
