/**
 * `magpie cluster …`: the RocketMQ clusters rules talk to (list, get, create, update, delete).
 * The SecretKey is write-only: never printed; on update, leaving it out keeps it. A cluster
 * that rules use cannot be deleted. ("Test connection" needs the running broker: console only.)
 */
import type { Command } from 'commander';
import {
  createCluster,
  deleteCluster,
  getCluster,
  listClusters,
  updateCluster,
  type ClusterView,
} from '../services/rocketmq-clusters';
import { outputFor, positionalOrFlag, type JsonOpts } from './common';
import { ConfirmationRequired, useBackend } from './context';
import { formatFields, formatTable, formatTime, orDash, printJson } from './output';

interface ClusterOpts extends JsonOpts {
  id?: string;
  name?: string;
  endpoints?: string;
  namespace?: string;
  accessKey?: string;
  secretKey?: string;
  description?: string;
}

const ENDPOINTS_HELP = 'proxy endpoints, host:port joined with ";" (e.g. "10.0.0.1:8081;10.0.0.2:8081")';

function fields(c: ClusterView): [string, string][] {
  return [
    ['ID', String(c.id)],
    ['Name', c.name],
    ['Endpoints', c.endpoints],
    ['Namespace', orDash(c.namespace)],
    ['AccessKey', orDash(c.accessKey)],
    ['SecretKey', c.hasSecret ? '(stored, never shown)' : '-'],
    ['Rules', String(c.ruleCount)],
    ['Description', orDash(c.description)],
    ['Created', formatTime(c.createdAt)],
  ];
}

export function addClusterCommands(program: Command): void {
  const cmd = program.command('cluster').alias('clusters').description('RocketMQ clusters the rules send to and receive from');

  const idCommand = (verb: string, description: string) =>
    cmd.command(verb).description(description).argument('[id]', 'cluster ID (a number, see "magpie cluster list")').option('--id <id>', 'cluster ID, instead of the argument');
  const idOf = (c: Command, id: string | undefined, opts: ClusterOpts) => positionalOrFlag(c, id, opts.id, '--id', 'the cluster ID');

  cmd
    .command('list')
    .description('list the RocketMQ clusters')
    .action((opts: JsonOpts) => {
      const out = outputFor(opts);
      const rows = listClusters(useBackend());
      if (out.json) return printJson(rows);
      if (rows.length === 0) return out.line('No RocketMQ clusters. Add one with: magpie cluster create --name <name> --endpoints <host:port>');
      out.line(
        formatTable(
          ['ID', 'NAME', 'ENDPOINTS', 'NAMESPACE', 'ACCESSKEY', 'RULES', 'DESCRIPTION'],
          rows.map((c) => [String(c.id), c.name, c.endpoints, orDash(c.namespace), orDash(c.accessKey), String(c.ruleCount), orDash(c.description)]),
        ),
      );
    });

  idCommand('get', 'show one cluster (never its SecretKey)').action(function (this: Command, id: string | undefined, opts: ClusterOpts) {
    const c = getCluster(useBackend(), idOf(this, id, opts));
    const out = outputFor(opts);
    if (out.json) return printJson(c);
    out.line(formatFields(fields(c)));
  });

  cmd
    .command('create')
    .description('add a RocketMQ cluster')
    .requiredOption('--name <name>', 'cluster name, 3-64 characters [A-Za-z0-9_-], unique')
    .requiredOption('--endpoints <endpoints>', ENDPOINTS_HELP)
    .option('--namespace <namespace>', 'RocketMQ namespace', '')
    .option('--access-key <key>', 'AccessKey, when the cluster checks credentials', '')
    .option('--secret-key <secret>', 'SecretKey of the AccessKey (stored encrypted, never shown)', '')
    .option('--description <text>', 'what it is for', '')
    .action((opts: ClusterOpts) => {
      const c = createCluster(useBackend(), {
        name: opts.name!,
        endpoints: opts.endpoints!,
        namespace: opts.namespace,
        accessKey: opts.accessKey,
        secretKey: opts.secretKey,
        description: opts.description,
      });
      const out = outputFor(opts);
      if (out.json) return printJson(c);
      out.line(`RocketMQ cluster ${c.name} created with ID ${c.id}.`);
    });

  idCommand('update', 'change a cluster (what is not given stays; an empty --access-key removes the credentials)')
    .option('--name <name>', 'new name')
    .option('--endpoints <endpoints>', ENDPOINTS_HELP)
    .option('--namespace <namespace>', 'RocketMQ namespace')
    .option('--access-key <key>', 'AccessKey ("" removes the credentials)')
    .option('--secret-key <secret>', 'new SecretKey (left out: the stored one is kept)')
    .option('--description <text>', 'what it is for')
    .action(function (this: Command, id: string | undefined, opts: ClusterOpts) {
      const c = updateCluster(useBackend(), {
        id: idOf(this, id, opts),
        name: opts.name,
        endpoints: opts.endpoints,
        namespace: opts.namespace,
        accessKey: opts.accessKey,
        secretKey: opts.secretKey,
        description: opts.description,
      });
      const out = outputFor(opts);
      if (out.json) return printJson(c);
      out.line(`RocketMQ cluster ${c.name} (ID ${c.id}) updated.`);
    });

  idCommand('delete', 'delete a cluster (refused while rules use it)')
    .option('-y, --yes', 'confirm the deletion')
    .action(function (this: Command, id: string | undefined, opts: ClusterOpts & { yes?: boolean }) {
      const backend = useBackend();
      const c = getCluster(backend, idOf(this, id, opts));
      if (!opts.yes) throw new ConfirmationRequired(`deleting RocketMQ cluster ${c.name} (ID ${c.id}) cannot be undone. Add --yes to confirm.`);
      deleteCluster(backend, c.id);
      const out = outputFor(opts);
      if (out.json) return printJson({ deleted: true, id: c.id, name: c.name });
      out.line(`Deleted RocketMQ cluster ${c.name} (ID ${c.id}).`);
    });
}
