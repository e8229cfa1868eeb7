/** `magpie accesskey …`: list, get, create (the secret is printed this once), enable, disable, delete. */
import type { Command } from 'commander';
import {
  createAccessKey,
  deleteAccessKey,
  getAccessKey,
  listAccessKeys,
  setAccessKeyEnabled,
  type AccessKeyView,
} from '../services/access-keys';
import { outputFor, positionalOrFlag, type JsonOpts } from './common';
import { ConfirmationRequired, useBackend } from './context';
import { formatFields, formatTable, formatTime, orDash, printJson, type Output } from './output';

interface IdOpts extends JsonOpts {
  id?: string;
}

function showKey(out: Output, key: AccessKeyView): void {
  if (out.json) return printJson(key);
  out.line(
    formatFields([
      ['ID', key.id],
      ['Description', orDash(key.description)],
      ['Status', key.enabled ? 'enabled' : 'disabled'],
      ['Last used', key.lastUsedAt === null ? 'never' : formatTime(key.lastUsedAt)],
      ['Created', formatTime(key.createdAt)],
    ]),
  );
}

function idCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .argument('[id]', 'AccessKey ID (LTAI…)')
    .option('--id <id>', 'AccessKey ID, instead of the argument');
}

export function addAccessKeyCommands(program: Command): Command {
  const cmd = program
    .command('accesskey')
    .description('AccessKeys (ID + secret) for signature mode, the token API and the status API')
    .alias('accesskeys');

  cmd.command('list').description('list AccessKeys (never their secrets)').action((opts: JsonOpts) => {
    const out = outputFor(opts);
    const keys = listAccessKeys(useBackend());
    if (out.json) return printJson(keys);
    if (keys.length === 0) return out.line('No AccessKeys. Create one with: magpie accesskey create');
    out.line(
      formatTable(
        ['ID', 'STATUS', 'LAST USED', 'CREATED', 'DESCRIPTION'],
        keys.map((k) => [
          k.id,
          k.enabled ? 'enabled' : 'disabled',
          k.lastUsedAt === null ? 'never' : formatTime(k.lastUsedAt),
          formatTime(k.createdAt),
          orDash(k.description),
        ]),
      ),
    );
  });

  idCommand(cmd, 'get', 'show one AccessKey (never its secret)').action(function (this: Command, id: string | undefined, opts: IdOpts) {
    showKey(outputFor(opts), getAccessKey(useBackend(), positionalOrFlag(this, id, opts.id, '--id', 'the AccessKey ID')));
  });

  cmd
    .command('create')
    .description('create an AccessKey; its secret is printed this once and can never be shown again')
    .option('--description <text>', 'what the key is for', '')
    .action((opts: JsonOpts & { description: string }) => {
      const out = outputFor(opts);
      const key = createAccessKey(useBackend(), { description: opts.description });
      if (out.json) return printJson(key);
      out.line(
        formatFields([
          ['AccessKey ID', key.id],
          ['AccessKey secret', key.secret],
          ['Description', orDash(key.description)],
        ]),
      );
      out.line();
      out.line('This is the only time the secret is shown: store it now. It cannot be retrieved later.');
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    idCommand(cmd, verb, `${verb} an AccessKey (a disabled key is refused by every signature check)`).action(function (
      this: Command,
      id: string | undefined,
      opts: IdOpts,
    ) {
      const key = setAccessKeyEnabled(useBackend(), positionalOrFlag(this, id, opts.id, '--id', 'the AccessKey ID'), enabled);
      const out = outputFor(opts);
      if (out.json) return printJson(key);
      out.line(`AccessKey ${key.id} ${enabled ? 'enabled' : 'disabled'}.`);
    });
  }

  idCommand(cmd, 'delete', 'delete an AccessKey (clients signing with it are refused from then on)')
    .option('-y, --yes', 'confirm the deletion')
    .action(function (this: Command, id: string | undefined, opts: IdOpts & { yes?: boolean }) {
      const backend = useBackend();
      const key = getAccessKey(backend, positionalOrFlag(this, id, opts.id, '--id', 'the AccessKey ID'));
      if (!opts.yes) {
        throw new ConfirmationRequired(
          `deleting AccessKey ${key.id} cannot be undone; clients using it will be refused. Add --yes to confirm.`,
        );
      }
      deleteAccessKey(backend, key.id);
      const out = outputFor(opts);
      if (out.json) return printJson({ deleted: true, id: key.id });
      out.line(`AccessKey ${key.id} deleted.`);
    });

  return cmd;
}
