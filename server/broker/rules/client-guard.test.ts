/**
 * client-guard.ts: a RocketMQ client that has shut down opens no new connection, even when a
 * call of its own (a receive or acknowledgement still on its way) comes after the shutdown;
 * and a client shut down while its proxy cannot be reached still lets go of everything.
 * The "proxy" is a plain TCP server that counts the connections it gets: connecting is all
 * this is about, no RocketMQ is needed.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { createProducer } from './clients';
import type { ClusterConfig } from './types';

let server: net.Server;
let connections = 0;
let cluster: ClusterConfig;

before(async () => {
  server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  cluster = { id: 0, endpoints: `127.0.0.1:${port}`, namespace: '', accessKey: null, secretKey: null };
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A heartbeat through the client's own RPC manager, as its timers and loops make them. */
async function heartbeat(producer: ReturnType<typeof createProducer>): Promise<string> {
  const client = producer as unknown as { endpoints: unknown; wrapHeartbeatRequest(): unknown };
  const manager = producer.getRpcClientManager() as unknown as { heartbeat(e: unknown, r: unknown, ms: number): Promise<unknown> };
  return manager.heartbeat(client.endpoints, client.wrapHeartbeatRequest(), 1000).then(
    () => 'ok',
    (err: Error) => err.message,
  );
}

test('a live client connects to the proxy for a call', async () => {
  const producer = createProducer(cluster);
  const before = connections;
  try {
    const result = await heartbeat(producer);
    assert.match(result, /UNAVAILABLE/, 'the fake proxy speaks no gRPC');
    assert.ok(connections > before, 'the call reached the proxy');
  } finally {
    await producer.shutdown();
  }
});

test('a call after the client has shut down fails at once and opens no connection', async () => {
  const producer = createProducer(cluster);
  await producer.shutdown();
  const before = connections;
  const result = await heartbeat(producer);
  assert.match(result, /already shut down/);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(connections, before, 'no connection from a client that has shut down');
});

test('a client shut down while its proxy cannot be reached still closes its connections and timers', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const baseline = timers();
  const producer = createProducer(cluster);
  assert.ok(timers() > baseline, 'a new client arms its timers');
  // As if it had learnt a route before the proxy went away: shutdown() then tells that endpoint
  // it is going, and the fake proxy (no gRPC) makes that notice fail.
  const client = producer as unknown as { endpoints: unknown; getTotalRouteEndpoints(): unknown[] };
  client.getTotalRouteEndpoints = () => [client.endpoints];
  await producer.shutdown();
  assert.equal(timers(), baseline, 'no timer of the client keeps the process alive');
  assert.match(await heartbeat(producer), /already shut down/, 'its RPC manager is closed');
});
