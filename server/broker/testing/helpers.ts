/**
 * Test helpers: an in-process Broker on port 0, MQTT.js clients, and a raw-socket client for
 * protocol-level checks. Every wait has a timeout so a broken broker fails a test instead of
 * hanging the suite.
 */
import net from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Broker, type BrokerOptions } from '../broker';
import type { InstanceOptions } from '../instance';
import { RawPacketClient } from './raw-packets';
import { withTimeout } from './timeout';

export const HOST = '127.0.0.1';

export interface TestBroker {
  broker: Broker;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startBroker(options: BrokerOptions & { instance?: InstanceOptions; instanceId?: string } = {}): Promise<TestBroker> {
  const broker = new Broker(options);
  const instanceId = options.instanceId ?? 'default';
  if (options.instance) broker.addInstance(instanceId, options.instance);
  const { port } = await broker.listen({ port: 0, host: HOST, instanceId });
  return { broker, port, url: `mqtt://${HOST}:${port}`, close: () => broker.close() };
}

const inboxes = new WeakMap<MqttClient, Inbox>();

/**
 * Connects an MQTT.js client (no automatic reconnect) and waits for CONNACK. Its Inbox
 * (inboxOf) listens from the start: messages resent right after CONNACK are not missed.
 */
export async function connectClient(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect({ host: HOST, port, reconnectPeriod: 0, connectTimeout: 5000, ...options });
  inboxes.set(client, new Inbox(client));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      client.end(true);
      reject(err);
    };
    client.once('connect', () => {
      client.off('error', onError);
      resolve();
    });
    client.once('error', onError);
  });
  return client;
}

/** Every message the client received since it connected. */
export function inboxOf(client: MqttClient): Inbox {
  const inbox = inboxes.get(client);
  if (!inbox) throw new Error('client not made by connectClient');
  return inbox;
}

/** Polls a condition the broker reaches asynchronously (e.g. after a socket's close event). */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Received {
  topic: string;
  payload: Buffer;
  packet: mqtt.IPublishPacket;
}

/** Collects every message a client receives, with a way to wait for the next n. */
export class Inbox {
  readonly messages: Received[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload, packet });
      this.waiters = this.waiters.filter((w) => {
        if (this.messages.length >= w.n) {
          w.resolve();
          return false;
        }
        return true;
      });
    });
  }

  /** Waits until `count` messages in total have arrived. */
  async waitFor(count: number, timeoutMs = 3000): Promise<Received[]> {
    if (this.messages.length < count) {
      await withTimeout(
        new Promise<void>((resolve) => this.waiters.push({ n: count, resolve })),
        timeoutMs,
        `waiting for ${count} messages, have ${this.messages.length}`,
      );
    }
    return this.messages;
  }
}

export { withTimeout };

/**
 * Proves a negative without a fixed sleep: a round trip through the broker on the same
 * connection (PINGREQ → PINGRESP, or a QoS 1 publish on a private topic) orders after anything
 * the broker had already queued for that client.
 */
export async function roundTrip(client: MqttClient): Promise<void> {
  await client.publishAsync(`$roundtrip/${client.options.clientId}`, '', { qos: 1 });
}

export function endClient(client: MqttClient): Promise<void> {
  return client.endAsync();
}

/** A socket that speaks MQTT packet by packet, for protocol-level tests. */
export class RawClient extends RawPacketClient {
  private constructor(readonly socket: net.Socket, protocolVersion: number) {
    super(protocolVersion, 'raw-', 'connection');
    socket.on('data', (d) => this.received(d));
    socket.on('error', () => {});
    socket.on('close', () => this.ended());
  }

  static connect(port: number, protocolVersion = 4): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, HOST, () => resolve(new RawClient(socket, protocolVersion)));
      socket.once('error', reject);
    });
  }

  sendRaw(bytes: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  close(): void {
    this.socket.destroy();
  }

  /**
   * An MQTT 5 subscriber of `filter` at QoS 1 with Receive Maximum 1 that acknowledges nothing
   * by itself: one delivery in flight, everything after it waits in its session queue.
   */
  static async slowSubscriber(port: number, clientId: string, filter: string): Promise<RawClient> {
    const sub = await RawClient.connect(port, 5);
    await sub.handshake({ clientId, properties: { receiveMaximum: 1 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] });
    await sub.next('suback');
    return sub;
  }
}
