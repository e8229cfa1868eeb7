/**
 * Test fixture: the real broker process (server/broker/main.ts) under the real supervisor, on a
 * temporary data directory that holds one instance on free ports.
 */
import net from 'node:net';
import path from 'node:path';
import { instances, type Instance } from '@/db/schema';
import { newInstanceId } from '../../services/instances';
import { tempBackend, type TempBackend } from '../../testing/temp-backend';
import { BROKER_EXEC_ARGV } from '../../broker/process-tuning';
import { BrokerSupervisor } from '../broker-supervisor';

const entry = path.join(import.meta.dirname, '..', '..', 'broker', 'main.ts');

/** Four ports nothing listens on (the OS picks them). */
export async function freePorts(): Promise<Pick<Instance, 'tcpPort' | 'tlsPort' | 'wsPort' | 'wssPort'>> {
  const servers = await Promise.all(
    [0, 1, 2, 3].map(
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const [tcpPort, tlsPort, wsPort, wssPort] = servers.map((s) => (s.address() as net.AddressInfo).port) as [
    number,
    number,
    number,
    number,
  ];
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return { tcpPort, tlsPort, wsPort, wssPort };
}

/** Waits until `check` holds, polling; fails with `what` after the timeout. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Inserts an instance on free ports, as the console or the CLI would. */
export async function insertInstance(backend: TempBackend, name: string, values: Partial<Instance> = {}): Promise<Instance> {
  return backend.db
    .insert(instances)
    .values({
      id: newInstanceId(),
      name,
      maxConnections: 1000,
      maxTps: 1000,
      maxSubscriptions: 10000,
      openMode: true,
      ...(await freePorts()),
      ...values,
    })
    .returning()
    .get();
}

export interface BrokerProcess {
  backend: TempBackend;
  supervisor: BrokerSupervisor;
  /** The instance it serves from the start. */
  instance: Instance;
  stop(): Promise<void>;
}

/** `env`: more settings for the broker (MAGPIE_TLS_CERT_FILE, say); `instance`: the first instance's settings other than the defaults. */
export async function startBrokerProcess(env: Record<string, string> = {}, instance: Partial<Instance> = {}): Promise<BrokerProcess> {
  const backend = tempBackend();
  const first = await insertInstance(backend, 'first', instance);
  const supervisor = new BrokerSupervisor({
    entry,
    execArgv: [...BROKER_EXEC_ARGV],
    env: { ...process.env, MAGPIE_DATA_DIR: backend.dataDir, MAGPIE_BROKER_BIND: '127.0.0.1', ...env },
    log: () => {},
  });
  supervisor.start();
  await supervisor.whenRunning();
  return {
    backend,
    supervisor,
    instance: first,
    async stop() {
      await supervisor.stop();
      backend.cleanup();
    },
  };
}
