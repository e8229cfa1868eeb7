/**
 * What the product policy of each instance needs from the console's database, read in one go
 * whenever the database changed (server/broker/main.ts reconcile()): the instance's mode,
 * groups, parent topics and topic permissions, the account's AccessKeys, the instance's device
 * credentials and its live tokens.
 *
 * Work that would repeat on every change is cached across loads: secrets are decrypted once
 * (and device secrets only when a device first logs in), token entries are reused while their
 * row is unchanged.
 */
import { eq, gt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { accessKeys, deviceCredentials, groups, instances, tokens, topicPermissions, topics } from '@/db/schema';
import type { SecretBox } from '../../crypto/secret-box';
import type { PermissionRule } from './topic-permissions';
import { TokenEntry } from './tokens';

export interface AccessKeyEntry {
  readonly enabled: boolean;
  /** Null when the stored secret cannot be opened (e.g. another data directory's key). */
  readonly secret: string | null;
}

export interface DeviceCredentialEntry {
  readonly clientId: string;
  readonly accessKeyId: string;
  /** The sealed secret: it changes on refresh and on re-registration. */
  readonly sealed: string;
}

export interface InstanceSnapshot {
  readonly id: string;
  readonly openMode: boolean;
  readonly groups: ReadonlySet<string>;
  /** Parent topics. */
  readonly topics: ReadonlySet<string>;
  readonly permissions: readonly PermissionRule[];
  /** Every AccessKey of the account, by ID. */
  readonly accessKeys: ReadonlyMap<string, AccessKeyEntry>;
  /** The instance's device credentials by DeviceAccessKeyId. */
  readonly devices: ReadonlyMap<string, DeviceCredentialEntry>;
  /** The instance's tokens by SHA-256 (hex); tokens expired more than a week ago are left out. */
  readonly tokens: ReadonlyMap<string, TokenEntry>;
  /** Opens a sealed secret (cached); null when it cannot be opened. */
  openSecret(sealed: string): string | null;
  /**
   * Reads one token of this instance from the database: for a token applied for moments ago,
   * before the next reload has brought it into `tokens` (a device typically connects right
   * after its server applied for the token).
   */
  fetchToken(hash: string): TokenEntry | undefined;
  /** Reads one device credential of this instance from the database (registered or refreshed moments ago). */
  fetchDevice(keyId: string): DeviceCredentialEntry | undefined;
}

/** An instance with nothing configured yet (what a policy starts from). */
export function emptySnapshot(id: string, openMode: boolean): InstanceSnapshot {
  return {
    id,
    openMode,
    groups: new Set(),
    topics: new Set(),
    permissions: [],
    accessKeys: new Map(),
    devices: new Map(),
    tokens: new Map(),
    openSecret: () => null,
    fetchToken: () => undefined,
    fetchDevice: () => undefined,
  };
}

const TOKEN_KEEP_EXPIRED_MS = 7 * 24 * 3600_000;

export class SnapshotLoader {
  private secrets = new Map<string, string | null>();
  private tokenCache = new Map<string, TokenEntry>();

  constructor(private readonly box: SecretBox) {}

  private readonly openSecret = (sealed: string): string | null => {
    let plain = this.secrets.get(sealed);
    if (plain === undefined) {
      try {
        plain = this.box.open(sealed);
      } catch {
        plain = null;
      }
      this.secrets.set(sealed, plain);
    }
    return plain;
  };

  /** One snapshot per instance in the database. */
  load(db: Db, now = Date.now()): Map<string, InstanceSnapshot> {
    const keys = new Map<string, AccessKeyEntry>();
    const liveSealed = new Set<string>();
    for (const row of db.select().from(accessKeys).all()) {
      liveSealed.add(row.secretEncrypted);
      keys.set(row.id, { enabled: row.enabled, secret: this.openSecret(row.secretEncrypted) });
    }

    type Parts = {
      groups: Set<string>;
      topics: Set<string>;
      permissions: PermissionRule[];
      devices: Map<string, DeviceCredentialEntry>;
      tokens: Map<string, TokenEntry>;
    };
    const parts = new Map<string, Parts>();
    const rows = db.select().from(instances).all();
    for (const row of rows) parts.set(row.id, { groups: new Set(), topics: new Set(), permissions: [], devices: new Map(), tokens: new Map() });

    for (const g of db.select({ instanceId: groups.instanceId, name: groups.name }).from(groups).all()) parts.get(g.instanceId)?.groups.add(g.name);
    for (const t of db.select({ instanceId: topics.instanceId, name: topics.name }).from(topics).all()) parts.get(t.instanceId)?.topics.add(t.name);
    for (const rule of db.select().from(topicPermissions).all()) parts.get(rule.instanceId)?.permissions.push(rule);
    for (const c of db.select().from(deviceCredentials).all()) {
      liveSealed.add(c.secretEncrypted);
      parts.get(c.instanceId)?.devices.set(c.accessKeyId, { clientId: c.clientId, accessKeyId: c.accessKeyId, sealed: c.secretEncrypted });
    }
    const tokenCache = new Map<string, TokenEntry>();
    for (const row of db.select().from(tokens).where(gt(tokens.expireTime, now - TOKEN_KEEP_EXPIRED_MS)).all()) {
      const cached = this.tokenCache.get(row.tokenHash);
      const entry = cached && cached.sameAs(row) ? cached : TokenEntry.fromRow(row);
      tokenCache.set(row.tokenHash, entry);
      parts.get(row.instanceId)?.tokens.set(row.tokenHash, entry);
    }
    this.tokenCache = tokenCache;
    // Forget secrets that are gone (deleted keys, refreshed credentials).
    for (const sealed of this.secrets.keys()) if (!liveSealed.has(sealed)) this.secrets.delete(sealed);

    const out = new Map<string, InstanceSnapshot>();
    for (const row of rows) {
      const p = parts.get(row.id)!;
      const fetchToken = (hash: string): TokenEntry | undefined => {
        const found = db.select().from(tokens).where(eq(tokens.tokenHash, hash)).get();
        return found && found.instanceId === row.id ? TokenEntry.fromRow(found) : undefined;
      };
      const fetchDevice = (keyId: string): DeviceCredentialEntry | undefined => {
        const c = db.select().from(deviceCredentials).where(eq(deviceCredentials.accessKeyId, keyId)).get();
        return c && c.instanceId === row.id ? { clientId: c.clientId, accessKeyId: c.accessKeyId, sealed: c.secretEncrypted } : undefined;
      };
      out.set(row.id, { id: row.id, openMode: row.openMode, ...p, accessKeys: keys, openSecret: this.openSecret, fetchToken, fetchDevice });
    }
    return out;
  }
}
