/**
 * `magpie topic …` and `magpie group …`: parent topics and Group IDs of an instance share
 * one life cycle (list, get, create, describe, delete; the name never changes).
 */
import type { Command } from 'commander';
import { groupService, topicService, type InstanceResource } from '../services/instance-resources';
import { outputFor, positionalOrFlag, type JsonOpts } from './common';
import { ConfirmationRequired, useBackend } from './context';
import { formatFields, formatTable, formatTime, orDash, printJson, type Output } from './output';

interface Kind {
  command: string;
  alias: string;
  /** "parent topic" / "Group ID", for messages. */
  label: string;
  description: string;
  nameHelp: string;
  service: typeof topicService;
}

const KINDS: Kind[] = [
  {
    command: 'topic',
    alias: 'topics',
    label: 'parent topic',
    description: 'parent topics of an instance (the first level of every MQTT topic)',
    nameHelp: 'parent topic name, 3-64 characters: letters, digits, "-", "_"',
    service: topicService,
  },
  {
    command: 'group',
    alias: 'groups',
    label: 'Group ID',
    description: 'Group IDs of an instance (client IDs are <GroupID>@@@<DeviceID>)',
    nameHelp: 'Group ID, 7-64 characters starting with "GID_" or "GID-": letters, digits, "-", "_"',
    service: groupService,
  },
];

interface RefOpts extends JsonOpts {
  instance: string;
  name?: string;
}

function show(out: Output, kind: Kind, row: InstanceResource): void {
  if (out.json) return printJson(row);
  out.line(
    formatFields([
      [kind.command === 'topic' ? 'Parent topic' : 'Group ID', row.name],
      ['Instance', row.instanceId],
      ['Description', orDash(row.description)],
      ['Created', formatTime(row.createdAt)],
    ]),
  );
}

function addKind(program: Command, kind: Kind): void {
  const cmd = program.command(kind.command).description(kind.description).alias(kind.alias);

  const instanceOption = (c: Command) => c.requiredOption('--instance <id>', 'instance ID (mqtt-cn-…)');
  const refCommand = (verb: string, description: string) =>
    instanceOption(
      cmd
        .command(verb)
        .description(description)
        .argument('[name]', kind.nameHelp)
        .option('--name <name>', `${kind.label}, instead of the argument`),
    );
  const nameOf = (c: Command, name: string | undefined, opts: RefOpts) =>
    positionalOrFlag(c, name, opts.name, '--name', `the ${kind.label}`);

  instanceOption(cmd.command('list').description(`list the ${kind.label}s of an instance`)).action((opts: RefOpts) => {
    const out = outputFor(opts);
    const rows = kind.service.list(useBackend(), opts.instance);
    if (out.json) return printJson(rows);
    if (rows.length === 0) {
      return out.line(`No ${kind.label}s in instance ${opts.instance}. Create one with: magpie ${kind.command} create --instance ${opts.instance} --name <name>`);
    }
    out.line(
      formatTable(
        [kind.command === 'topic' ? 'PARENT TOPIC' : 'GROUP ID', 'CREATED', 'DESCRIPTION'],
        rows.map((r) => [r.name, formatTime(r.createdAt), orDash(r.description)]),
      ),
    );
  });

  refCommand('get', `show one ${kind.label}`).action(function (this: Command, name: string | undefined, opts: RefOpts) {
    show(outputFor(opts), kind, kind.service.get(useBackend(), { instanceId: opts.instance, name: nameOf(this, name, opts) }));
  });

  refCommand('create', `create a ${kind.label}`)
    .option('--description <text>', 'what it is for', '')
    .action(function (this: Command, name: string | undefined, opts: RefOpts & { description: string }) {
      const row = kind.service.create(useBackend(), {
        instanceId: opts.instance,
        name: nameOf(this, name, opts),
        description: opts.description,
      });
      const out = outputFor(opts);
      if (out.json) return printJson(row);
      out.line(`${kind.label[0]!.toUpperCase()}${kind.label.slice(1)} ${row.name} created in instance ${row.instanceId}.`);
    });

  refCommand('describe', `change the description of a ${kind.label}`)
    .requiredOption('--description <text>', 'the new description ("" clears it)')
    .action(function (this: Command, name: string | undefined, opts: RefOpts & { description: string }) {
      const row = kind.service.describe(useBackend(), {
        instanceId: opts.instance,
        name: nameOf(this, name, opts),
        description: opts.description,
      });
      show(outputFor(opts), kind, row);
    });

  refCommand('delete', `delete a ${kind.label}`)
    .option('-y, --yes', 'confirm the deletion')
    .action(function (this: Command, name: string | undefined, opts: RefOpts & { yes?: boolean }) {
      const backend = useBackend();
      const row = kind.service.get(backend, { instanceId: opts.instance, name: nameOf(this, name, opts) });
      if (!opts.yes) {
        throw new ConfirmationRequired(
          `deleting ${kind.label} ${row.name} of instance ${row.instanceId} cannot be undone. Add --yes to confirm.`,
        );
      }
      kind.service.remove(backend, { instanceId: row.instanceId, name: row.name });
      const out = outputFor(opts);
      if (out.json) return printJson({ deleted: true, instanceId: row.instanceId, name: row.name });
      out.line(`${kind.label[0]!.toUpperCase()}${kind.label.slice(1)} ${row.name} deleted from instance ${row.instanceId}.`);
    });
}

export function addInstanceResourceCommands(program: Command): void {
  for (const kind of KINDS) addKind(program, kind);
}
