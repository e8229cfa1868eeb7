/**
 * Retained messages: at most one per topic, replayed to new matching subscriptions.
 * The interface is what the broker needs; MemoryRetainedStore keeps them in a topic trie so
 * a wildcard subscription visits only the matching branches. A durable implementation
 * (SQLite) can keep this in memory as its index and write through.
 */
import { isExpired, type Message } from '../message';

export interface RetainedStore {
  /** Makes the message the topic's retained message; an empty payload clears the topic. */
  set(message: Message): void;
  /** Calls visit for every unexpired retained message whose topic matches the filter. */
  match(filter: string, visit: (message: Message) => void, now?: number): void;
  get(topic: string): Message | undefined;
  readonly size: number;
}

class RetainedNode {
  children: Map<string, RetainedNode> | null = null;
  message: Message | null = null;
}

export class MemoryRetainedStore implements RetainedStore {
  private readonly root = new RetainedNode();
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(message: Message): void {
    const levels = message.topic.split('/');
    if (message.payload.length === 0) {
      this.delete(levels);
      return;
    }
    let node = this.root;
    for (const level of levels) {
      node.children ??= new Map();
      let child = node.children.get(level);
      if (!child) {
        child = new RetainedNode();
        node.children.set(level, child);
      }
      node = child;
    }
    if (!node.message) this.count++;
    node.message = message;
  }

  get(topic: string): Message | undefined {
    let node: RetainedNode | undefined = this.root;
    for (const level of topic.split('/')) {
      node = node.children?.get(level);
      if (!node) return undefined;
    }
    return node.message ?? undefined;
  }

  match(filter: string, visit: (message: Message) => void, now = Date.now()): void {
    const expired: Message[] = [];
    const emit = (m: Message) => {
      if (isExpired(m, now)) expired.push(m);
      else visit(m);
    };
    walk(this.root, filter.split('/'), 0, emit);
    for (const m of expired) this.delete(m.topic.split('/'));
  }

  private delete(levels: string[]): void {
    const path: RetainedNode[] = [this.root];
    let node = this.root;
    for (const level of levels) {
      const child = node.children?.get(level);
      if (!child) return;
      path.push(child);
      node = child;
    }
    if (!node.message) return;
    node.message = null;
    this.count--;
    for (let i = levels.length; i > 0; i--) {
      const n = path[i];
      if (n.message || (n.children && n.children.size > 0)) break;
      path[i - 1].children!.delete(levels[i - 1]);
      if (path[i - 1].children!.size === 0) path[i - 1].children = null;
    }
  }
}

function walk(node: RetainedNode, levels: string[], i: number, emit: (m: Message) => void): void {
  if (i === levels.length) {
    if (node.message) emit(node.message);
    return;
  }
  const level = levels[i];
  if (level === '#') {
    // `a/#` includes `a` itself; at the first level `#` skips `$` topics.
    if (i > 0 && node.message) emit(node.message);
    subtree(node, i === 0, emit);
    return;
  }
  const children = node.children;
  if (!children) return;
  if (level === '+') {
    for (const [key, child] of children) {
      if (i === 0 && key.startsWith('$')) continue;
      walk(child, levels, i + 1, emit);
    }
    return;
  }
  const child = children.get(level);
  if (child) walk(child, levels, i + 1, emit);
}

function subtree(node: RetainedNode, skipDollar: boolean, emit: (m: Message) => void): void {
  if (!node.children) return;
  for (const [key, child] of node.children) {
    if (skipDollar && key.startsWith('$')) continue;
    if (child.message) emit(child.message);
    subtree(child, false, emit);
  }
}
