/**
 * The cloud service's signatures, computed exactly as its clients and SDKs do:
 * Base64(HMAC-SHA1(key = secret, data)). Used by signature and device-credential
 * authentication (data = client ID), the token API and the client status API (data =
 * the signed parameters as `key=value`, sorted by key, joined with `&`).
 */
import crypto from 'node:crypto';

export function hmacSha1Base64(secret: string, data: string): string {
  return crypto.createHmac('sha1', secret).update(data, 'utf8').digest('base64');
}

/** `a=1&b=2`: the parameters sorted by key (code-unit order), values as given. */
export function canonicalParams(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function signParams(secret: string, params: Record<string, string>): string {
  return hmacSha1Base64(secret, canonicalParams(params));
}

/** Constant-time comparison of two signatures (or any two strings). */
export function signaturesMatch(expected: string, given: string | Buffer | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = typeof given === 'string' ? Buffer.from(given, 'utf8') : given;
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
