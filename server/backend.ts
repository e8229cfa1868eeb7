/**
 * What every service function needs: the database, the secret box and the configuration.
 * The console's Next.js handlers, the launcher and the CLI each open one per process.
 */
import { openDatabase, type Db } from '@/db/client';
import { loadConfig, type MagpieConfig } from './config';
import { openSecretBox, type SecretBox } from './crypto/secret-box';

export interface Backend {
  db: Db;
  config: MagpieConfig;
  secrets: SecretBox;
}

export function openBackend(config: MagpieConfig = loadConfig()): Backend {
  return { db: openDatabase(config.dataDir), config, secrets: openSecretBox(config.dataDir) };
}

const globalKey = Symbol.for('magpie.backend');
type GlobalWithBackend = typeof globalThis & { [globalKey]?: Backend };

/** One backend per process (Next.js may load this module more than once). */
export function getBackend(): Backend {
  const g = globalThis as GlobalWithBackend;
  g[globalKey] ??= openBackend();
  return g[globalKey];
}
