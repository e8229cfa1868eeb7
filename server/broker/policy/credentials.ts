/**
 * The cloud service's CONNECT credentials (PRODUCT.md §3) and client ID rules (§1), as pure
 * functions: what the user name says, whether a client ID is well formed, whether a password is
 * the signature of the client ID.
 */
import { hmacSha1Base64, signaturesMatch } from '../../crypto/signatures';

export type AuthMode = 'Signature' | 'Token' | 'DeviceCredential';

export interface ParsedUsername {
  readonly mode: AuthMode;
  /** The AccessKeyId (Signature, Token) or DeviceAccessKeyId (DeviceCredential). */
  readonly keyId: string;
  readonly instanceId: string;
}

const MODES: ReadonlySet<string> = new Set<AuthMode>(['Signature', 'Token', 'DeviceCredential']);

/** `<mode>|<keyId>|<instanceId>`; null when it is not exactly that. */
export function parseUsername(username: string | undefined): ParsedUsername | null {
  if (username === undefined) return null;
  const parts = username.split('|');
  if (parts.length !== 3) return null;
  const [mode, keyId, instanceId] = parts as [string, string, string];
  if (!MODES.has(mode) || keyId === '' || instanceId === '') return null;
  return { mode: mode as AuthMode, keyId, instanceId };
}

/** Longest client ID (`<GroupID>@@@<DeviceID>`). */
export const MAX_CLIENT_ID_LENGTH = 64;
const SEPARATOR = '@@@';

/**
 * The Group ID of a well-formed client ID: at most 64 printable ASCII characters (no space),
 * none of `/ : , %`, `<GroupID>@@@<DeviceID>` with both parts non-empty. Null otherwise.
 */
export function groupOfClientId(clientId: string): string | null {
  if (clientId.length === 0 || clientId.length > MAX_CLIENT_ID_LENGTH) return null;
  for (let i = 0; i < clientId.length; i++) {
    const c = clientId.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x2f /* / */ || c === 0x3a /* : */ || c === 0x2c /* , */ || c === 0x25 /* % */) return null;
  }
  const at = clientId.indexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= clientId.length) return null;
  return clientId.slice(0, at);
}

/** The password of signature and device-credential modes: Base64(HMAC-SHA1(secret, clientId)), compared in constant time. */
export function isClientIdSignature(secret: string, clientId: string, password: Buffer | undefined): boolean {
  return signaturesMatch(hmacSha1Base64(secret, clientId), password);
}

export type TokenType = 'R' | 'W' | 'RW';

/**
 * Token mode's password: type/token pairs joined by `|` (`R|<t1>|W|<t2>`, `RW|<t>`), in any
 * order, each permission at most once. Null when malformed.
 */
export function parseTokenPassword(password: Buffer | undefined): { type: TokenType; token: string }[] | null {
  if (password === undefined || password.length === 0) return null;
  const parts = password.toString('utf8').split('|');
  if (parts.length % 2 !== 0 || parts.length > 4) return null;
  const pairs: { type: TokenType; token: string }[] = [];
  let read = false;
  let write = false;
  for (let i = 0; i < parts.length; i += 2) {
    const type = parts[i]!;
    const token = parts[i + 1]!;
    if ((type !== 'R' && type !== 'W' && type !== 'RW') || token === '') return null;
    const r = type !== 'W';
    const w = type !== 'R';
    if ((r && read) || (w && write)) return null;
    read ||= r;
    write ||= w;
    pairs.push({ type, token });
  }
  return pairs;
}
