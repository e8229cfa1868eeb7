/** Pieces the resource commands share: --json, IDs given positionally or by flag, spec values. */
import type { Command } from 'commander';
import { stdoutOutput, type Output } from './output';

/** Exit code for usage errors (unknown command or flag, missing argument). */
export const USAGE_EXIT = 2;

export interface JsonOpts {
  json?: boolean;
}

export function outputFor(opts: JsonOpts): Output {
  return stdoutOutput(opts.json === true);
}

/** Stops with a usage error (exit code 2, help text shown). */
export function usageError(cmd: Command, message: string): never {
  cmd.error(message, { exitCode: USAGE_EXIT, code: 'magpie.usage' });
  throw new Error('unreachable');
}

/**
 * A value that may be given as the positional argument or with a flag (`get <id>` or
 * `get --id <id>`). Missing or contradictory: a usage error.
 */
export function positionalOrFlag(
  cmd: Command,
  positional: string | undefined,
  flagValue: string | undefined,
  flag: string,
  what: string,
): string {
  if (positional !== undefined && flagValue !== undefined && positional !== flagValue) {
    usageError(cmd, `${what} given twice, as an argument ("${positional}") and with ${flag} ("${flagValue}")`);
  }
  const value = positional ?? flagValue;
  if (value === undefined) usageError(cmd, `missing ${what}: give it as an argument or with ${flag}`);
  return value;
}

/**
 * Parses a spec value such as 1000, 1,000, 1k, 10K or 1m. A value that is not a number becomes
 * 0, which the shared schema refuses with the list of allowed values.
 */
export function parseSpecValue(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(raw.trim().replaceAll(',', '').replaceAll('_', ''));
  if (!m) return 0;
  const factor = m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1000 : 1_000_000;
  return Math.round(Number(m[1]) * factor);
}

/** Field names of the services → the CLI flag a user typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  instanceId: 'instance',
  maxConnections: 'max-connections',
  maxTps: 'max-tps',
  maxSubscriptions: 'max-subscriptions',
  maxKeepAlive: 'max-keep-alive',
  maxTopicLength: 'max-topic-length',
  maxPayloadBytes: 'max-payload-kb',
  maxSubscriptionsPerClient: 'max-subscriptions-per-client',
  offlineRetentionHours: 'offline-retention-hours',
  offlineStoreLimit: 'offline-store-limit',
  clientId: 'client-id',
  openMode: 'open',
  confirmName: 'yes',
  ruleId: 'rule-id',
  clusterId: 'cluster',
  accessKey: 'access-key',
  secretKey: 'secret-key',
};

export function flagOfField(field: string): string {
  return FLAG_OF_FIELD[field] ?? field;
}
