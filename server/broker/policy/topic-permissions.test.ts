/** Rule evaluation of topic permissions: deny wins, everything else is allowed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowAll, type ClientInfo } from './policy';
import { TopicPermissions, topicPermissionPolicy, type PermissionRule } from './topic-permissions';

const deny = (filter: string, action: PermissionRule['action']): PermissionRule => ({ filter, action, effect: 'deny' });
const allow = (filter: string, action: PermissionRule['action']): PermissionRule => ({ filter, action, effect: 'allow' });
const client: ClientInfo = { instanceId: 'i', clientId: 'c', username: undefined, protocolVersion: 4, remoteAddress: '127.0.0.1:1' };

describe('topic permissions', () => {
  it('no rules: everything is allowed, and the policy is the base policy itself', () => {
    const p = new TopicPermissions([]);
    assert.equal(p.empty, true);
    assert.equal(p.mayPublish('a/b'), true);
    assert.equal(p.maySubscribe('#'), true);
    assert.equal(topicPermissionPolicy([]), allowAll);
  });

  it('a subscribe deny rule refuses the same filter and narrower ones, not wider ones', () => {
    const p = new TopicPermissions([deny('test/nosubscribe', 'subscribe'), deny('secret/#', 'subscribe')]);
    assert.equal(p.maySubscribe('test/nosubscribe'), false);
    assert.equal(p.maySubscribe('test/nosubscribe/x'), true);
    assert.equal(p.maySubscribe('test/other'), true);
    for (const f of ['secret', 'secret/a', 'secret/a/b', 'secret/+', 'secret/#']) assert.equal(p.maySubscribe(f), false, f);
    assert.equal(p.maySubscribe('#'), true);
    assert.equal(p.maySubscribe('+/a'), true);
    assert.equal(p.maySubscribe('secrets/a'), true);
    // Subscribe-only rules leave publishing alone.
    assert.equal(p.mayPublish('secret/a'), true);
    assert.equal(p.mayPublish('test/nosubscribe'), true);
  });

  it('a rule with + refuses the equal filter and the topics it matches', () => {
    const p = new TopicPermissions([deny('a/+/c', 'subscribe')]);
    assert.equal(p.maySubscribe('a/+/c'), false);
    assert.equal(p.maySubscribe('a/b/c'), false);
    assert.equal(p.maySubscribe('a/b/d'), true);
    assert.equal(p.maySubscribe('a/#'), true);
  });

  it('shared subscriptions are judged by their topic filter', () => {
    const p = new TopicPermissions([deny('secret/#', 'subscribe')]);
    assert.equal(p.maySubscribe('$share/g/secret/a'), false);
    assert.equal(p.maySubscribe('$share/g/public/a'), true);
  });

  it('a publish deny rule matches topic names with MQTT wildcard rules', () => {
    const p = new TopicPermissions([deny('ro/#', 'publish'), deny('x/+/y', 'publish')]);
    for (const t of ['ro', 'ro/a', 'ro/a/b', 'x/1/y']) assert.equal(p.mayPublish(t), false, t);
    for (const t of ['rw/a', 'x/1/z', 'x/1/y/z', 'x/y']) assert.equal(p.mayPublish(t), true, t);
    assert.equal(p.maySubscribe('ro/#'), true);
  });

  it('"both" rules apply to publish and subscribe; wildcards in the first level skip $ topics', () => {
    const p = new TopicPermissions([deny('#', 'both')]);
    assert.equal(p.mayPublish('a'), false);
    assert.equal(p.maySubscribe('a/b'), false);
    assert.equal(p.mayPublish('$SYS/x'), true);
    assert.equal(p.maySubscribe('$SYS/#'), true);
  });

  it('allow rules change nothing: deny wins, anything else is allowed', () => {
    const p = new TopicPermissions([allow('a/#', 'both'), deny('a/b', 'both'), allow('a/b', 'publish')]);
    assert.equal(p.mayPublish('a/b'), false);
    assert.equal(p.maySubscribe('a/b'), false);
    assert.equal(p.mayPublish('a/c'), true);
    assert.equal(new TopicPermissions([allow('a', 'both')]).empty, true);
  });

  it('the policy refuses subscriptions (0x80 in both versions) and defers to the base otherwise', () => {
    const base = { ...allowAll, authorizeSubscribe: () => 1 as const, authorizePublish: (_c: ClientInfo, t: string) => t !== 'base/no' };
    const policy = topicPermissionPolicy([deny('s', 'subscribe'), deny('p', 'publish')], base);
    assert.equal(policy.authorizeSubscribe(client, 's', 2), false);
    assert.equal(policy.authorizeSubscribe(client, 'ok', 2), 1);
    assert.equal(policy.authorizePublish(client, 'p', 0, false), false);
    assert.equal(policy.authorizePublish(client, 'base/no', 0, false), false);
    assert.equal(policy.authorizePublish(client, 'ok', 0, false), true);
  });
});
