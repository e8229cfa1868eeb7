/**
 * Per-instance topic permissions (the start of the product's custom authorization): rules
 * on MQTT topic filters that allow or deny publishing and/or subscribing.
 *
 * Evaluation: a matching **deny** rule wins; anything no deny rule matches is allowed (no
 * rules: everything is allowed, as in open mode). Allow rules are stored and shown but change
 * nothing yet; they will matter once an instance can default to deny.
 *
 * How a rule matches (the rule filter may contain `+` and `#`):
 * - publish: the rule filter matches the topic name, with the usual MQTT rules (`a/#` also
 *   matches `a`; wildcards in the first level never match a topic starting with `$`);
 * - subscribe: the rule filter matches the requested filter taken literally as a topic name.
 *   That covers the requested filter being equal to the rule filter (`test/nosubscribe`
 *   denies `test/nosubscribe`; `a/+/c` denies `a/+/c`) and being narrower than it (`secret/#`
 *   denies `secret/a`, `secret/+` and `secret/#`). A requested filter wider than the rule
 *   (`#` against `secret/#`) is not refused. Shared subscriptions are judged by their filter:
 *   `$share/g/secret/a` is refused like `secret/a`.
 *
 * Matching reuses the broker's subscription trie, so checking costs the same as routing a
 * message, whatever the number of rules.
 */
import type { QoS } from 'mqtt-packet';
import { SubscriptionTree } from '../routing/subscription-tree';
import { parseSharedFilter } from '../routing/topics';
import { allowAll, type ClientInfo, type Policy, type SubscribeDecision } from './policy';

export interface PermissionRule {
  readonly filter: string;
  readonly action: 'publish' | 'subscribe' | 'both';
  readonly effect: 'allow' | 'deny';
}

export class TopicPermissions {
  private readonly publishDeny = new SubscriptionTree<number, PermissionRule>();
  private readonly subscribeDeny = new SubscriptionTree<number, PermissionRule>();

  constructor(rules: readonly PermissionRule[]) {
    rules.forEach((rule, i) => {
      if (rule.effect !== 'deny') return;
      if (rule.action !== 'subscribe') this.publishDeny.add(rule.filter, i, rule);
      if (rule.action !== 'publish') this.subscribeDeny.add(rule.filter, i, rule);
    });
  }

  /** True when no rule refuses anything. */
  get empty(): boolean {
    return this.publishDeny.size === 0 && this.subscribeDeny.size === 0;
  }

  mayPublish(topic: string): boolean {
    return !matchesAny(this.publishDeny, topic);
  }

  /** `filter` as the client sent it; a shared subscription is judged by its topic filter. */
  maySubscribe(filter: string): boolean {
    const shared = parseSharedFilter(filter);
    return !matchesAny(this.subscribeDeny, shared ? shared.filter : filter);
  }
}

function matchesAny(tree: SubscriptionTree<number, PermissionRule>, topic: string): boolean {
  if (tree.size === 0 || topic.length === 0) return false;
  let found = false;
  tree.match(topic, () => {
    found = true;
  });
  return found;
}

/**
 * The policy of an instance with these rules, on top of `base` (which answers authentication
 * and anything the rules allow). A refused SUBSCRIBE gets 0x80 in both versions (what MQTT 3.1.1
 * can say, and what the Eclipse Paho MQTT 5 interoperability suite expects of a topic the
 * broker refuses); a refused PUBLISH closes a 3.1.1 connection and gets 0x87 in MQTT 5.
 */
export function topicPermissionPolicy(rules: readonly PermissionRule[], base: Policy = allowAll): Policy {
  const permissions = new TopicPermissions(rules);
  if (permissions.empty) return base;
  return {
    authenticate: (request) => base.authenticate(request),
    authorizePublish: (client: ClientInfo, topic: string, qos: QoS, retain: boolean) =>
      permissions.mayPublish(topic) && base.authorizePublish(client, topic, qos, retain),
    authorizeSubscribe: (client: ClientInfo, filter: string, qos: QoS): SubscribeDecision =>
      permissions.maySubscribe(filter) ? base.authorizeSubscribe(client, filter, qos) : false,
  };
}
