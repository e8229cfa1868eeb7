/**
 * `magpie rule …`: rules of an instance (list, get, create, update, enable, disable, delete).
 * Types: inflow (RocketMQ topic → parent topic), outflow (parent topic → RocketMQ topic),
 * status (Group ID's connect/disconnect events → RocketMQ topic). The rule ID and the type
 * never change. --cluster takes the cluster's ID or name.
 */
import type { Command } from 'commander';
import type { Backend } from '../backend';
import { clusterIdByRef } from '../services/rocketmq-clusters';
import { createRule, deleteRule, getRule, listRules, setRuleEnabled, updateRule, type RuleView } from '../services/rules';
import { outputFor, positionalOrFlag, type JsonOpts } from './common';
import { ConfirmationRequired, useBackend } from './context';
import { formatFields, formatTable, formatTime, orDash, printJson } from './output';

interface RuleOpts extends JsonOpts {
  instance: string;
  ruleId?: string;
  type?: string;
  source?: string;
  target?: string;
  cluster?: string;
  description?: string;
  disabled?: boolean;
}

const TYPE_HELP = 'inflow (RocketMQ topic → parent topic), outflow (parent topic → RocketMQ topic) or status (Group ID → RocketMQ topic)';
const SOURCE_HELP = 'outflow: a parent topic; inflow: a RocketMQ topic; status: a Group ID';
const TARGET_HELP = 'outflow and status: a RocketMQ topic; inflow: a parent topic';

/** --cluster: by ID or name; not given: unchanged. */
const clusterIdOf = (backend: Backend, value: string | undefined) => (value === undefined ? undefined : clusterIdByRef(backend, value));

function fields(r: RuleView): [string, string][] {
  return [
    ['Rule ID', r.ruleId],
    ['Instance', r.instanceId],
    ['Type', r.type],
    ['Status', r.enabled ? 'enabled' : 'disabled'],
    ['Source', r.source],
    ['Target', r.target],
    ['Cluster', `${r.clusterName} (ID ${r.clusterId})`],
    ['Description', orDash(r.description)],
    ['Created', formatTime(r.createdAt)],
    ['Updated', formatTime(r.updatedAt)],
  ];
}

export function addRuleCommands(program: Command): void {
  const cmd = program
    .command('rule')
    .alias('rules')
    .description('rules of an instance: data inflow, data outflow and client status notifications with RocketMQ');

  const instanceOption = (c: Command) => c.requiredOption('--instance <id>', 'instance ID (mqtt-cn-…)');
  const refCommand = (verb: string, description: string) =>
    instanceOption(cmd.command(verb).description(description).argument('[ruleId]', 'rule ID').option('--rule-id <ruleId>', 'rule ID, instead of the argument'));
  const refOf = (c: Command, ruleId: string | undefined, opts: RuleOpts) => ({
    instanceId: opts.instance,
    ruleId: positionalOrFlag(c, ruleId, opts.ruleId, '--rule-id', 'the rule ID'),
  });

  instanceOption(cmd.command('list').description('list the rules of an instance')).action((opts: RuleOpts) => {
    const out = outputFor(opts);
    const rows = listRules(useBackend(), opts.instance);
    if (out.json) return printJson(rows);
    if (rows.length === 0) {
      return out.line(
        `No rules in instance ${opts.instance}. Create one with: magpie rule create --instance ${opts.instance} --rule-id <ruleId> --type outflow --source <parent topic> --target <RocketMQ topic> --cluster <cluster>`,
      );
    }
    out.line(
      formatTable(
        ['RULE ID', 'TYPE', 'STATUS', 'SOURCE', 'TARGET', 'CLUSTER', 'DESCRIPTION'],
        rows.map((r) => [r.ruleId, r.type, r.enabled ? 'enabled' : 'disabled', r.source, r.target, r.clusterName, orDash(r.description)]),
      ),
    );
  });

  refCommand('get', 'show one rule').action(function (this: Command, ruleId: string | undefined, opts: RuleOpts) {
    const r = getRule(useBackend(), refOf(this, ruleId, opts));
    const out = outputFor(opts);
    if (out.json) return printJson(r);
    out.line(formatFields(fields(r)));
  });

  refCommand('create', 'create a rule (at most 100 per instance; one of each type per source)')
    .requiredOption('--type <type>', TYPE_HELP)
    .requiredOption('--source <source>', SOURCE_HELP)
    .requiredOption('--target <target>', TARGET_HELP)
    .requiredOption('--cluster <cluster>', 'RocketMQ cluster, by ID or name')
    .option('--description <text>', 'what it is for', '')
    .option('--disabled', 'create it disabled')
    .action(function (this: Command, ruleId: string | undefined, opts: RuleOpts) {
      const backend = useBackend();
      const r = createRule(backend, {
        ...refOf(this, ruleId, opts),
        // Checked by the shared schema, which names the allowed values.
        type: opts.type as RuleView['type'],
        source: opts.source!,
        target: opts.target!,
        clusterId: clusterIdOf(backend, opts.cluster)!,
        description: opts.description,
        enabled: opts.disabled !== true,
      });
      const out = outputFor(opts);
      if (out.json) return printJson(r);
      out.line(`Rule ${r.ruleId} (${r.type}: ${r.source} → ${r.target}) created ${r.enabled ? 'enabled' : 'disabled'}.`);
    });

  refCommand('update', 'change a rule (everything but the ID and the type)')
    .option('--source <source>', SOURCE_HELP)
    .option('--target <target>', TARGET_HELP)
    .option('--cluster <cluster>', 'RocketMQ cluster, by ID or name')
    .option('--description <text>', 'what it is for')
    .action(function (this: Command, ruleId: string | undefined, opts: RuleOpts) {
      const backend = useBackend();
      const r = updateRule(backend, {
        ...refOf(this, ruleId, opts),
        source: opts.source,
        target: opts.target,
        clusterId: clusterIdOf(backend, opts.cluster),
        description: opts.description,
      });
      const out = outputFor(opts);
      if (out.json) return printJson(r);
      out.line(`Rule ${r.ruleId} updated.`);
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    refCommand(verb, `${verb} a rule`).action(function (this: Command, ruleId: string | undefined, opts: RuleOpts) {
      const r = setRuleEnabled(useBackend(), { ...refOf(this, ruleId, opts), enabled });
      const out = outputFor(opts);
      if (out.json) return printJson(r);
      out.line(`Rule ${r.ruleId} ${enabled ? 'enabled' : 'disabled'}.`);
    });
  }

  refCommand('delete', 'delete a rule')
    .option('-y, --yes', 'confirm the deletion')
    .action(function (this: Command, ruleId: string | undefined, opts: RuleOpts & { yes?: boolean }) {
      const backend = useBackend();
      const ref = refOf(this, ruleId, opts);
      const r = getRule(backend, ref);
      if (!opts.yes) throw new ConfirmationRequired(`deleting rule ${r.ruleId} of instance ${r.instanceId} cannot be undone. Add --yes to confirm.`);
      deleteRule(backend, ref);
      const out = outputFor(opts);
      if (out.json) return printJson({ deleted: true, instanceId: r.instanceId, ruleId: r.ruleId });
      out.line(`Deleted rule ${r.ruleId} of instance ${r.instanceId}.`);
    });
}
