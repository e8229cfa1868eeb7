/**
 * Test fixture: an in-process broker serving one instance of a real console database (a temp
 * backend) under its ProductPolicy, wired as server/broker/main.ts does it. Tests write rows
 * with the services or drizzle, then call refresh() (what main.ts's reconcile does within half
 * a second of a change).
 */
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { accessKeys, deviceCredentials, instances, tokens, type Instance } from '@/db/schema';
import { hmacSha1Base64 } from '../../../crypto/signatures';
import { createAccessKey } from '../../../services/access-keys';
import { groupService, topicService } from '../../../services/instance-resources';
import { newInstanceId } from '../../../services/instances';
import { tempBackend, type TempBackend } from '../../../testing/temp-backend';
import { Broker } from '../../broker';
import { HOST } from '../../testing/helpers';
import { instanceSettings } from '../instance-settings';
import { ProductPolicy } from '../product-policy';
import { SnapshotLoader } from '../snapshot';
import { tokenHash } from '../../../crypto/token-hash';

export interface ProductBroker {
  backend: TempBackend;
  instanceId: string;
  broker: Broker;
  policy: ProductPolicy;
  port: number;
  url: string;
  /** Applies the database to the running broker (main.ts reconcile()). */
  refresh(): void;
  /** Changes instance columns, then refresh(). */
  setInstance(values: Partial<Instance>): void;
  close(): Promise<void>;
}

/** What main.ts reconcile() gives the instance. */
const limitsOf = instanceSettings;

/** An instance (open mode off unless asked) with the given columns, served on a free port. */
export async function startProductBroker(values: Partial<Instance> = {}): Promise<ProductBroker> {
  const backend = tempBackend();
  const row = backend.db
    .insert(instances)
    .values({
      id: newInstanceId(),
      name: `test-${crypto.randomBytes(4).toString('hex')}`,
      maxConnections: 1000,
      maxTps: 1000,
      maxSubscriptions: 10000,
      openMode: false,
      tcpPort: 1,
      tlsPort: 2,
      wsPort: 3,
      wssPort: 4,
      ...values,
    })
    .returning()
    .get();
  const instanceId = row.id;
  const loader = new SnapshotLoader(backend.secrets);
  const policy = new ProductPolicy(loader.load(backend.db).get(instanceId)!);
  const broker = new Broker();
  policy.bind(broker.addInstance(instanceId, { settings: limitsOf(row), policy }));
  const { port } = await broker.listen({ port: 0, host: HOST, instanceId });

  const refresh = () => {
    const current = backend.db.select().from(instances).where(eq(instances.id, instanceId)).get()!;
    broker.addInstance(instanceId, { settings: limitsOf(current), policy });
    policy.update(loader.load(backend.db).get(instanceId)!);
  };
  return {
    backend,
    instanceId,
    broker,
    policy,
    port,
    url: `mqtt://${HOST}:${port}`,
    refresh,
    setInstance(v) {
      backend.db.update(instances).set(v).where(eq(instances.id, instanceId)).run();
      refresh();
    },
    async close() {
      policy.dispose();
      await broker.close();
      backend.cleanup();
    },
  };
}

/** Creates a parent topic and a group (services, as the console does) and refreshes. */
export function addTopicAndGroup(pb: ProductBroker, topic: string, group: string): void {
  topicService.create(pb.backend, { instanceId: pb.instanceId, name: topic });
  groupService.create(pb.backend, { instanceId: pb.instanceId, name: group });
  pb.refresh();
}

/** A new AccessKey (id and secret), refreshed into the broker. */
export function addAccessKey(pb: ProductBroker): { id: string; secret: string } {
  const key = createAccessKey(pb.backend);
  pb.refresh();
  return { id: key.id, secret: key.secret };
}

export function setKeyEnabled(pb: ProductBroker, id: string, enabled: boolean): void {
  pb.backend.db.update(accessKeys).set({ enabled }).where(eq(accessKeys.id, id)).run();
  pb.refresh();
}

/** Signature mode's user name and password, computed as the cloud's Java demo does. */
export function signatureLogin(keyId: string, secret: string, instanceId: string, clientId: string) {
  return { username: `Signature|${keyId}|${instanceId}`, password: hmacSha1Base64(secret, clientId) };
}

/**
 * Registers a device credential row (sealed secret) for a client ID, as re-registration does
 * (a new pair replaces the old); returns its pair. `reload: false` leaves the broker's snapshot
 * as it was (the moment before main.ts notices the change).
 */
export function addDeviceCredential(pb: ProductBroker, clientId: string, { reload = true } = {}): { keyId: string; secret: string } {
  const keyId = `dk-${crypto.randomBytes(10).toString('hex')}`;
  const secret = crypto.randomBytes(15).toString('hex');
  const now = Date.now();
  pb.backend.db
    .insert(deviceCredentials)
    .values({ instanceId: pb.instanceId, clientId, accessKeyId: keyId, secretEncrypted: pb.backend.secrets.seal(secret), updatedAt: now })
    .onConflictDoUpdate({
      target: [deviceCredentials.instanceId, deviceCredentials.clientId],
      set: { accessKeyId: keyId, secretEncrypted: pb.backend.secrets.seal(secret), updatedAt: now },
    })
    .run();
  if (reload) pb.refresh();
  return { keyId, secret };
}

/** Inserts a token row as the token API would (only its SHA-256 is stored); returns the token. */
export function addToken(
  pb: ProductBroker,
  accessKeyId: string,
  actions: 'R' | 'W' | 'R,W',
  resources: string[],
  expireTime = Date.now() + 3600_000,
  { reload = true } = {},
): string {
  const token = `tok-${crypto.randomBytes(24).toString('base64url')}`;
  pb.backend.db
    .insert(tokens)
    .values({ tokenHash: tokenHash(token), instanceId: pb.instanceId, accessKeyId, actions, resources: JSON.stringify(resources), expireTime })
    .run();
  if (reload) pb.refresh();
  return token;
}

export function revokeToken(pb: ProductBroker, token: string): void {
  pb.backend.db.update(tokens).set({ revokedAt: Date.now() }).where(eq(tokens.tokenHash, tokenHash(token))).run();
  pb.refresh();
}
