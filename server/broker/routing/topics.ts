/** Topic name and topic filter rules (MQTT 3.1.1 4.7, MQTT 5 4.7-4.8). */

// U+0000 is forbidden in every MQTT string; U+FFFD is what the decoder substitutes for
// ill-formed UTF-8, which the spec also requires us to refuse.
const FORBIDDEN = /[\u0000\uFFFD]/;

/** A topic a message is published to: non-empty, no wildcards. */
export function isValidTopicName(topic: string): boolean {
  if (topic.length === 0 || topic.length > 65535) return false;
  if (topic.includes('+') || topic.includes('#')) return false;
  return !FORBIDDEN.test(topic);
}

/** A subscription filter: `+` fills a whole level, `#` a whole last level. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > 65535) return false;
  if (FORBIDDEN.test(filter)) return false;
  const hash = filter.indexOf('#');
  if (hash !== -1 && (hash !== filter.length - 1 || (hash > 0 && filter[hash - 1] !== '/'))) return false;
  let plus = filter.indexOf('+');
  while (plus !== -1) {
    if ((plus > 0 && filter[plus - 1] !== '/') || (plus < filter.length - 1 && filter[plus + 1] !== '/')) return false;
    plus = filter.indexOf('+', plus + 1);
  }
  return true;
}

export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

export interface SharedFilter {
  group: string;
  filter: string;
}

/**
 * `$share/<group>/<filter>` → its parts; null when the filter is not a shared subscription.
 * Returns a group of '' for a malformed one (`$share/x` or a group with wildcards).
 */
export function parseSharedFilter(filter: string): SharedFilter | null {
  if (!filter.startsWith('$share/')) return null;
  const slash = filter.indexOf('/', 7);
  if (slash === -1) return { group: '', filter: '' };
  const group = filter.slice(7, slash);
  if (group.length === 0 || hasWildcard(group)) return { group: '', filter: '' };
  return { group, filter: filter.slice(slash + 1) };
}

/** Number of levels (`a/b/` has three). */
export function levelCount(topic: string): number {
  let n = 1;
  for (let i = topic.indexOf('/'); i !== -1; i = topic.indexOf('/', i + 1)) n++;
  return n;
}
