/**
 * The broker process (spawned and supervised by the console, see server/supervisor/):
 * reads the instances from the database, opens their listeners, and keeps them in step with
 * the database: a change made in the console or the CLI is applied within a second, without
 * a restart. SIGTERM shuts down gracefully (MQTT 5 clients get DISCONNECT 0x8B).
 */
import type Database from 'better-sqlite3';
import { eq, inArray } from 'drizzle-orm';
import { openDatabase } from '@/db/client';
import { accessKeys, instances, rocketmqClusters, rules, type Instance } from '@/db/schema';
import { loadConfig } from '../config';
import { openSecretBox } from '../crypto/secret-box';
import { brokerHttpHandler } from '../http/broker-http';
import type { BrokerMessage, ConsoleMessage, ListenerStatus } from '../supervisor/control-messages';
import { Broker } from './broker';
import { controlMethods } from './control/methods';
import { instanceSettings } from './policy/instance-settings';
import { ProductPolicy } from './policy/product-policy';
import { SnapshotLoader } from './policy/snapshot';
import { CertificateError, loadOrCreateCertificate, type ServerCertificate } from './tls/certificate';
import { SqlitePersistence } from './store/sqlite';
import { RuleEngine, setRuleEngine } from './rules/engine';
import type { ClusterConfig } from './rules/types';
import { setMessageIdNode } from './message';
import { tuneBrokerProcess } from './process-tuning';
import { readRetentionDays } from '../telemetry/settings';
import { TelemetryWriter } from '../telemetry/writer';

type ListenerKind = ListenerStatus['kind'];
const KINDS: readonly ListenerKind[] = ['tcp', 'tls', 'ws', 'wss'];
const portOf = (instance: Instance, kind: ListenerKind): number =>
  ({ tcp: instance.tcpPort, tls: instance.tlsPort, ws: instance.wsPort, wss: instance.wssPort })[kind];

/** How often the database is checked for changes made by another process (the CLI). */
const POLL_MS = 500;
/** How often the AccessKeys clients authenticated with are marked used (accessKeys.lastUsedAt). */
const USED_KEYS_FLUSH_MS = 5000;
/**
 * A listener that could not open (its port was taken, or the TLS certificate could not be
 * loaded) is tried again this often, whether or not anything changed.
 */
const LISTEN_RETRY_MS = 5000;

const send = (msg: BrokerMessage) => process.send?.(msg);

