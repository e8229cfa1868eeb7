/**
 * "Test connection" for a RocketMQ cluster (the control method rocketmqTest): can the broker
 * process reach the proxy, do the credentials let a producer start, and — given a topic — does
 * it exist and take a message (tag `magpie-test`, property `magpieTest=true`).
 */
import net from 'node:net';
import { createProducer, shutdownQuietly, startClient } from './clients';
import type { ClusterConfig } from './types';

export interface Check {
  name: 'endpoint' | 'credentials' | 'topic';
  ok: boolean;
  detail: string;
}

const CONNECT_TIMEOUT_MS = 3000;

function reachable(hostPort: string): Promise<string | null> {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) return Promise.resolve(`not host:port: ${hostPort}`);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (error: string | null) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => done(`${hostPort}: no answer within ${CONNECT_TIMEOUT_MS} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (err) => done(`${hostPort}: ${err.message}`));
  });
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function testCluster(cluster: ClusterConfig, topic?: string): Promise<{ checks: Check[] }> {
  const checks: Check[] = [];
  const endpoints = cluster.endpoints.split(';').map((e) => e.trim()).filter((e) => e !== '');
  const errors = (await Promise.all(endpoints.map(reachable))).filter((e): e is string => e !== null);
  const endpointOk = endpoints.length > 0 && errors.length < endpoints.length;
  checks.push({
    name: 'endpoint',
    ok: endpointOk,
    detail: endpoints.length === 0 ? 'no endpoint configured' : errors.length === 0 ? `reachable: ${endpoints.join(', ')}` : errors.join('; '),
  });
  if (!endpointOk) return { checks };

  // Without a topic: a producer with no topics starts (the proxy answers, credentials accepted).
  const producer = createProducer(cluster, topic ? [topic] : []);
  try {
    // Short enough that the whole test answers within the console's 15 s.
    await startClient(producer, 8000);
    checks.push({ name: 'credentials', ok: true, detail: 'a producer started' });
  } catch (err) {
    // A producer with a topic fails on a missing topic too: say which it was when we can.
    const text = message(err);
    const topicProblem = topic !== undefined && /topic|route|not ?found/i.test(text);
    if (topicProblem) {
      checks.push({ name: 'credentials', ok: true, detail: 'the proxy answered' });
      checks.push({ name: 'topic', ok: false, detail: text });
    } else checks.push({ name: 'credentials', ok: false, detail: text });
    return { checks };
  }
  try {
    if (topic !== undefined) {
      try {
        const receipt = await producer.send({
          topic,
          tag: 'magpie-test',
          properties: new Map([['magpieTest', 'true']]),
          body: Buffer.from('magpie connection test'),
        });
        checks.push({ name: 'topic', ok: true, detail: `message ${receipt.messageId} accepted` });
      } catch (err) {
        checks.push({ name: 'topic', ok: false, detail: message(err) });
      }
    }
  } finally {
    await shutdownQuietly(producer);
  }
  return { checks };
}
