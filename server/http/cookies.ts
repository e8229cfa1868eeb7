/** Cookie and client-address helpers for the console's HTTP handlers. */
import { SESSION_COOKIE } from '../auth/accounts';

export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      // A malformed value (bad percent-encoding) is no cookie, not a server error.
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The session cookie: httpOnly, SameSite=Lax, with an expiry; maxAge 0 clears it. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [
    `${SESSION_COOKIE}=${encodeURIComponent(token)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
  ];
  if (maxAgeSeconds > 0) parts.push(`Expires=${new Date(Date.now() + maxAgeSeconds * 1000).toUTCString()}`);
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * The client's address. The launcher sets x-magpie-remote-address from the socket itself
 * (overwriting anything a client sent), so it cannot be forged by a request header.
 */
export function clientAddress(headers: Headers): string {
  return headers.get('x-magpie-remote-address') ?? 'unknown';
}
