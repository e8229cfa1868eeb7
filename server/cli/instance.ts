/** `magpie instance …`: list, get, create, update, delete, endpoints. */
import type { Command } from 'commander';
import type { Instance } from '@/db/schema';
import { DEFAULT_SPEC, INSTANCE_LIMITS, SPEC_MAX_CONNECTIONS, SPEC_MAX_SUBSCRIPTIONS, SPEC_MAX_TPS } from '@/lib/schemas';
import {
  createInstance,
  deleteInstance,
  getInstance,
  instanceEndpoints,
  listInstances,
  updateInstance,
  type Endpoint,
} from '../services/instances';
import { outputFor, parseSpecValue, positionalOrFlag, usageError, type JsonOpts } from './common';
import { ConfirmationRequired, useBackend } from './context';
import { formatFields, formatNumber, formatTable, formatTime, printJson, type Output } from './output';

interface IdOpts extends JsonOpts {
  id?: string;
}

interface SpecOpts {
  maxConnections?: number;
  maxTps?: number;
  maxSubscriptions?: number;
  maxKeepAlive?: number;
}

interface LimitOpts {
  maxTopicLength?: number;
  maxPayloadKb?: number;
  maxSubscriptionsPerClient?: number;
  offlineRetentionHours?: number;
  offlineStoreLimit?: number;
}

const list = (values: readonly number[]) => values.map((v) => String(v)).join(', ');

// Not parseSpecValue: anything that is not a number must be refused, not read as 0.
const strictNumber = (raw: string) => (raw.trim() === '' ? Number.NaN : Number(raw));

/** The instance limits (PRODUCT.md section 4); the shared schema checks the bounds. */
function limitOptions(cmd: Command): Command {
  const range = (field: keyof typeof INSTANCE_LIMITS, unit = '') => {
    const { min, max, default: dflt } = INSTANCE_LIMITS[field];
    const scale = field === 'maxPayloadBytes' ? 1024 : 1;
    return `${min / scale}-${max / scale}${unit}, default ${dflt / scale}${unit}`;
  };
  return cmd
    .option('--max-topic-length <chars>', `longest full topic name (${range('maxTopicLength')})`, strictNumber)
    .option('--max-payload-kb <kb>', `largest message payload in KB (${range('maxPayloadBytes')})`, strictNumber)
    .option(
      '--max-subscriptions-per-client <n>',
      `subscriptions one client may hold (${range('maxSubscriptionsPerClient')})`,
      strictNumber,
    )
    .option('--offline-retention-hours <hours>', `how long offline messages are kept (${range('offlineRetentionHours', ' h')})`, strictNumber)
    .option('--offline-store-limit <n>', `offline messages kept for the whole instance (${range('offlineStoreLimit')})`, strictNumber);
}

/** KB from the command line → the bytes the schema checks; a fraction of a KB is refused. */
const kbToBytes = (kb: number | undefined) => (kb === undefined ? undefined : Number.isInteger(kb) ? kb * 1024 : Number.NaN);

function specOptions(cmd: Command, withDefaults: boolean): Command {
  const dflt = (v: number) => (withDefaults ? ` (default ${v})` : '');
  return cmd
    .option(
      '--max-connections <n>',
      `maximum connections: ${list(SPEC_MAX_CONNECTIONS)}${dflt(DEFAULT_SPEC.maxConnections)}`,
      parseSpecValue,
    )
    .option('--max-tps <n>', `maximum message TPS: ${list(SPEC_MAX_TPS)}${dflt(DEFAULT_SPEC.maxTps)}`, parseSpecValue)
    .option(
      '--max-subscriptions <n>',
      `maximum subscriptions: ${list(SPEC_MAX_SUBSCRIPTIONS)}${dflt(DEFAULT_SPEC.maxSubscriptions)}`,
      parseSpecValue,
    )
    .option(
      '--max-keep-alive <seconds>',
      `longest keep-alive granted to MQTT 5 clients, 0 = no cap${withDefaults ? ' (default 0)' : ''}`,
      strictNumber,
    );
}

function modeText(openMode: boolean): string {
  return openMode ? 'OPEN (no authentication, any client ID and topic)' : 'authenticated';
}

