/**
 * The brokers under test, each in its own process on a loopback port: ours (as
 * server/broker/main.ts runs it, SQLite persistence), Mosquitto (Debian's package, our own
 * minimal config in a temp dir, never the system service) and Aedes (in-memory). Their CPU
 * time and RSS are read from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BROKER_EXEC_ARGV } from '../../server/broker/process-tuning';

export type BrokerName = 'ours' | 'ours-telemetry' | 'mosquitto' | 'aedes' | 'node-floor';
/**
 * The brokers `--brokers` chooses from. `node-floor` (brokers/node-floor.ts) is a reference for
 * the fixed-rate latency phase only, not a broker.
 */
export const BROKER_NAMES: readonly BrokerName[] = ['ours', 'mosquitto', 'aedes', 'node-floor'];
/** Every column a report can have: with `--telemetry=both`, ours runs twice (telemetry off, then on). */
export const ALL_BROKER_NAMES: readonly BrokerName[] = ['ours', 'ours-telemetry', 'mosquitto', 'aedes', 'node-floor'];
/** Brokers that take part in the latency phase only. */
export const LATENCY_ONLY: readonly BrokerName[] = ['node-floor'];

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH_DIR, '..');

/** Clock ticks per second of /proc/<pid>/stat. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface RunningBroker {
  name: BrokerName;
  version: string;
  /** How it is configured, for the report. */
  setup: string;
  pid: number;
  port: number;
  /** user + system CPU time of the whole process (all threads), microseconds. */
  cpuUs(): number;
  rssBytes(): number;
  /** Soft limit on open files of the broker process. */
  fdLimit(): number;
  alive(): boolean;
  stop(): Promise<void>;
}

export function procCpuUs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is the 3rd field of the line, utime the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/** Busy CPU time of the whole machine, all cores together, microseconds (from /proc/stat). */
export function machineBusyUs(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + (steal || 0)) * 1e6) / CLK_TCK;
}

export function procRssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

