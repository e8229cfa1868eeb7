/**
 * Aedes for the benchmark, in its own process: default options, in-memory persistence
 * (aedes-persistence's default), a plain TCP server with Nagle off like ours.
 *
 *   node --import tsx bench/brokers/aedes.ts [port]
 * Prints {"ready":true,"port":N} once listening.
 */
import net from 'node:net';
import { Aedes } from 'aedes';

async function main(): Promise<void> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer({ noDelay: true }, aedes.handle);
  // Connections reset by the load generator are expected; they must not be logged per client.
  aedes.on('clientError', () => {});
  aedes.on('connectionError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  console.log(JSON.stringify({ ready: true, port: address.port }));
  const shutdown = () => {
    server.close();
    aedes.close(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err) => {
  console.error('[bench aedes] failed to start:', err);
  process.exit(1);
});
