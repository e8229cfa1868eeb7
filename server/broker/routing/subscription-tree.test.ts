import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubscriptionTree } from './subscription-tree';
import { isValidTopicFilter, isValidTopicName, parseSharedFilter } from './topics';

function matches(filter: string, topic: string): boolean {
  const tree = new SubscriptionTree<string, number>();
  tree.add(filter, 'k', 1);
  let hit = false;
  tree.match(topic, () => (hit = true));
  return hit;
}

describe('subscription tree matching', () => {
  it('matches exact topics only', () => {
    assert.equal(matches('a/b', 'a/b'), true);
    assert.equal(matches('a/b', 'a/b/c'), false);
    assert.equal(matches('a/b', 'a'), false);
    assert.equal(matches('a/b', 'A/b'), false);
  });

  it('+ matches exactly one level, including an empty one', () => {
    assert.equal(matches('a/+', 'a/b'), true);
    assert.equal(matches('a/+', 'a/'), true);
    assert.equal(matches('a/+', 'a/b/c'), false);
    assert.equal(matches('a/+', 'a'), false);
    assert.equal(matches('+/+', '/finance'), true);
    assert.equal(matches('/+', '/finance'), true);
    assert.equal(matches('+', '/finance'), false);
    assert.equal(matches('a/+/c', 'a/b/c'), true);
  });

  it('# matches the parent level and everything below', () => {
    assert.equal(matches('a/#', 'a'), true);
    assert.equal(matches('a/#', 'a/b'), true);
    assert.equal(matches('a/#', 'a/b/c/d'), true);
    assert.equal(matches('a/#', 'b'), false);
    assert.equal(matches('#', 'a/b'), true);
    assert.equal(matches('#', '/'), true);
  });

  it('wildcards at the first level do not match $ topics', () => {
    assert.equal(matches('#', '$SYS/x'), false);
    assert.equal(matches('+/x', '$SYS/x'), false);
    assert.equal(matches('+', '$SYS'), false);
    assert.equal(matches('$SYS/#', '$SYS/x'), true);
    assert.equal(matches('$SYS/+', '$SYS/x'), true);
    assert.equal(matches('a/#', 'a/$x'), true);
  });

  it('adds, replaces and removes, pruning empty branches', () => {
    const tree = new SubscriptionTree<string, number>();
    assert.equal(tree.add('a/b', 'x', 1), true);
    assert.equal(tree.add('a/b', 'x', 2), false);
    assert.equal(tree.add('a/#', 'y', 3), true);
    assert.equal(tree.size, 2);
    const seen: [string, number][] = [];
    tree.match('a/b', (k, v) => seen.push([k, v]));
    assert.deepEqual(seen.sort(), [
      ['x', 2],
      ['y', 3],
    ]);
    assert.equal(tree.remove('a/b', 'x'), 2);
    assert.equal(tree.remove('a/b', 'x'), undefined);
    assert.equal(tree.remove('a/#', 'y'), 3);
    assert.equal(tree.size, 0);
    let any = false;
    tree.match('a/b', () => (any = true));
    assert.equal(any, false);
  });
});

describe('topic rules', () => {
  it('validates topic names', () => {
    assert.equal(isValidTopicName('a/b'), true);
    assert.equal(isValidTopicName('/'), true);
    assert.equal(isValidTopicName(''), false);
    assert.equal(isValidTopicName('a/+'), false);
    assert.equal(isValidTopicName('a/#'), false);
    assert.equal(isValidTopicName('a\u0000b'), false);
  });

  it('validates topic filters', () => {
    for (const ok of ['a', 'a/b', '#', '+', 'a/#', '+/+', '/+', 'a/+/c', '+/#', '$SYS/#']) assert.equal(isValidTopicFilter(ok), true, ok);
    for (const bad of ['', 'a#', 'a/#/b', 'a/b#', 'a+', 'a/+b', '#/a', 'a/##', 'x\u0000']) assert.equal(isValidTopicFilter(bad), false, bad);
  });

  it('recognises shared subscription filters', () => {
    assert.deepEqual(parseSharedFilter('$share/g/a/b'), { group: 'g', filter: 'a/b' });
    assert.equal(parseSharedFilter('a/b'), null);
    assert.deepEqual(parseSharedFilter('$share/g'), { group: '', filter: '' });
  });
});
