/**
 * Bearer tokens (console login cookies, token-mode MQTT tokens) are stored only as their
 * SHA-256, hex: a leaked database does not hand out working tokens.
 */
import crypto from 'node:crypto';

export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}