async function main(): Promise<void> {
  tuneBrokerProcess();
  const config = loadConfig();
  const bindHost = config.brokerBind;
  const db = openDatabase(config.dataDir);
  const sqlite: Database.Database = db.$client;
  const persistence = new SqlitePersistence(config.dataDir);
  // Trace events and samples go to <dataDir>/telemetry.db from a worker thread (server/telemetry/).
  const telemetry = TelemetryWriter.tryOpen(config.dataDir, { retentionDays: readRetentionDays(db) });
  if (telemetry) setMessageIdNode(telemetry.nodeId);
  const broker = new Broker({ persistence, telemetry: telemetry ?? undefined });
  telemetry?.startSampling(broker, config.telemetrySampleMs);
  // The client status API on every instance's ws/wss ports.
  broker.setHttpHandler(brokerHttpHandler(db, config, broker));

  /** What each listener is bound to now, to tell what changed. */
  const bound = new Map<string, Pick<ListenerStatus, 'port' | 'error' | 'code'>>();
  const key = (id: string, kind: ListenerKind) => `${id}/${kind}`;
  let lastVersion = -1;
  let reconciling: Promise<void> | null = null;
  let again = false;

  /** Each instance's product policy (authentication, groups, parent topics, tokens, permissions). */
  const loader = new SnapshotLoader(openSecretBox(config.dataDir));
  const policies = new Map<string, ProductPolicy>();
  // RocketMQ rules (rules/engine.ts): producers and consumers follow the rules table.
  const secrets = openSecretBox(config.dataDir);
  const ruleEngine = new RuleEngine(config.dataDir);
  setRuleEngine(ruleEngine);
  ruleEngine.readCluster = (id) => {
    const row = db.select().from(rocketmqClusters).where(eq(rocketmqClusters.id, id)).get();
    return row ? clusterConfig(row) : undefined;
  };

  /**
   * The certificate of the TLS and WSS listeners. While it cannot be loaded (the user's files
   * are missing or wrong, say) those listeners report why and the others serve: a broker that
   * exited instead would be restarted forever with the reason only in a log. It is tried again
   * with every retry of the failed listeners, so fixing the files is enough.
   */
  let certificate: ServerCertificate | null = null;
  let certificateError: string | null = null;
  async function loadCertificate(): Promise<void> {
    if (certificate) return;
    try {
      certificate = await loadOrCreateCertificate(config.dataDir, { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile });
      certificateError = null;
    } catch (err) {
      const message = err instanceof CertificateError ? err.message : `TLS: ${String(err)}`;
      if (message !== certificateError) logError(message);
      certificateError = message;
    }
  }

  async function reconcile(): Promise<void> {
    telemetry?.setRetentionDays(readRetentionDays(db));
    // One read transaction: the instances and everything their policies need, consistent.
    const { rows, snapshots, clusterRows, ruleRows } = sqlite.transaction(() => ({
      rows: db.select().from(instances).all(),
      snapshots: loader.load(db),
      clusterRows: db.select().from(rocketmqClusters).all(),
      ruleRows: db.select().from(rules).all(),
    }))();
    // Settings and policies first, all in this same turn: the snapshot is applied while it is
    // current (a client authenticated later was judged by a newer database).
    for (const row of rows) {
      const snapshot = snapshots.get(row.id)!;
      let policy = policies.get(row.id);
      if (!policy) {
        policy = new ProductPolicy(snapshot);
        policies.set(row.id, policy);
      }
      const instance = broker.addInstance(row.id, {
        // The product's instance limits, in every mode (protocol/handlers).
        settings: instanceSettings(row),
        policy,
      });
      policy.bind(instance);
      // Takes effect for new connections, and closes accepted ones whose key, credential or token was revoked.
      policy.update(snapshot);
    }
    const wanted = new Set(rows.map((r) => r.id));
    for (const id of broker.instanceIds) {
      if (!wanted.has(id)) {
        // The instance was deleted: disconnect its clients and drop its stored sessions.
        policies.get(id)?.dispose();
        policies.delete(id);
        await broker.removeInstance(id, { destroy: true });
        for (const kind of KINDS) bound.delete(key(id, kind));
      }
    }
    ruleEngine.apply(broker, clusterRows.map(clusterConfig), ruleRows);
    await loadCertificate();
    for (const row of rows) {
      for (const kind of KINDS) {
        const port = portOf(row, kind);
        const current = bound.get(key(row.id, kind));
        if (current && current.port === port && current.error === null) continue;
        if (current && current.error === null) await broker.closeListener(row.id, kind);
        const tls = kind === 'tls' || kind === 'wss' ? certificate : undefined;
        if (tls === null) {
          bound.set(key(row.id, kind), { port, error: certificateError, code: 'CERTIFICATE' });
          continue;
        }
        try {
          await broker.listen({
            instanceId: row.id,
            kind,
            port,
            host: bindHost,
            tls,
          });
          bound.set(key(row.id, kind), { port, error: null });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          bound.set(key(row.id, kind), { port, error: code === 'EADDRINUSE' ? `port ${port} is in use` : String(err), code });
        }
      }
    }
  }

  /** A cluster row with its secret opened (an unreadable secret leaves the cluster without credentials, and its rules fail visibly). */
  function clusterConfig(row: typeof rocketmqClusters.$inferSelect): ClusterConfig {
    let secretKey: string | null = null;
    if (row.secretEncrypted) {
      try {
        secretKey = secrets.open(row.secretEncrypted);
      } catch (err) {
        logError(err);
      }
    }
    return { id: row.id, endpoints: row.endpoints, namespace: row.namespace, accessKey: row.accessKey, secretKey };
  }

  function listenerStatus(): ListenerStatus[] {
    return [...bound.entries()].map(([k, v]) => {
      const [instanceId, kind] = k.split('/') as [string, ListenerKind];
      return { instanceId, kind, ...v };
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
  let listenRetryAt = Date.now() + LISTEN_RETRY_MS;
  const poll = setInterval(() => {
    // Whatever took a port may let go of it: no one should have to edit an instance to get its listener back.
    let retry = false;
    if (Date.now() >= listenRetryAt) {
      listenRetryAt = Date.now() + LISTEN_RETRY_MS;
      retry = [...bound.values()].some((b) => b.error !== null);
    }
    void refresh(retry).catch(logError);
  }, POLL_MS);
  // accessKeys.lastUsedAt, batched: one UPDATE every few seconds for the keys clients used.
  const markUsed = setInterval(() => {
    const used = new Set<string>();
    for (const policy of policies.values()) for (const id of policy.takeUsedKeys()) used.add(id);
    if (used.size === 0) return;
    try {
      db.update(accessKeys).set({ lastUsedAt: Date.now() }).where(inArray(accessKeys.id, [...used])).run();
    } catch (err) {
      logError(err);
    }
  }, USED_KEYS_FLUSH_MS);

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
    clearInterval(markUsed);
    for (const policy of policies.values()) policy.dispose();
    console.log(`[broker] ${signal}: disconnecting clients and saving state`);
    await broker.close();
    // After the clients: their last status events are in the outbox (sent on the next start).
    await ruleEngine.stop().catch(logError);
    persistence.close();
    await telemetry?.close(); // what is buffered (the last second, the clients' close events)
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
