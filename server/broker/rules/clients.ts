/**
 * RocketMQ clients for a cluster (rocketmq-client-nodejs, gRPC to the cluster's proxy). Their
 * own log would go to ~/logs/rocketmq; failures already reach the rule's stats (lastError),
 * so the clients log nothing.
 */
import { Producer, SimpleConsumer, type ILogger } from 'rocketmq-client-nodejs';
import './client-guard';
import type { ClusterConfig } from './types';

const quiet: ILogger = { info() {}, warn() {}, error() {}, debug() {} };

/** Per RPC; a send to an unreachable proxy fails after this. */
const REQUEST_TIMEOUT_MS = 3000;

function base(cluster: ClusterConfig) {
  return {
    endpoints: cluster.endpoints,
    namespace: cluster.namespace,
    sessionCredentials:
      cluster.accessKey !== null && cluster.accessKey !== '' ? { accessKey: cluster.accessKey, accessSecret: cluster.secretKey ?? '' } : undefined,
    requestTimeout: REQUEST_TIMEOUT_MS,
    logger: quiet,
  };
}

export function createProducer(cluster: ClusterConfig, topics: string[] = []): Producer {
  // maxAttempts 1: the rule's sender retries itself (in order, with its buffer).
  return new Producer({ ...base(cluster), topics, maxAttempts: 1 });
}

/**
 * The consumer group of an inflow rule. RocketMQ 5 group names allow `[%|a-zA-Z0-9_-]`, up to
 * 255 characters: instance IDs and rule IDs only use `[a-zA-Z0-9_-]`.
 */
export function consumerGroupOf(instanceId: string, ruleId: string): string {
  return `GID_magpie_${instanceId}_${ruleId}`;
}

/** The tag RocketMQ producers put on messages for MQTT (the cloud's demo: `new Message(parentTopic, "MQ2MQTT", ...)`). */
export const INFLOW_TAG = 'MQ2MQTT';

/** Long polling per receive: short enough that a disabled rule stops within a few seconds. */
export const RECEIVE_AWAIT_MS = 2000;

export function createConsumer(cluster: ClusterConfig, group: string, topic: string): SimpleConsumer {
  return new SimpleConsumer({
    ...base(cluster),
    consumerGroup: group,
    subscriptions: new Map([[topic, INFLOW_TAG]]),
    awaitDuration: RECEIVE_AWAIT_MS,
  });
}

/**
 * The client's startup has no deadline of its own (it waits for the proxy's first settings
 * forever, with its timers armed): give up after this, shut it down (clearing those timers) and
 * let the rule retry.
 */
const STARTUP_TIMEOUT_MS = 15_000;

interface Client {
  startup(): Promise<unknown>;
  shutdown(): Promise<unknown>;
}

/** Starts a client within the timeout; a failed or late one is shut down and the error thrown. */
export async function startClient<T extends Client>(client: T, timeoutMs = STARTUP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.startup(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`RocketMQ client did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return client;
  } catch (err) {
    await shutdownQuietly(client);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Shuts a client down without letting its failure (an unreachable proxy) escape. */
export async function shutdownQuietly(client: { shutdown(): Promise<unknown> } | null): Promise<void> {
  if (!client) return;
  try {
    await client.shutdown();
  } catch {
    // nothing to do: the client is gone either way
  }
}