function endpointLines(endpoints: Endpoint[]): string[] {
  const width = Math.max(...endpoints.map((e) => e.kind.length));
  return endpoints.map((e) => `  ${e.kind.padEnd(width)}  ${e.url}`);
}

function showInstance(out: Output, instance: Instance, endpoints: Endpoint[]): void {
  if (out.json) return printJson({ ...instance, endpoints });
  out.line(
    formatFields([
      ['ID', instance.id],
      ['Name', instance.name],
      ['Mode', modeText(instance.openMode)],
      ['Max connections', formatNumber(instance.maxConnections)],
      ['Max TPS', formatNumber(instance.maxTps)],
      ['Max subscriptions', formatNumber(instance.maxSubscriptions)],
      ['Max keep-alive', instance.maxKeepAlive === 0 ? 'no cap' : `${instance.maxKeepAlive} s`],
      ['Max topic length', `${instance.maxTopicLength} characters`],
      ['Max payload', `${formatNumber(instance.maxPayloadBytes / 1024)} KB`],
      ['Subscriptions per client', formatNumber(instance.maxSubscriptionsPerClient)],
      ['Offline retention', `${instance.offlineRetentionHours} h`],
      ['Offline store limit', `${formatNumber(instance.offlineStoreLimit)} messages`],
      ['Created', formatTime(instance.createdAt)],
    ]),
  );
  out.line('Endpoints:');
  for (const line of endpointLines(endpoints)) out.line(line);
}

function idCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .argument('[id]', 'instance ID (mqtt-cn-…)')
    .option('--id <id>', 'instance ID, instead of the argument');
}

const instanceId = (cmd: Command, id: string | undefined, opts: IdOpts) =>
  positionalOrFlag(cmd, id, opts.id, '--id', 'the instance ID');

