/**
 * `magpie permission …`: topic permissions of an instance, allow/deny rules on MQTT topic
 * filters for publish and/or subscribe (list, create, delete). A rule is addressed by
 * instance + filter + action; to change one, delete it and create it again.
 */
import type { Command } from 'commander';
import type { TopicPermission } from '@/db/schema';
import { permissionService } from '../services/topic-permissions';
import { outputFor, type JsonOpts } from './common';
import { ConfirmationRequired, useBackend } from './context';
import { formatTable, formatTime, orDash, printJson } from './output';

interface RefOpts extends JsonOpts {
  instance: string;
  filter: string;
  action: string;
}

type Action = TopicPermission['action'];
type Effect = TopicPermission['effect'];

const FILTER_HELP = 'MQTT topic filter, "+" and "#" allowed (e.g. "secret/#"), at most 256 characters';
const ACTION_HELP = 'publish, subscribe or both';

const describeRule = (r: { filter: string; action: string; instanceId: string }) =>
  `${r.action} rule for topic filter ${r.filter} of instance ${r.instanceId}`;

export function addPermissionCommands(program: Command): void {
  const cmd = program
    .command('permission')
    .alias('permissions')
    .description('topic permissions of an instance: allow/deny rules on topic filters (a matching deny rule wins)');

  const instanceOption = (c: Command) => c.requiredOption('--instance <id>', 'instance ID (mqtt-cn-…)');
  const refOptions = (c: Command) =>
    instanceOption(c).requiredOption('--filter <filter>', FILTER_HELP).requiredOption('--action <action>', ACTION_HELP);

  instanceOption(cmd.command('list').description('list the topic permissions of an instance')).action((opts: JsonOpts & { instance: string }) => {
    const out = outputFor(opts);
    const rows = permissionService.list(useBackend(), opts.instance);
    if (out.json) return printJson(rows);
    if (rows.length === 0) {
      return out.line(
        `No topic permissions in instance ${opts.instance}: every topic may be published and subscribed. ` +
          `Add one with: magpie permission create --instance ${opts.instance} --filter <filter> --action <action> --effect deny`,
      );
    }
    out.line(
      formatTable(
        ['FILTER', 'ACTION', 'EFFECT', 'CREATED', 'DESCRIPTION'],
        rows.map((r) => [r.filter, r.action, r.effect, formatTime(r.createdAt), orDash(r.description)]),
      ),
    );
  });

  refOptions(cmd.command('create').description('create a topic permission rule'))
    .requiredOption('--effect <effect>', 'allow or deny')
    .option('--description <text>', 'what it is for', '')
    .action((opts: RefOpts & { effect: string; description: string }) => {
      const row = permissionService.create(useBackend(), {
        instanceId: opts.instance,
        filter: opts.filter,
        // Checked by the shared schema, which names the allowed values.
        action: opts.action as Action,
        effect: opts.effect as Effect,
        description: opts.description,
      });
      const out = outputFor(opts);
      if (out.json) return printJson(row);
      out.line(`${row.effect === 'deny' ? 'Deny' : 'Allow'} ${describeRule(row)} created.`);
    });

  refOptions(cmd.command('delete').description('delete a topic permission rule (by filter and action)'))
    .option('-y, --yes', 'confirm the deletion')
    .action((opts: RefOpts & { yes?: boolean }) => {
      const backend = useBackend();
      const ref = { instanceId: opts.instance, filter: opts.filter, action: opts.action as Action };
      const row = permissionService.get(backend, ref);
      if (!opts.yes) {
        throw new ConfirmationRequired(`deleting the ${row.effect} ${describeRule(row)} cannot be undone. Add --yes to confirm.`);
      }
      permissionService.remove(backend, ref);
      const out = outputFor(opts);
      if (out.json) return printJson({ deleted: true, instanceId: row.instanceId, filter: row.filter, action: row.action, effect: row.effect });
      out.line(`Deleted the ${row.effect} ${describeRule(row)}.`);
    });
}
