'use client';
/**
 * One end of a rule, as the wizard's steps and the edit form show it: on our side a select of
 * the instance's parent topics or Group IDs; on the RocketMQ side a cluster select and the
 * RocketMQ topic as free text.
 */
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '@/components/i18n';
import { FormField, Input, Select } from '@/components/ui/form-field';
import type { RuleType } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';

export type EndSide = 'source' | 'target';
export type EndKind = 'topic' | 'group' | 'rocketmq';

/** What each end of a rule of this type is (db/schema.ts `rules`). */
export function endKind(type: RuleType, side: EndSide): EndKind {
  if (type === 'outflow') return side === 'source' ? 'topic' : 'rocketmq';
  if (type === 'inflow') return side === 'source' ? 'rocketmq' : 'topic';
  return side === 'source' ? 'group' : 'rocketmq';
}

export function endLabelKey(type: RuleType, side: EndSide): string {
  const kind = endKind(type, side);
  if (side === 'source') return kind === 'topic' ? 'rules.sourceTopic' : kind === 'group' ? 'rules.sourceGroup' : 'rules.sourceRocketmqTopic';
  return kind === 'topic' ? 'rules.targetTopic' : 'rules.targetRocketmqTopic';
}

export function RuleEndFields({
  instanceId,
  type,
  side,
  value,
  clusterId,
  onValue,
  onCluster,
  message,
}: {
  instanceId: string;
  type: RuleType;
  side: EndSide;
  value: string;
  clusterId: string;
  onValue: (v: string) => void;
  onCluster: (v: string) => void;
  /** Translated inline error of a field ('source' / 'target' / 'clusterId'). */
  message: (field: string) => string | undefined;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const kind = endKind(type, side);
  const topics = useQuery({ ...trpc.topics.list.queryOptions({ instanceId }), enabled: kind === 'topic' });
  const groups = useQuery({ ...trpc.groups.list.queryOptions({ instanceId }), enabled: kind === 'group' });
  const clusters = useQuery({ ...trpc.rocketmqClusters.list.queryOptions(), enabled: kind === 'rocketmq' });
  const id = `rule-${side}`;

  if (kind !== 'rocketmq') {
    const q = kind === 'topic' ? topics : groups;
    const names = (q.data ?? []).map((r) => r.name);
    // An edited rule may point at a resource deleted since: keep it visible.
    if (value && !names.includes(value)) names.unshift(value);
    return (
      <FormField
        id={id}
        label={t(endLabelKey(type, side))}
        required
        error={message(side)}
        hint={q.isSuccess && q.data.length === 0 ? t(kind === 'topic' ? 'rules.noTopics' : 'rules.noGroups') : undefined}
      >
        {(p) => (
          <Select {...p} value={value} onChange={(e) => onValue(e.target.value)} disabled={q.isPending}>
            <option value="">{q.isPending ? t('common.loading') : t('rules.choose')}</option>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
        )}
      </FormField>
    );
  }

  return (
    <div className="space-y-4">
      <FormField
        id={`${id}-cluster`}
        label={t('rules.cluster')}
        required
        error={message('clusterId')}
        hint={clusters.isSuccess && clusters.data.length === 0 ? t('rules.noClusters') : undefined}
      >
        {(p) => (
          <Select {...p} value={clusterId} onChange={(e) => onCluster(e.target.value)} disabled={clusters.isPending}>
            <option value="">{clusters.isPending ? t('common.loading') : t('rules.choose')}</option>
            {(clusters.data ?? []).map((c) => (
              <option key={c.id} value={String(c.id)}>
                {c.name} ({c.endpoints})
              </option>
            ))}
          </Select>
        )}
      </FormField>
      <FormField id={id} label={t(endLabelKey(type, side))} required error={message(side)}>
        {(p) => (
          <Input {...p} value={value} className="font-mono" autoComplete="off" spellCheck={false} onChange={(e) => onValue(e.target.value)} />
        )}
      </FormField>
    </div>
  );
}