export function addInstanceCommands(program: Command): Command {
  const cmd = program.command('instance').description('MQTT instances: spec, mode and endpoints').alias('instances');

  cmd.command('list').description('list instances').action((opts: JsonOpts) => {
    const out = outputFor(opts);
    const rows = listInstances(useBackend());
    if (out.json) return printJson(rows);
    if (rows.length === 0) return out.line('No instances. Create one with: magpie instance create --name <name>');
    out.line(
      formatTable(
        ['ID', 'NAME', 'MODE', 'CONNECTIONS', 'TPS', 'SUBSCRIPTIONS', 'TOPICS', 'GROUPS', 'PORTS (TCP/TLS/WS/WSS)', 'CREATED'],
        rows.map((r) => [
          r.id,
          r.name,
          r.openMode ? 'OPEN' : 'auth',
          formatNumber(r.maxConnections),
          formatNumber(r.maxTps),
          formatNumber(r.maxSubscriptions),
          String(r.topicCount),
          String(r.groupCount),
          `${r.tcpPort}/${r.tlsPort}/${r.wsPort}/${r.wssPort}`,
          formatTime(r.createdAt),
        ]),
      ),
    );
  });

  idCommand(cmd, 'get', 'show an instance with its endpoints').action(function (this: Command, id: string | undefined, opts: IdOpts) {
    const backend = useBackend();
    const instance = getInstance(backend, instanceId(this, id, opts));
    showInstance(outputFor(opts), instance, instanceEndpoints(backend, instance.id));
  });

  const create = specOptions(
    cmd
      .command('create')
      .description('create an instance; its listener ports are allocated now')
      .requiredOption('--name <name>', 'unique name, 3-64 characters: letters, digits, "-", "_"')
      .option('--open', 'open mode: no authentication, any client ID and topic (for local development; default off)'),
    true,
  );
  limitOptions(create).action(async (opts: JsonOpts & SpecOpts & LimitOpts & { name: string; open?: boolean }) => {
    const backend = useBackend();
    const instance = await createInstance(backend, {
      name: opts.name,
      openMode: opts.open === true,
      maxConnections: opts.maxConnections ?? DEFAULT_SPEC.maxConnections,
      maxTps: opts.maxTps ?? DEFAULT_SPEC.maxTps,
      maxSubscriptions: opts.maxSubscriptions ?? DEFAULT_SPEC.maxSubscriptions,
      maxKeepAlive: opts.maxKeepAlive ?? 0,
      maxTopicLength: opts.maxTopicLength,
      maxPayloadBytes: kbToBytes(opts.maxPayloadKb),
      maxSubscriptionsPerClient: opts.maxSubscriptionsPerClient,
      offlineRetentionHours: opts.offlineRetentionHours,
      offlineStoreLimit: opts.offlineStoreLimit,
    });
    const out = outputFor(opts);
    const endpoints = instanceEndpoints(backend, instance.id);
    if (out.json) return printJson({ ...instance, endpoints });
    out.line(`Instance ${instance.name} created.`);
    out.line();
    showInstance(out, instance, endpoints);
  });

  const update = specOptions(
    cmd
      .command('update')
      .description("change an instance's name, spec, mode or limits")
      .argument('[id]', 'instance ID (mqtt-cn-…)')
      .option('--id <id>', 'instance ID, instead of the argument')
      .option('--name <name>', 'new name')
      .option('--open', 'switch open mode on (no authentication)')
      .option('--no-open', 'switch open mode off (authentication required)'),
    false,
  );
  limitOptions(update).action(function (
    this: Command,
    id: string | undefined,
    opts: IdOpts & SpecOpts & LimitOpts & { name?: string; open?: boolean },
  ) {
    const changes = {
      name: opts.name,
      maxConnections: opts.maxConnections,
      maxTps: opts.maxTps,
      maxSubscriptions: opts.maxSubscriptions,
      maxKeepAlive: opts.maxKeepAlive,
      openMode: opts.open,
      maxTopicLength: opts.maxTopicLength,
      maxPayloadBytes: kbToBytes(opts.maxPayloadKb),
      maxSubscriptionsPerClient: opts.maxSubscriptionsPerClient,
      offlineRetentionHours: opts.offlineRetentionHours,
      offlineStoreLimit: opts.offlineStoreLimit,
    };
    const target = instanceId(this, id, opts);
    if (Object.values(changes).every((v) => v === undefined)) {
      usageError(
        this,
        'nothing to change: give --name, --max-connections, --max-tps, --max-subscriptions, --max-keep-alive, --open, --no-open, ' +
          '--max-topic-length, --max-payload-kb, --max-subscriptions-per-client, --offline-retention-hours or --offline-store-limit',
      );
    }
    const backend = useBackend();
    const instance = updateInstance(backend, { id: target, ...changes });
    const out = outputFor(opts);
    const endpoints = instanceEndpoints(backend, instance.id);
    if (out.json) return printJson({ ...instance, endpoints });
    out.line(`Instance ${instance.id} updated.`);
    out.line();
    showInstance(out, instance, endpoints);
  });

  idCommand(cmd, 'delete', 'delete an instance with all its topics and groups')
    .option('-y, --yes', 'confirm the deletion')
    .action(function (this: Command, id: string | undefined, opts: IdOpts & { yes?: boolean }) {
      const backend = useBackend();
      const target = instanceId(this, id, opts);
      const instance = listInstances(backend).find((i) => i.id === target) ?? { ...getInstance(backend, target), topicCount: 0, groupCount: 0 };
      if (!opts.yes) {
        throw new ConfirmationRequired(
          `deleting instance ${instance.id} ("${instance.name}") also deletes its ${instance.topicCount} topic(s) and ` +
            `${instance.groupCount} group(s) and cannot be undone. Add --yes to confirm.`,
        );
      }
      deleteInstance(backend, instance.id, instance.name);
      const out = outputFor(opts);
      if (out.json) return printJson({ deleted: true, id: instance.id, name: instance.name });
      out.line(`Instance ${instance.id} ("${instance.name}") deleted.`);
    });

  idCommand(cmd, 'endpoints', 'list the URLs clients dial (TCP, TLS, WebSocket, secure WebSocket)').action(function (
    this: Command,
    id: string | undefined,
    opts: IdOpts,
  ) {
    const endpoints = instanceEndpoints(useBackend(), instanceId(this, id, opts));
    const out = outputFor(opts);
    if (out.json) return printJson(endpoints);
    out.line(
      formatTable(
        ['KIND', 'URL', 'HOST', 'PORT'],
        endpoints.map((e) => [e.kind, e.url, e.host, String(e.port)]),
      ),
    );
  });

  return cmd;
}
