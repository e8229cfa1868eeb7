/**
 * The `magpie` command as users run it, for the CLI tests: the real bin/magpie.js spawned
 * with MAGPIE_DATA_DIR pointing at a test's data directory, and checks of what it answered.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'magpie.js');

// The test process opens its own backend; migrations are found from the project root.
process.env.MAGPIE_ROOT = ROOT;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a user would have: none of our MAGPIE_ variables but the data directory. */
function cliEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('MAGPIE_')) delete env[key];
  env.MAGPIE_DATA_DIR = dataDir;
  return env;
}

/** Runs `magpie <args>` on `dataDir`, from `cwd` (the project root unless given). */
export function magpie(args: string[], dataDir: string, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cliEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Exit code 0; its stdout. */
export function ok(r: CliResult): string {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** Exit code 0 and the parsed JSON document on stdout. */
export function okJson<T = Record<string, unknown>>(r: CliResult): T {
  return JSON.parse(ok(r)) as T;
}

/** The {"error": …} document a --json command writes to stderr. */
export function jsonError(r: CliResult): { code: string; message: string; key?: string; fields?: Record<string, { message: string; key: string }> } {
  const doc = JSON.parse(r.stderr) as { error: { code: string; message: string; key?: string } };
  assert.ok(doc.error, r.stderr);
  return doc.error;
}
