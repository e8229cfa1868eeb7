/**
 * `magpie credential …`: device credentials of an instance (list, get, register, refresh,
 * unregister). register and refresh print the DeviceAccessKeySecret this once; it can never be
 * shown again. A credential is addressed by instance + client ID (`<GroupID>@@@<DeviceID>`).
 */
import type { Command } from 'commander';
import {
  getDeviceCredential,
  listDeviceCredentials,
  refreshDeviceCredential,
  registerDeviceCredential,
  unregisterDeviceCredential,
  type DeviceCredentialView,
  type IssuedDeviceCredential,
} from '../services/device-credentials';
import { mqttUsername } from '../services/signature-helper';
import { outputFor, positionalOrFlag, type JsonOpts } from './common';
import { ConfirmationRequired, useBackend } from './context';
import { formatFields, formatTable, formatTime, printJson, type Output } from './output';

interface RefOpts extends JsonOpts {
  instance: string;
  clientId?: string;
}

const CLIENT_ID_HELP = 'client ID, <GroupID>@@@<DeviceID> (at most 64 characters, no "/", ":", "," or "%")';

function fields(c: DeviceCredentialView): [string, string][] {
  return [
    ['Client ID', c.clientId],
    ['Instance', c.instanceId],
    ['DeviceAccessKeyId', c.deviceAccessKeyId],
    ['MQTT user name', mqttUsername('deviceCredential', c.deviceAccessKeyId, c.instanceId)],
    ['Created', formatTime(c.createdAt)],
    ['Updated', formatTime(c.updatedAt)],
  ];
}

function showIssued(out: Output, issued: IssuedDeviceCredential, what: string): void {
  if (out.json) return printJson(issued);
  out.line(`${what}.`);
  out.line();
  const all = fields(issued);
  all.splice(3, 0, ['DeviceAccessKeySecret', issued.deviceAccessKeySecret]);
  out.line(formatFields(all));
  out.line();
  out.line('This is the only time the secret is shown: store it now. It cannot be retrieved later.');
  out.line('MQTT password: Base64(HMAC-SHA1(DeviceAccessKeySecret, client ID)).');
}

export function addCredentialCommands(program: Command): void {
  const cmd = program
    .command('credential')
    .alias('credentials')
    .description('device credentials of an instance: a DeviceAccessKeyId and secret per client ID');

  const instanceOption = (c: Command) => c.requiredOption('--instance <id>', 'instance ID (mqtt-cn-…)');
  const refCommand = (verb: string, description: string) =>
    instanceOption(
      cmd
        .command(verb)
        .description(description)
        .argument('[clientId]', CLIENT_ID_HELP)
        .option('--client-id <clientId>', 'client ID, instead of the argument'),
    );
  const refOf = (c: Command, clientId: string | undefined, opts: RefOpts) => ({
    instanceId: opts.instance,
    clientId: positionalOrFlag(c, clientId, opts.clientId, '--client-id', 'the client ID'),
  });

  instanceOption(cmd.command('list').description('list the device credentials of an instance (never their secrets)')).action(
    (opts: RefOpts) => {
      const out = outputFor(opts);
      const rows = listDeviceCredentials(useBackend(), opts.instance);
      if (out.json) return printJson(rows);
      if (rows.length === 0) {
        return out.line(
          `No device credentials in instance ${opts.instance}. Register one with: ` +
            `magpie credential register <GroupID>@@@<DeviceID> --instance ${opts.instance}`,
        );
      }
      out.line(
        formatTable(
          ['CLIENT ID', 'DEVICE ACCESS KEY ID', 'CREATED', 'UPDATED'],
          rows.map((r) => [r.clientId, r.deviceAccessKeyId, formatTime(r.createdAt), formatTime(r.updatedAt)]),
        ),
      );
    },
  );

  refCommand('get', 'show one device credential (never its secret)').action(function (
    this: Command,
    clientId: string | undefined,
    opts: RefOpts,
  ) {
    const out = outputFor(opts);
    const row = getDeviceCredential(useBackend(), refOf(this, clientId, opts));
    if (out.json) return printJson(row);
    out.line(formatFields(fields(row)));
  });

  refCommand(
    'register',
    'register a client ID (its Group ID must exist); registering again replaces the pair. Prints the secret this once',
  ).action(function (this: Command, clientId: string | undefined, opts: RefOpts) {
    const issued = registerDeviceCredential(useBackend(), refOf(this, clientId, opts));
    showIssued(outputFor(opts), issued, `Device credential for ${issued.clientId} registered`);
  });

  refCommand('refresh', 'issue a new secret (same DeviceAccessKeyId); the old secret stops working. Prints it this once').action(
    function (this: Command, clientId: string | undefined, opts: RefOpts) {
      const issued = refreshDeviceCredential(useBackend(), refOf(this, clientId, opts));
      showIssued(outputFor(opts), issued, `New secret issued for ${issued.clientId}`);
    },
  );

  refCommand('unregister', 'remove a device credential; the device can no longer log in with it')
    .option('-y, --yes', 'confirm the removal')
    .action(function (this: Command, clientId: string | undefined, opts: RefOpts & { yes?: boolean }) {
      const backend = useBackend();
      const row = getDeviceCredential(backend, refOf(this, clientId, opts));
      if (!opts.yes) {
        throw new ConfirmationRequired(
          `unregistering the device credential of ${row.clientId} (instance ${row.instanceId}) cannot be undone; ` +
            'the device can no longer log in with it. Add --yes to confirm.',
        );
      }
      unregisterDeviceCredential(backend, row);
      const out = outputFor(opts);
      if (out.json) return printJson({ unregistered: true, instanceId: row.instanceId, clientId: row.clientId });
      out.line(`Device credential of ${row.clientId} unregistered from instance ${row.instanceId}.`);
    });
}
