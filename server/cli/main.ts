/**
 * `magpie <resource> <verb> [--flags]`: scripts and CI set up environments with this, on the
 * same data directory (MAGPIE_DATA_DIR) as the console, also while the console runs.
 *
 * Exit codes: 0 success; 1 the operation failed (validation, not found, duplicate, a delete
 * without --yes); 2 usage error (unknown resource, verb or flag, missing argument).
 * Started by bin/magpie.js, which registers tsx and sets MAGPIE_ROOT.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { translate } from '@/lib/i18n';
import { AppError, ValidationError } from '../errors';
import { addAccessKeyCommands } from './accesskey';
import { addClusterCommands } from './cluster';
import { flagOfField, USAGE_EXIT } from './common';
import { addCredentialCommands } from './credential';
import { closeBackend, ConfirmationRequired } from './context';
import { addInstanceResourceCommands } from './instance-resource';
import { addInstanceCommands } from './instance';
import { addPermissionCommands } from './permission';
import { addRuleCommands } from './rule';

function packageVersion(): string {
  const file = fileURLToPath(new URL('../../package.json', import.meta.url));
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * An argument that may also be given as a flag of the same name (`get <id>` or `--id <id>`)
 * is needed one way or the other, so it is shown as `<id>`; the flag is listed in the
 * command's own help.
 */
function argumentTerms(cmd: Command): string[] {
  return cmd.registeredArguments.map((a) =>
    a.required || cmd.options.some((o) => o.attributeName() === a.name()) ? `<${a.name()}>` : `[${a.name()}]`,
  );
}

/** `<args> --required <v> [--optional <v>]` for a command that does the work. */
function synopsis(cmd: Command): string {
  const argNames = new Set(cmd.registeredArguments.map((a) => a.name()));
  const args = argumentTerms(cmd);
  const terms = cmd.options
    .filter((o) => !argNames.has(o.attributeName()))
    .filter((o) => !o.negate || !cmd.options.some((p) => p !== o && p.attributeName() === o.attributeName() && !p.negate))
    .map((o) => {
      const negatable = !o.negate && cmd.options.some((p) => p.negate && p.attributeName() === o.attributeName());
      const flag = negatable ? `${o.long}|--no-${o.long!.slice(2)}` : (o.long ?? o.short ?? o.flags);
      const term = o.required || o.optional ? `${flag} ${o.flags.slice(o.flags.lastIndexOf(' ') + 1)}` : flag;
      // --yes is what makes a delete happen, so it is not shown as optional.
      const shown = o.mandatory || o.long === '--yes' ? term : `[${term}]`;
      const rank = o.long === '--json' ? 3 : o.long === '--yes' ? 2 : o.mandatory ? 0 : 1;
      return { shown, rank };
    })
    .sort((a, b) => a.rank - b.rank)
    .map((t) => t.shown);
  return [...args, ...terms].join(' ');
}

const isLeaf = (cmd: Command) => cmd.commands.length === 0;

function resourceOverview(resource: Command): string[] {
  return resource.commands
    .filter((verb) => verb.name() !== 'help')
    .map((verb) => `  magpie ${resource.name()} ${verb.name()} ${synopsis(verb)}`.trimEnd());
}

function commandOverview(program: Command): string {
  return program.commands.filter((r) => !isLeaf(r)).flatMap(resourceOverview).join('\n');
}

