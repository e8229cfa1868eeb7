/**
 * Test fixture: a real Apache RocketMQ 5 (name server + proxy in local mode, which runs the broker
 * inside the proxy) on free ports in a fresh temporary directory, from the jars that
 * e2e/rocketmq/pom.xml gathers from Maven Central. Sized for a 2-core machine: small heaps, serial
 * GC, small mapped files. See e2e/rocketmq/README.md.
 *
 *   const mq = await startRocketMQ({ topics: ['rules_in'] });
 *   new Producer({ endpoints: mq.endpoint, logger: quietRocketMQLogger });
 *   await mq.stopBroker(); await mq.startBroker();   // same ports, same store: nothing is lost
 *   await mq.stop();
 *
 * The JVMs run in their own process groups under a small shell watchdog that kills them when this
 * Node process goes away, however it ends (even SIGKILL); an exit hook kills them too. So a failing
 * or killed test leaves no JVM behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Producer, type ILogger } from 'rocketmq-client-nodejs';

const projectDir = path.join(import.meta.dirname, '..', '..', 'e2e', 'rocketmq');
const libDir = path.join(projectDir, 'target', 'lib');
/** Written last by ensureRocketMQJars, so a half-copied lib dir is never taken as complete. */
const completeMarker = path.join(libDir, '.complete');

const jvmCommon = [
  '-server',
  '-XX:+UseSerialGC',
  // C1 only: the JVMs start faster and burn less CPU on a 2-core machine; throughput is irrelevant here.
  '-XX:TieredStopAtLevel=1',
  '-XX:-OmitStackTraceInFastThrow',
  '-XX:-UseLargePages',
  '-XX:MaxDirectMemorySize=256m',
  // RocketMQ unmaps its mapped files through the JDK's internals.
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '-Djava.net.preferIPv4Stack=true',
];
const heap = { namesrv: '128m', proxy: '384m', admin: '128m' };

/** A logger for rocketmq-client-nodejs clients in tests: errors to stderr, the rest dropped. Pass
 *  it as `logger`; the client's default one writes to ~/logs and is closed for every client
 *  as soon as one client shuts down. */
export const quietRocketMQLogger: ILogger = {
  info: () => {},
  warn: () => {},
  debug: () => {},
  error: (...args: unknown[]) => console.error('[rocketmq-client]', ...args),
};

// The product's guard against the client library's unhandled telemetry-stream errors (tests need it too).
import '../broker/rules/client-guard';

let jarsReady: Promise<string> | undefined;

/** Runs Maven once (per machine, cached in e2e/rocketmq/target/lib) and answers the lib dir. */
export function ensureRocketMQJars(): Promise<string> {
  jarsReady ??= (async () => {
    if (fs.existsSync(completeMarker)) return libDir;
    // Copy into a private dir and rename it into place, so two test processes building at the same
    // time never see each other's half-done copy.
    const staging = `${libDir}.tmp-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    const result = await run('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-Dmagpie.lib=${staging}`], {
      cwd: projectDir,
      timeoutMs: 15 * 60_000,
    });
    if (result.code !== 0) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw new Error(`mvn dependency:copy-dependencies failed in ${projectDir}:\n${result.output.slice(-4000)}`);
    }
    fs.writeFileSync(path.join(staging, '.complete'), new Date().toISOString());
    if (!fs.existsSync(completeMarker)) {
      fs.rmSync(libDir, { recursive: true, force: true });
      try {
        fs.renameSync(staging, libDir);
      } catch (error) {
        if (!fs.existsSync(completeMarker)) throw error; // another process won the race: fine
      }
    }
    fs.rmSync(staging, { recursive: true, force: true });
    return libDir;
  })();
  jarsReady.catch(() => (jarsReady = undefined));
  return jarsReady;
}

export interface RocketMQPorts {
  namesrv: number;
  /** gRPC: what rocketmq-client-nodejs connects to. */
  grpc: number;
  /** The proxy's remoting protocol port (4.x clients). */
  proxyRemoting: number;
  /** The broker's remoting port; the broker also listens on broker-2 (its "fast" port). */
  broker: number;
  brokerHa: number;
}

