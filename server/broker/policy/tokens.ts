/**
 * Token mode (PRODUCT.md §3): a token grants `R` (subscribe) and/or `W` (publish) on up to 100
 * topic filters. The tokens table (written by the token API, server/services/tokens.ts) keeps
 * only the token's SHA-256; a client presents the token itself.
 *
 * - publish: the topic must match one of the token's filters (MQTT matching, wildcards in
 *   the filter);
 * - subscribe: the requested filter must be covered by one of them: every topic it matches is
 *   matched by the token's filter (`a/#` covers `a/+/c` and `a`; `a/+` does not cover `a/#`).
 */
import type { TokenRow } from '@/db/schema';

/** `$SYS/tokenInvalidNotice` codes. */
export const TOKEN_INVALID = {
  forged: 1,
  expired: 2,
  revoked: 3,
  resourceMismatch: 4,
  permissionMismatch: 5,
  badSignature: 8,
} as const;

export class TokenEntry {
  readonly read: boolean;
  readonly write: boolean;
  /** Filters without wildcards: a Set lookup covers the common case. */
  private readonly exact = new Set<string>();
  private readonly wildcards: string[] = [];
  /** Every resource filter, for subscription coverage. */
  readonly resources: readonly string[];

  constructor(
    readonly hash: string,
    readonly instanceId: string,
    readonly accessKeyId: string,
    actions: string,
    resourcesJson: string,
    readonly expireTime: number,
    readonly revokedAt: number | null,
  ) {
    const letters = actions.split(',');
    this.read = letters.includes('R');
    this.write = letters.includes('W');
    let resources: string[] = [];
    try {
      const parsed: unknown = JSON.parse(resourcesJson);
      if (Array.isArray(parsed)) resources = parsed.filter((r): r is string => typeof r === 'string' && r.length > 0);
    } catch {
      // A row the token API would never write: the token grants nothing.
    }
    this.resources = resources;
    for (const r of resources) {
      if (r.includes('+') || r.includes('#')) this.wildcards.push(r);
      else this.exact.add(r);
    }
  }

  static fromRow(row: TokenRow): TokenEntry {
    return new TokenEntry(row.tokenHash, row.instanceId, row.accessKeyId, row.actions, row.resources, row.expireTime, row.revokedAt);
  }

  /** True when the row still says what this entry was built from (tokens change only by revocation). */
  sameAs(row: TokenRow): boolean {
    return row.revokedAt === this.revokedAt && row.expireTime === this.expireTime;
  }

  /** May a client holding this token publish to `topic`? Allocation-free. */
  allowsTopic(topic: string): boolean {
    if (this.exact.has(topic)) return true;
    const wildcards = this.wildcards;
    for (let i = 0; i < wildcards.length; i++) if (topicMatches(wildcards[i]!, topic)) return true;
    return false;
  }

  /** Is the subscription filter within this token's resources? */
  coversFilter(filter: string): boolean {
    for (const r of this.resources) if (filterCovers(r, filter)) return true;
    return false;
  }
}

/**
 * MQTT topic matching without splitting (no allocation): `+` one level, `#` the rest
 * including the parent level (`a/#` matches `a`); wildcards at the first level never match a
 * topic starting with `$`.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const fl = filter.length;
  const tl = topic.length;
  const first = filter.charCodeAt(0);
  if (topic.charCodeAt(0) === 0x24 && (first === 0x2b || first === 0x23)) return false;
  let f = 0;
  let t = 0;
  for (;;) {
    const c = filter.charCodeAt(f);
    if (c === 0x23 /* # */) return true;
    if (c === 0x2b /* + */) {
      while (t < tl && topic.charCodeAt(t) !== 0x2f) t++;
      f++;
    } else {
      while (f < fl && filter.charCodeAt(f) !== 0x2f) {
        if (t >= tl || topic.charCodeAt(t) !== filter.charCodeAt(f)) return false;
        f++;
        t++;
      }
      if (t < tl && topic.charCodeAt(t) !== 0x2f) return false;
    }
    // Both are at the end of a level.
    if (f >= fl) return t >= tl;
    f++; // the filter's '/'
    if (t >= tl) return f === fl - 1 && filter.charCodeAt(f) === 0x23; // `a/#` matches `a`
    t++; // the topic's '/'
  }
}

/** Does `resource` match every topic that `requested` matches? Both are filters. */
export function filterCovers(resource: string, requested: string): boolean {
  const r = resource.split('/');
  const q = requested.split('/');
  for (let i = 0; i < r.length; i++) {
    const rl = r[i];
    if (rl === '#') return true;
    if (i >= q.length) return false;
    const ql = q[i];
    if (ql === '#') return false;
    if (rl === '+') continue; // covers a literal level or '+'
    if (rl !== ql) return false;
  }
  return q.length === r.length;
}
