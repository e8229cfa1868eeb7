/**
 * Device credentials (device-credential authentication, PRODUCT.md section 3): one
 * DeviceAccessKeyId + DeviceAccessKeySecret per client ID of an instance. A client logs in with
 * `DeviceCredential|<DeviceAccessKeyId>|<InstanceId>` and Base64(HMAC-SHA1(secret, clientId)).
 *
 * The secret is stored sealed (server/crypto/secret-box.ts: the broker needs it to check
 * signatures) and returned only by register and refresh, the one time it is shown.
 */
import crypto from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { deviceCredentials, type DeviceCredentialRow } from '@/db/schema';
import { credentialRefSchema, groupOfClientId, instanceIdSchema } from '@/lib/schemas';
import type { Backend } from '../backend';
import { AppError, parseInput } from '../errors';
import { groupService } from './instance-resources';
import { getInstance } from './instances';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomBase62(length: number): string {
  // Rejection sampling keeps every character equally likely.
  let out = '';
  while (out.length < length) {
    for (const b of crypto.randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += BASE62[b % 62];
    }
  }
  return out;
}

export const newDeviceAccessKeyId = () => `dk-${randomBase62(20)}`;
const newSecret = () => randomBase62(30);

export interface DeviceCredentialView {
  instanceId: string;
  clientId: string;
  deviceAccessKeyId: string;
  createdAt: number;
  updatedAt: number;
}

/** What register and refresh answer: the view plus, this once, the secret. */
export type IssuedDeviceCredential = DeviceCredentialView & { deviceAccessKeySecret: string };

const view = (row: DeviceCredentialRow): DeviceCredentialView => ({
  instanceId: row.instanceId,
  clientId: row.clientId,
  deviceAccessKeyId: row.accessKeyId,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

type Ref = z.input<typeof credentialRefSchema>;

function findRow({ db }: Backend, instanceId: string, clientId: string): DeviceCredentialRow | undefined {
  return db
    .select()
    .from(deviceCredentials)
    .where(and(eq(deviceCredentials.instanceId, instanceId), eq(deviceCredentials.clientId, clientId)))
    .get();
}

function getRow(backend: Backend, ref: Ref): DeviceCredentialRow {
  const { instanceId, clientId } = parseInput(credentialRefSchema, ref);
  getInstance(backend, instanceId);
  const row = findRow(backend, instanceId, clientId);
  if (!row) throw new AppError('NOT_FOUND', 'e.notFound.credential', { clientId, instanceId });
  return row;
}

export function listDeviceCredentials(backend: Backend, instanceId: string): DeviceCredentialView[] {
  const id = parseInput(instanceIdSchema, instanceId);
  getInstance(backend, id);
  return backend.db
    .select()
    .from(deviceCredentials)
    .where(eq(deviceCredentials.instanceId, id))
    .orderBy(asc(deviceCredentials.clientId))
    .all()
    .map(view);
}

export function getDeviceCredential(backend: Backend, ref: Ref): DeviceCredentialView {
  return view(getRow(backend, ref));
}

/**
 * Registers a credential for a client ID, whose Group ID must exist on the instance.
 * Registering a client ID again replaces its pair (new DeviceAccessKeyId and secret): the old
 * one stops working, as in the cloud service.
 */
export function registerDeviceCredential(backend: Backend, ref: Ref, now = Date.now()): IssuedDeviceCredential {
  const { instanceId, clientId } = parseInput(credentialRefSchema, ref);
  getInstance(backend, instanceId);
  const group = groupOfClientId(clientId);
  try {
    groupService.get(backend, { instanceId, name: group });
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') {
      throw new AppError('NOT_FOUND', 'e.credential.noGroup', { group, instanceId }, 'clientId');
    }
    throw err;
  }
  const secret = newSecret();
  const values = { accessKeyId: newDeviceAccessKeyId(), secretEncrypted: backend.secrets.seal(secret), updatedAt: now };
  const row = backend.db
    .insert(deviceCredentials)
    .values({ instanceId, clientId, createdAt: now, ...values })
    .onConflictDoUpdate({ target: [deviceCredentials.instanceId, deviceCredentials.clientId], set: { ...values, createdAt: now } })
    .returning()
    .get();
  return { ...view(row), deviceAccessKeySecret: secret };
}

/** Issues a new secret for an existing credential; the DeviceAccessKeyId stays. */
export function refreshDeviceCredential(backend: Backend, ref: Ref, now = Date.now()): IssuedDeviceCredential {
  const row = getRow(backend, ref);
  const secret = newSecret();
  const updated = backend.db
    .update(deviceCredentials)
    .set({ secretEncrypted: backend.secrets.seal(secret), updatedAt: now })
    .where(eq(deviceCredentials.id, row.id))
    .returning()
    .get()!;
  return { ...view(updated), deviceAccessKeySecret: secret };
}

export function unregisterDeviceCredential(backend: Backend, ref: Ref): DeviceCredentialView {
  const row = getRow(backend, ref);
  backend.db.delete(deviceCredentials).where(eq(deviceCredentials.id, row.id)).run();
  return view(row);
}