export interface RocketMQ {
  /** host:port of the proxy's gRPC endpoint, for rocketmq-client-nodejs `endpoints`. */
  readonly endpoint: string;
  /** host:port of the name server (the admin tool's -n). */
  readonly namesrv: string;
  readonly ports: RocketMQPorts;
  /** The temporary directory: configs, store, logs (`logs/rocketmqlogs/`), JVM output (*.out). */
  readonly dir: string;
  /** Creates a NORMAL topic with the admin tool (mqadmin updateTopic) and waits until the proxy
   *  routes it. Idempotent. */
  createTopic(name: string): Promise<void>;
  /** Stops the proxy and its broker (SIGTERM, a clean shutdown; `kill: true` for SIGKILL, as a
   *  crash). The name server keeps running. */
  stopBroker(options?: { kill?: boolean }): Promise<void>;
  /** Starts the proxy and broker again on the same ports and store, and waits until they serve. */
  startBroker(): Promise<void>;
  /** stopBroker() then startBroker(). */
  restart(options?: { kill?: boolean }): Promise<void>;
  /** Kills everything and removes the temporary directory (kept if MAGPIE_KEEP_ROCKETMQ is set). */
  stop(): Promise<void>;
  /** Process-group ids of the running JVMs (for the CLI's state file). */
  pgids(): number[];
}

export interface StartRocketMQOptions {
  topics?: string[];
  /** For the CLI: no watchdog and no exit hook, the JVMs outlive this process. */
  detached?: boolean;
  /** Milliseconds to wait for each JVM to serve (default 120 s: first starts on a busy 2-core
   *  machine are slow). */
  startTimeoutMs?: number;
}

/** Starts name server and proxy-local on free ports in a new temporary directory. */
export async function startRocketMQ(options: StartRocketMQOptions = {}): Promise<RocketMQ> {
  const lib = await ensureRocketMQJars();
  const classpath = `${lib}/*`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-rocketmq-'));
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const ports = await pickPorts();
  const namesrv = `127.0.0.1:${ports.namesrv}`;
  const endpoint = `127.0.0.1:${ports.grpc}`;
  writeConfigs(dir, ports);
  // Both JVMs keep their logs (user.home/logs) and home under the temp dir.
  const sysProps = [`-Duser.home=${dir}`, `-Drocketmq.home.dir=${dir}`];
  const env = { ...process.env, ROCKETMQ_HOME: dir, RMQ_PROXY_HOME: dir };
  const topics = new Set<string>();
  const live = new Set<JvmProcess>();
  let namesrvJvm: JvmProcess | undefined;
  let proxyJvm: JvmProcess | undefined;
  let stopped = false;

  const startJvm = (name: string, args: string[]): JvmProcess => {
    const jvm = spawnJvm(name, dir, args, env, !options.detached);
    live.add(jvm);
    void jvm.exited.then(() => live.delete(jvm));
    return jvm;
  };

  const onExit = () => {
    for (const jvm of live) killGroup(jvm.pgid, 'SIGKILL');
    if (!process.env.MAGPIE_KEEP_ROCKETMQ) fs.rmSync(dir, { recursive: true, force: true });
  };
  if (!options.detached) process.on('exit', onExit);

  const startProxy = async () => {
    proxyJvm = startJvm('proxy', [
      `-Xms${heap.proxy}`,
      `-Xmx${heap.proxy}`,
      ...sysProps,
      '-cp',
      classpath,
      'org.apache.rocketmq.proxy.ProxyStartup',
      '-pm',
      'local',
      '-pc',
      path.join(dir, 'rmq-proxy.json'),
      '-bc',
      path.join(dir, 'broker.conf'),
      '-n',
      namesrv,
    ]);
    await proxyJvm.waitFor(/rocketmq-proxy startup successfully/, startTimeoutMs);
    await waitForPort(ports.grpc, startTimeoutMs);
    for (const topic of topics) await waitForRoute(endpoint, topic, startTimeoutMs);
  };

  const createTopic = async (name: string) => {
    await adminCreateTopic({ namesrv, dir, topic: name, timeoutMs: startTimeoutMs });
    topics.add(name);
    await waitForRoute(endpoint, name, startTimeoutMs);
  };

  const stopBroker = async (opts: { kill?: boolean } = {}) => {
    if (!proxyJvm) return;
    const jvm = proxyJvm;
    proxyJvm = undefined;
    await jvm.stop(opts.kill ? 'SIGKILL' : 'SIGTERM');
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // No clean shutdown needed: the store is thrown away with the directory.
    await stopBroker({ kill: true });
    await namesrvJvm?.stop('SIGKILL');
    if (!options.detached) process.off('exit', onExit);
    if (!process.env.MAGPIE_KEEP_ROCKETMQ) fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    namesrvJvm = startJvm('namesrv', [
      `-Xms${heap.namesrv}`,
      `-Xmx${heap.namesrv}`,
      ...sysProps,
      '-cp',
      classpath,
      'org.apache.rocketmq.namesrv.NamesrvStartup',
      '-c',
      path.join(dir, 'namesrv.properties'),
    ]);
    await namesrvJvm.waitFor(/The Name Server boot success/, startTimeoutMs);
    await startProxy();
    for (const topic of options.topics ?? []) await createTopic(topic);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }

  return {
    endpoint,
    namesrv,
    ports,
    dir,
    createTopic,
    stopBroker,
    startBroker: async () => {
      if (proxyJvm) return;
      await startProxy();
    },
    restart: async (opts) => {
      await stopBroker(opts);
      await startProxy();
    },
    stop,
    pgids: () => [...live].map((jvm) => jvm.pgid),
  };
}

