/**
 * The subscription trie: one node per topic level, `+` and `#` as ordinary child keys.
 * Matching a topic walks only the branches that can match, so its cost depends on the
 * topic's depth and the wildcards on its path, not on the number of subscriptions.
 *
 * Generic over the subscriber key K (a session) and the stored value V (its options).
 */

class TrieNode<K, V> {
  children: Map<string, TrieNode<K, V>> | null = null;
  entries: Map<K, V> | null = null;
}

export class SubscriptionTree<K, V> {
  private readonly root = new TrieNode<K, V>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds or replaces. Returns true when the (key, filter) pair is new. */
  add(filter: string, key: K, value: V): boolean {
    let node = this.root;
    for (const level of filter.split('/')) {
      node.children ??= new Map();
      let child = node.children.get(level);
      if (!child) {
        child = new TrieNode();
        node.children.set(level, child);
      }
      node = child;
    }
    node.entries ??= new Map();
    const isNew = !node.entries.has(key);
    node.entries.set(key, value);
    if (isNew) this.count++;
    return isNew;
  }

  /** Removes; prunes nodes left empty. Returns the removed value. */
  remove(filter: string, key: K): V | undefined {
    const levels = filter.split('/');
    const path: TrieNode<K, V>[] = [this.root];
    let node = this.root;
    for (const level of levels) {
      const child = node.children?.get(level);
      if (!child) return undefined;
      path.push(child);
      node = child;
    }
    const value = node.entries?.get(key);
    if (value === undefined || !node.entries!.delete(key)) return undefined;
    this.count--;
    if (node.entries!.size === 0) node.entries = null;
    for (let i = levels.length; i > 0; i--) {
      const n = path[i];
      if (n.entries || (n.children && n.children.size > 0)) break;
      path[i - 1].children!.delete(levels[i - 1]);
      if (path[i - 1].children!.size === 0) path[i - 1].children = null;
    }
    return value;
  }

  /**
   * Appends every subscription whose filter matches the topic name to `keys` and `values`
   * (in step): the routing path's form, with no callback to allocate per message.
   */
  collect(topic: string, keys: K[], values: V[]): void {
    collectNode(this.root, topic.split('/'), 0, topic.charCodeAt(0) === 36 /* $ */, keys, values);
  }

  /** Calls visit for every subscription whose filter matches the topic name (collect, for callers off the routing path). */
  match(topic: string, visit: (key: K, value: V) => void): void {
    const keys: K[] = [];
    const values: V[] = [];
    this.collect(topic, keys, values);
    for (let i = 0; i < keys.length; i++) visit(keys[i], values[i]);
  }
}

function collectEntries<K, V>(entries: Map<K, V>, keys: K[], values: V[]): void {
  for (const [k, v] of entries) {
    keys.push(k);
    values.push(v);
  }
}

/**
 * Walks only the branches that can match: the exact level, `+`, and `#` (which also matches
 * its parent level). [MQTT-4.7.2-1] wildcards at the first level never match a `$` topic.
 */
function collectNode<K, V>(node: TrieNode<K, V>, levels: string[], i: number, dollar: boolean, keys: K[], values: V[]): void {
  const children = node.children;
  if (i === levels.length) {
    if (node.entries) collectEntries(node.entries, keys, values);
    const hash = children?.get('#');
    if (hash?.entries) collectEntries(hash.entries, keys, values);
    return;
  }
  if (!children) return;
  if (!(dollar && i === 0)) {
    const hash = children.get('#');
    if (hash?.entries) collectEntries(hash.entries, keys, values);
    const plus = children.get('+');
    if (plus) collectNode(plus, levels, i + 1, dollar, keys, values);
  }
  const exact = children.get(levels[i]);
  if (exact) collectNode(exact, levels, i + 1, dollar, keys, values);
}
