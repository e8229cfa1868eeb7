/**
 * The check both open APIs make: the request was signed with the secret of an enabled
 * AccessKey, over the given parameters (`key=value` sorted by key, joined with `&`,
 * Base64(HMAC-SHA1(secret, that)) — server/crypto/signatures.ts).
 */
import { eq } from 'drizzle-orm';
import { accessKeys } from '@/db/schema';
import type { Backend } from '../backend';
import { signaturesMatch, signParams } from '../crypto/signatures';
// Renamed: not a React hook, whatever its name says to the linter.
import { useAccessKeySecret as openAccessKeySecret } from '../services/access-keys';
import type { Params } from './request';

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'unknown-key' | 'disabled-key' | 'bad-signature'; message: string };

export function checkSignature(backend: Backend, accessKeyId: string, signed: Params, signature: string): SignatureCheck {
  const row = backend.db.select().from(accessKeys).where(eq(accessKeys.id, accessKeyId)).get();
  if (!row) return { ok: false, reason: 'unknown-key', message: `no AccessKey ${accessKeyId}` };
  if (!row.enabled) return { ok: false, reason: 'disabled-key', message: `the AccessKey ${accessKeyId} is disabled` };
  let secret: string | null;
  try {
    secret = openAccessKeySecret(backend, accessKeyId); // also records when the key was last used
  } catch {
    // The database is busy with another writer: recording the use is not worth failing the request.
    secret = backend.secrets.open(row.secretEncrypted);
  }
  if (secret === null) return { ok: false, reason: 'disabled-key', message: `the AccessKey ${accessKeyId} is disabled` };
  if (!signaturesMatch(signParams(secret, signed), signature)) {
    const template = Object.keys(signed)
      .sort()
      .map((k) => `${k}=…`)
      .join('&');
    return {
      ok: false,
      reason: 'bad-signature',
      message: `signature mismatch: expected Base64(HMAC-SHA1(AccessKeySecret, "${template}")), the values as sent`,
    };
  }
  return { ok: true };
}