export function procFdLimit(pid: number | 'self'): number {
  const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  const m = /^Max open files\s+(\S+)/m.exec(limits);
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/**
 * Runs a command with its open-files limit raised to the hard limit (a shell wrapper: the
 * pid stays the command's, thanks to exec).
 */
export function spawnWithFdLimit(
  command: string,
  args: string[],
  stdio: ('ignore' | 'pipe' | 'inherit' | 'ipc')[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
  const child = spawn('sh', ['-c', script, 'sh', command, ...args], { stdio, env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Every process we started: killed when we exit, however we exit (no broker is left behind). */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`exited with code ${child.exitCode}`));
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${port} not open after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Waits for the launcher's {"ready":true,"port":N} line. */
function waitForReadyLine(child: ChildProcess, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not ready in time')), timeoutMs);
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean; port?: number };
        if (msg.ready && msg.port) {
          clearTimeout(timer);
          resolve(msg.port);
          return;
        }
      } catch {
        // not ours: pass it on
      }
      process.stdout.write(`${line}\n`);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with code ${code}`));
    });
  });
}

function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function running(name: BrokerName, version: string, setup: string, child: ChildProcess, port: number): RunningBroker {
  const pid = child.pid!;
  return {
    name,
    version,
    setup,
    pid,
    port,
    cpuUs: () => procCpuUs(pid),
    rssBytes: () => procRssBytes(pid),
    fdLimit: () => procFdLimit(pid),
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () => stopChild(child),
  };
}

const NODE_TSX = ['--import', 'tsx'];

/** Our broker; with `telemetry`, recording trace events and samples into telemetry.db as in production. */
export async function startOurs(
  tmp: string,
  { telemetry = false, name = 'ours' as BrokerName, profileDir = null as string | null } = {},
): Promise<RunningBroker> {
  const dataDir = path.join(tmp, `${name}-data`);
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // The Node options the console's supervisor starts the broker with (process-tuning.ts).
  const args = [...profile, ...BROKER_EXEC_ARGV, path.join(BENCH_DIR, 'brokers', 'ours.ts'), dataDir, '0', ...(telemetry ? ['telemetry'] : [])];
  const child = spawnWithFdLimit(process.execPath, args, [
    'ignore',
    'pipe',
    'inherit',
  ]);
  const port = await waitForReadyLine(child);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const setup = `SQLite persistence (WAL, synchronous=NORMAL), default settings, telemetry ${telemetry ? 'on (telemetry.db)' : 'off'}`;
  return running(name, `magpie ${pkg.version} (${gitDescribe()})`, setup, child, port);
}

/** The Node floor (brokers/node-floor.ts), with our broker's Node options. */
export async function startNodeFloor(): Promise<RunningBroker> {
  const child = spawnWithFdLimit(process.execPath, [...BROKER_EXEC_ARGV, path.join(BENCH_DIR, 'brokers', 'node-floor.ts'), '-', '0'], ['ignore', 'pipe', 'inherit']);
  const port = await waitForReadyLine(child);
  return running('node-floor', `node-floor (Node ${process.version})`, 'exact topics, no session or store, each packet answered as read', child, port);
}

export async function startAedes(): Promise<RunningBroker> {
  const child = spawnWithFdLimit(process.execPath, [...NODE_TSX, path.join(BENCH_DIR, 'brokers', 'aedes.ts'), '0'], [
    'ignore',
    'pipe',
    'inherit',
  ]);
  const port = await waitForReadyLine(child);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'aedes', 'package.json'), 'utf8')) as { version: string };
  return running('aedes', `aedes ${pkg.version}`, 'default options, in-memory persistence', child, port);
}

export function findMosquitto(): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    if (!dir) continue;
    const file = path.join(dir, 'mosquitto');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // keep looking
    }
  }
  return null;
}

/**
 * Mosquitto, or why not: when it is missing, root installs Debian's package (that is all the
 * benchmark ever installs); anyone else is told how and its column is skipped.
 */
export function ensureMosquitto(log: (line: string) => void): string | null {
  const found = findMosquitto();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  let hasApt = false;
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    hasApt = true;
  } catch {
    // not Debian-like
  }
  if (!isRoot || !hasApt) {
    log('mosquitto is not installed: skipping its column. Install it with `sudo apt-get install -y mosquitto` (Debian/Ubuntu) and run again.');
    return null;
  }
  log('mosquitto is not installed: running `apt-get install -y mosquitto` (we are root)…');
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'mosquitto'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    install();
  } catch {
    try {
      execFileSync('apt-get', ['update'], { stdio: 'inherit' });
      install();
    } catch {
      log('apt-get could not install mosquitto: skipping its column.');
      return null;
    }
  }
  return findMosquitto();
}

export function mosquittoVersion(bin: string): string {
  try {
    execFileSync(bin, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // `mosquitto -h` prints its usage and exits non-zero.
    const out = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    const m = /mosquitto version (\S+)/.exec(out);
    if (m) return `mosquitto ${m[1]}`;
  }
  return 'mosquitto (version unknown)';
}

/** Settings given to Mosquitto where its defaults would make the comparison unequal (see README). */
export const MOSQUITTO_SETTINGS = [
  'persistence true',
  // Ours and Aedes disable Nagle on their sockets.
  'set_tcp_nodelay true',
  // Ours: maxInflight 1024 per session (Mosquitto's default is 20).
  'max_inflight_messages 1024',
  // No cap on queued messages per client (default 1000). With a cap, 2.0.11 drops QoS 1 messages
  // ("Outgoing messages are being dropped") in the fan-in runs although far fewer are in flight
  // than the cap. Ours runs with no offline store limit either (bench/brokers/ours.ts).
  'max_queued_messages 0',
];

export async function startMosquitto(bin: string, tmp: string): Promise<RunningBroker> {
  const dir = path.join(tmp, 'mosquitto');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    ...MOSQUITTO_SETTINGS,
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'connection_messages false',
    // As root it would switch to the 'mosquitto' user, which cannot write our temp dir.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
  ].join('\n');
  const confFile = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(confFile, `${conf}\n`);
  const child = spawnWithFdLimit(bin, ['-c', confFile], ['ignore', 'inherit', 'pipe']);
  // Its log (errors and warnings only), minus the warning about running as root.
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!/should not be run as root/.test(line)) process.stderr.write(`[mosquitto] ${line}\n`);
  });
  await waitForPort(port, child);
  return running('mosquitto', mosquittoVersion(bin), MOSQUITTO_SETTINGS.join(', '), child, port);
}

function gitDescribe(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+uncommitted changes` : head;
  } catch {
    return 'no git';
  }
}