export function buildProgram(json: boolean): Command {
  const program = new Command('magpie');
  program
    .description('Magpie command line: manage AccessKeys, instances, parent topics, Group IDs, topic permissions, device credentials, RocketMQ clusters and rules')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput({
      // With --json, stderr carries exactly one JSON document: no help text after errors.
      writeErr: (text) => {
        if (!json) process.stderr.write(text);
      },
      outputError: (text) => reportUsage(text.replace(/^error: /, '').trim(), json),
    })
    .configureHelp({
      // Short terms in the command lists ("get <id>"); the full synopses follow the list.
      subcommandTerm: (cmd) => {
        const name = cmd.name() + (cmd.aliases()[0] ? `|${cmd.aliases()[0]}` : '');
        return [name, ...argumentTerms(cmd)].join(' ');
      },
    })
    .showHelpAfterError()
    .exitOverride();

  addAccessKeyCommands(program);
  addInstanceCommands(program);
  addInstanceResourceCommands(program);
  addPermissionCommands(program);
  addCredentialCommands(program);
  addClusterCommands(program);
  addRuleCommands(program);

  // Leaf usage lines show every flag, e.g. "magpie instance create --name <name> [--open] …".
  for (const resource of program.commands) {
    for (const verb of resource.commands) {
      verb.option('--json', 'print machine-readable JSON (errors: {"error": …} on stderr)');
      verb.usage(synopsis(verb));
    }
    resource.addHelpText(
      'after',
      [
        '',
        'Usage of each command:',
        ...resourceOverview(resource),
        '',
        `Run "magpie ${resource.name()} <verb> --help" for the details of one command.`,
      ].join('\n'),
    );
  }

  program.addHelpText(
    'after',
    [
      '',
      'All commands:',
      commandOverview(program),
      '',
      'Every command accepts --json (one JSON document on stdout; errors as {"error": …} on stderr).',
      'Data directory: MAGPIE_DATA_DIR (default ./data), shared with the running console.',
      'Exit codes: 0 ok, 1 failed (invalid input, not found, duplicate, delete without --yes), 2 usage error.',
    ].join('\n'),
  );
  return program;
}

function writeJsonError(error: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ error })}\n`);
}

let usageReported = false;

function reportUsage(message: string, json: boolean): void {
  usageReported = true;
  if (json) writeJsonError({ code: 'USAGE', message });
  else process.stderr.write(`magpie: ${message}\n`);
}

function reportFailure(err: unknown, json: boolean): void {
  if (err instanceof ValidationError) {
    const fields = Object.entries(err.fieldErrors).map(([field, key]) => ({
      flag: field === '_' ? undefined : flagOfField(field),
      key,
      message: translate('en', key),
    }));
    const lines = fields.map((f) => (f.flag ? `${f.flag}: ${f.message}` : f.message));
    if (json) {
      writeJsonError({
        code: err.code,
        message: lines.join('\n'),
        fields: Object.fromEntries(fields.map((f) => [f.flag ?? '_', { message: f.message, key: f.key }])),
      });
    } else {
      for (const line of lines) process.stderr.write(`magpie: ${line}\n`);
    }
  } else if (err instanceof AppError) {
    if (json) {
      writeJsonError({
        code: err.code,
        message: err.message,
        key: err.key,
        ...(err.field ? { fields: { [flagOfField(err.field)]: { message: err.message, key: err.key } } } : {}),
      });
    } else {
      process.stderr.write(`magpie: ${err.message}\n`);
    }
  } else if (err instanceof ConfirmationRequired) {
    if (json) writeJsonError({ code: 'CONFIRMATION_REQUIRED', message: err.message });
    else process.stderr.write(`magpie: ${err.message}\n`);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    if (json) writeJsonError({ code: 'INTERNAL', message });
    else process.stderr.write(`magpie: ${message}\n`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const program = buildProgram(json);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      // A resource without a verb prints its help; with --json say what is missing instead.
      if (!usageReported && json) {
        const words = argv.filter((a) => !a.startsWith('-')).join(' ');
        reportUsage(`missing command: see "magpie ${words ? `${words} ` : ''}--help"`, true);
      }
      return USAGE_EXIT;
    }
    reportFailure(err, json);
    return 1;
  } finally {
    closeBackend();
  }
}

// `magpie … | head`: a reader that goes away early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  closeBackend();
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

process.exitCode = await run(process.argv.slice(2));
