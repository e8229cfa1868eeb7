/**
 * P2P messages (the product's point-to-point mode): a PUBLISH to `<parent>/p2p/<clientId>`
 * goes to that one client, which needs no subscription, and to nobody else (ordinary
 * subscribers of a matching filter do not see it). The topic has exactly three levels: the
 * second is `p2p` and the third the target's client ID, which never contains `/`. Any other
 * shape (`a/p2p`, `a/p2p/`, `a/p2p/x/y`, `$SYS/p2p/x`) is an ordinary topic.
 */

/** The target client ID of a P2P topic; null for an ordinary topic. */
export function p2pTarget(topic: string): string | null {
  const first = topic.indexOf('/');
  if (first <= 0 || topic.charCodeAt(0) === 0x24 /* $ */) return null;
  if (!topic.startsWith('p2p/', first + 1)) return null;
  const start = first + 5;
  if (start >= topic.length || topic.indexOf('/', start) !== -1) return null;
  return topic.slice(start);
}
