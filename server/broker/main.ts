/**
 * The broker process (spawned and supervised by the console, see server/supervisor/):
 * reads the instances from the database, opens their listeners, and keeps them in step with
 * the database: a change made in the console or the CLI is applied within a second, without
 * a restart. SIGTERM shuts down gracefully (MQTT 5 clients get DISCONNECT 0x8B).
 */
import type Database from 'better-sqlite3';
import { openDatabase } from '@/db/client';
import { instances, topicPermissions, type Instance, type TopicPermission } from '@/db/schema';
import { loadConfig } from '../config';
import type { BrokerMessage, ConsoleMessage, ListenerStatus } from '../supervisor/control-messages';
import { Broker } from './broker';
import { controlMethods } from './control/methods';
import { topicPermissionPolicy } from './policy/topic-permissions';
import { loadOrCreateCertificate } from './tls/certificate';
import { SqlitePersistence } from './store/sqlite';

type ListenerKind = ListenerStatus['kind'];
const KINDS: readonly ListenerKind[] = ['tcp', 'tls', 'ws', 'wss'];
const portOf = (instance: Instance, kind: ListenerKind): number =>
  ({ tcp: instance.tcpPort, tls: instance.tlsPort, ws: instance.wsPort, wss: instance.wssPort })[kind];

/** How often the database is checked for changes made by another process (the CLI). */
const POLL_MS = 500;

const send = (msg: BrokerMessage) => process.send?.(msg);

async function main(): Promise<void> {
  const config = loadConfig();
  const bindHost = config.brokerBind;
  const db = openDatabase(config.dataDir);
  const sqlite: Database.Database = db.$client;
  const tls = await loadOrCreateCertificate(config.dataDir, { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile });
  const persistence = new SqlitePersistence(config.dataDir);
  const broker = new Broker({ persistence });

  /** What each listener is bound to now, to tell what changed. */
  const bound = new Map<string, { port: number; error: string | null }>();
  const key = (id: string, kind: ListenerKind) => `${id}/${kind}`;
  let lastVersion = -1;
  let reconciling: Promise<void> | null = null;
  let again = false;

  async function reconcile(): Promise<void> {
    const rows = db.select().from(instances).all();
    const rulesOf = new Map<string, TopicPermission[]>();
    for (const rule of db.select().from(topicPermissions).all()) {
      const list = rulesOf.get(rule.instanceId);
      if (list) list.push(rule);
      else rulesOf.set(rule.instanceId, [rule]);
    }
    const wanted = new Set(rows.map((r) => r.id));
    for (const id of broker.instanceIds) {
      if (!wanted.has(id)) {
        // The instance was deleted: disconnect its clients and drop its stored sessions.
        await broker.removeInstance(id, { destroy: true });
        for (const kind of KINDS) bound.delete(key(id, kind));
      }
    }
    for (const row of rows) {
      // Until the product's authentication lands, every instance behaves as in open mode,
      // restricted by its topic permissions (rebuilt on every change of the database).
      broker.addInstance(row.id, {
        settings: { maxKeepAlive: row.maxKeepAlive },
        policy: topicPermissionPolicy(rulesOf.get(row.id) ?? []),
      });
      for (const kind of KINDS) {
        const port = portOf(row, kind);
        const current = bound.get(key(row.id, kind));
        if (current && current.port === port && current.error === null) continue;
        if (current && current.error === null) await broker.closeListener(row.id, kind);
        try {
          await broker.listen({
            instanceId: row.id,
            kind,
            port,
            host: bindHost,
            tls: kind === 'tls' || kind === 'wss' ? tls : undefined,
          });
          bound.set(key(row.id, kind), { port, error: null });
        } catch (err) {
          const message = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${port} is in use` : String(err);
          bound.set(key(row.id, kind), { port, error: message });
        }
      }
    }
  }

  function listenerStatus(): ListenerStatus[] {
    return [...bound.entries()].map(([k, v]) => {
      const [instanceId, kind] = k.split('/') as [string, ListenerKind];
      return { instanceId, kind, port: v.port, error: v.error };
    });
  }

  /** Runs reconcile when the database changed (or when forced), one run at a time. */
  async function refresh(force = false): Promise<void> {
    const version = sqlite.pragma('data_version', { simple: true }) as number;
    if (!force && version === lastVersion) return;
    lastVersion = version;
    if (reconciling) {
      again = true;
      return reconciling;
    }
    reconciling = (async () => {
      do {
        again = false;
        await reconcile();
      } while (again);
    })().finally(() => {
      reconciling = null;
    });
    await reconciling;
    send({ type: 'listeners', listeners: listenerStatus() });
  }

  await refresh(true);
  send({ type: 'ready', listeners: listenerStatus() });
  const poll = setInterval(() => void refresh().catch(logError), POLL_MS);

  process.on('message', (raw) => {
    const msg = raw as ConsoleMessage;
    if (msg.type === 'reload') void refresh(true).catch(logError);
    else if (msg.type === 'request') {
      const method = Object.hasOwn(controlMethods, msg.method) ? controlMethods[msg.method] : undefined;
      Promise.resolve()
        .then(() => {
          if (!method) throw new Error(`unknown method ${msg.method}`);
          return method(broker, msg.params);
        })
        .then(
          (result) => send({ type: 'reply', id: msg.id, ok: true, result }),
          (err: unknown) => send({ type: 'reply', id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
        );
    }
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(poll);
    console.log(`[broker] ${signal}: disconnecting clients and saving state`);
    await broker.close();
    persistence.close();
    sqlite.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // The console went away (it owns us): stop too.
  process.on('disconnect', () => void shutdown('console disconnected'));
}

function logError(err: unknown): void {
  console.error('[broker]', err);
}

main().catch((err) => {
  console.error('[broker] failed to start:', err);
  process.exit(1);
});