/** Creates a NORMAL topic on DefaultCluster with the admin tool (mqadmin updateTopic). `dir` is
 *  the instance's directory (the tool's home and logs). */
export async function adminCreateTopic(options: { namesrv: string; dir: string; topic: string; timeoutMs?: number }): Promise<void> {
  const { namesrv, dir, topic } = options;
  const lib = await ensureRocketMQJars();
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const args = ['updateTopic', '-n', namesrv, '-c', 'DefaultCluster', '-t', topic, '-a', '+message.type=NORMAL'];
  // Right after a start the broker may not have registered with the name server yet; updateTopic
  // then answers that the cluster does not exist: retry.
  for (;;) {
    const result = await run(
      'java',
      [...jvmCommon, `-Xmx${heap.admin}`, `-Duser.home=${dir}`, `-Drocketmq.home.dir=${dir}`, '-cp', `${lib}/*`, 'org.apache.rocketmq.tools.command.MQAdminStartup', ...args],
      { cwd: dir, env: { ...process.env, ROCKETMQ_HOME: dir }, timeoutMs: 120_000 },
    );
    if (result.code === 0 && /create topic to .* success/i.test(result.output)) return;
    if (Date.now() > deadline) throw new Error(`mqadmin updateTopic ${topic} failed:\n${result.output.slice(-3000)}`);
    await delay(1000);
  }
}

/** Kills process groups (the CLI's `stop`), waiting until they are gone. */
export async function stopProcessGroups(pgids: number[], timeoutMs = 30_000): Promise<void> {
  for (const pgid of pgids) killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pgids.some(groupAlive)) {
    if (Date.now() > deadline) {
      for (const pgid of pgids) killGroup(pgid, 'SIGKILL');
      break;
    }
    await delay(200);
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

// --- internals ---------------------------------------------------------------------------------

interface JvmProcess {
  pgid: number;
  exited: Promise<void>;
  /** Resolves when the JVM's output matches; rejects (with the output's tail) if it exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Signals the whole group and waits until every process in it is gone (SIGKILL after 30 s). */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** The watchdog: runs java in the background and kills it as soon as the Node process that
 *  started it is gone (checked every second), so even a SIGKILLed test run leaves no JVM. */
const watchdog = `
java "$@" &
jvm=$!
trap 'kill -TERM $jvm 2>/dev/null; wait $jvm; exit 0' TERM INT
while kill -0 "$MAGPIE_PARENT_PID" 2>/dev/null && kill -0 $jvm 2>/dev/null; do sleep 1; done
kill -KILL $jvm 2>/dev/null
wait $jvm
`;

function spawnJvm(name: string, dir: string, args: string[], env: NodeJS.ProcessEnv, watched: boolean): JvmProcess {
  const outFile = path.join(dir, `${name}.out`);
  const out = fs.openSync(outFile, 'a');
  const startOffset = fs.fstatSync(out).size;
  const child: ChildProcess = watched
    ? spawn('sh', ['-c', watchdog, 'rocketmq-watchdog', ...jvmCommon, ...args], {
        cwd: dir,
        env: { ...env, MAGPIE_PARENT_PID: String(process.pid) },
        detached: true,
        stdio: ['ignore', out, out],
      })
    : spawn('java', [...jvmCommon, ...args], { cwd: dir, env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (!child.pid) throw new Error(`could not start ${name}`);
  const pgid = child.pid;
  child.unref();
  let hasExited = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (hasExited = true));
  const output = () => {
    try {
      const all = fs.readFileSync(outFile);
      return all.subarray(startOffset).toString('utf8');
    } catch {
      return '';
    }
  };
  return {
    pgid,
    exited,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output())) {
        if (hasExited) throw new Error(`${name} exited before it served:\n${output().slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${name} (${pattern}):\n${output().slice(-3000)}`);
        await delay(200);
      }
    },
    async stop(signal) {
      killGroup(pgid, signal);
      const deadline = Date.now() + 30_000;
      while (groupAlive(pgid)) {
        if (Date.now() > deadline) killGroup(pgid, 'SIGKILL');
        await delay(100);
      }
    },
  };
}

function killGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function writeConfigs(dir: string, ports: RocketMQPorts) {
  const store = path.join(dir, 'store');
  fs.writeFileSync(path.join(dir, 'namesrv.properties'), `listenPort=${ports.namesrv}\n`);
  fs.writeFileSync(
    path.join(dir, 'broker.conf'),
    [
      'brokerClusterName=DefaultCluster',
      'brokerName=broker-a',
      'brokerId=0',
      'brokerRole=ASYNC_MASTER',
      'flushDiskType=ASYNC_FLUSH',
      'brokerIP1=127.0.0.1',
      `listenPort=${ports.broker}`,
      `haListenPort=${ports.brokerHa}`,
      `storePathRootDir=${store}`,
      `storePathCommitLog=${path.join(store, 'commitlog')}`,
      // Small mapped files (the defaults are 1 GiB and 100 MiB each).
      `mappedFileSizeCommitLog=${64 * 1024 * 1024}`,
      `mappedFileSizeConsumeQueue=${30_000 * 20}`,
      `mappedFileSizeTimerLog=${8 * 1024 * 1024}`,
      // Tests create their topics with the admin tool; consumer groups appear on first use.
      'autoCreateTopicEnable=false',
      'autoCreateSubscriptionGroup=true',
      // Do not refuse writes (or delete files) on a nearly full CI disk.
      'diskMaxUsedSpaceRatio=95',
      'diskSpaceWarningLevelRatio=98',
      'diskSpaceCleanForciblyRatio=97',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'rmq-proxy.json'),
    JSON.stringify(
      {
        rocketMQClusterName: 'DefaultCluster',
        grpcServerPort: ports.grpc,
        remotingListenPort: ports.proxyRemoting,
        // The default (5 s) refuses a SimpleConsumer's receive whose awaitDuration + requestTimeout
        // is under 5 s ("deadline time remaining is not enough for polling"); tests poll briefly.
        grpcClientConsumerMinLongPollingTimeoutMillis: 500,
        // A stopping proxy waits this long for in-flight calls (long polls): keep restarts quick.
        grpcShutdownTimeSeconds: 3,
      },
      null,
      2,
    ),
  );
}

async function listen(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}

/** Free ports; the broker's needs its port - 2 free too (its "fast" remoting server). */
async function pickPorts(): Promise<RocketMQPorts> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const held: net.Server[] = [];
    try {
      const grab = async (port = 0) => {
        const server = await listen(port);
        if (!server) return undefined;
        held.push(server);
        return (server.address() as net.AddressInfo).port;
      };
      const broker = await grab();
      if (!broker || broker < 1026 || !(await grab(broker - 2))) continue;
      const [namesrv, grpc, proxyRemoting, brokerHa] = [await grab(), await grab(), await grab(), await grab()];
      if (namesrv && grpc && proxyRemoting && brokerHa) return { namesrv, grpc, proxyRemoting, broker, brokerHa };
    } finally {
      await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    }
  }
  throw new Error('could not find free ports for RocketMQ');
}

async function waitForPort(port: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for port ${port}`);
    await delay(200);
  }
}

/** Waits until the proxy serves a route for the topic: a real client's startup (which fetches
 *  the topic's route over gRPC) succeeds. */
async function waitForRoute(endpoint: string, topic: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const producer = new Producer({ endpoints: endpoint, namespace: '', topic, logger: silentLogger, requestTimeout: 5000 });
    try {
      await producer.startup();
      await producer.shutdown().catch(() => {});
      return;
    } catch (error) {
      await producer.shutdown().catch(() => {});
      if (Date.now() > deadline) throw new Error(`the proxy at ${endpoint} serves no route for ${topic}: ${String(error)}`);
      await delay(500);
    }
  }
}

const silentLogger: ILogger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

function run(
  command: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: `${output}\n${String(error)}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function delay(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
