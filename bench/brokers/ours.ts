/**
 * Our broker for the benchmark, in its own process, as server/broker/main.ts runs it: one
 * open-mode instance with a TCP listener and SQLite persistence under the given directory.
 * (main.ts reads its instances from the console's database; here there is just one.)
 *
 * Open mode (the default policy, allowAll: no authentication, no Group ID or parent-topic
 * checks) and none of the product's instance limits, so the comparison with Mosquitto and
 * Aedes (configured without limits, bench/lib/brokers.ts) stays like for like: no message
 * TPS, connection, subscription, topic-length or payload limit, and no offline store limit
 * or retention (the product's defaults would drop the oldest waiting QoS 1/2 messages beyond
 * 100 000 per instance). Protocol settings keep the broker's defaults (maxInflight 1024,
 * maxPacketSize 1 MB, QoS 0 queue 1000 per session).
 *
 *   node --import tsx bench/brokers/ours.ts <dataDir> <port> [telemetry]
 * With `telemetry`, trace events and samples go to <dataDir>/telemetry.db as in main.ts.
 * Prints {"ready":true,"port":N} once listening; SIGTERM closes it gracefully.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../../server/broker/broker';
import { SqlitePersistence } from '../../server/broker/store/sqlite';
import { setMessageIdNode } from '../../server/broker/message';
import type { InstanceSettings } from '../../server/broker/settings';
import { TelemetryWriter } from '../../server/telemetry/writer';
import { tuneBrokerProcess } from '../../server/broker/process-tuning';

/** 0 = none, for each of the product's instance limits (settings.ts). */
const NO_PRODUCT_LIMITS: Partial<InstanceSettings> = {
  maxTps: 0,
  maxConnections: 0,
  maxSubscriptions: 0,
  maxSubscriptionsPerClient: 0,
  maxTopicLength: 0,
  maxPayloadBytes: 0,
  offlineStoreLimit: 0,
  offlineRetentionHours: 0,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  tuneBrokerProcess();
  const [dataDir, portArg, mode] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: ours.ts <dataDir> [port]');
  const persistence = new SqlitePersistence(dataDir, { migrationsFolder: path.join(root, 'db', 'broker-migrations') });
  const telemetry =
    mode === 'telemetry' ? TelemetryWriter.open(dataDir, { migrationsFolder: path.join(root, 'db', 'telemetry-migrations') }) : undefined;
  if (telemetry) setMessageIdNode(telemetry.nodeId);
  const broker = new Broker({ persistence, telemetry });
  telemetry?.startSampling(broker);
  const instanceId = 'mqtt-bench';
  broker.addInstance(instanceId, { settings: NO_PRODUCT_LIMITS });
  const address = await broker.listen({ instanceId, kind: 'tcp', port: Number(portArg ?? 0), host: '127.0.0.1' });
  console.log(JSON.stringify({ ready: true, port: address.port }));

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await broker.close();
    persistence.close();
    if (telemetry) {
      await telemetry.close();
      console.error(`[bench ours] telemetry: ${telemetry.dropped} trace events dropped (the writer fell behind)`);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

main().catch((err) => {
  console.error('[bench ours] failed to start:', err);
  process.exit(1);
});
