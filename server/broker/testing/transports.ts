/**
 * Test helpers for the four transports: a broker with TCP, TLS, WebSocket and secure
 * WebSocket listeners on one instance (self-signed certificate in a temporary directory),
 * MQTT.js options per transport, and a raw WebSocket client for protocol-level checks.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { IClientOptions } from 'mqtt';
import WebSocket from 'ws';
import { Broker, type BrokerOptions } from '../broker';
import type { InstanceOptions } from '../instance';
import { LISTENER_KINDS, type ListenerKind } from '../listeners/types';
import { loadOrCreateCertificate, type ServerCertificate } from '../tls/certificate';
import { HOST } from './helpers';
import { RawPacketClient } from './raw-packets';

export interface MultiBroker {
  broker: Broker;
  instanceId: string;
  ports: Record<ListenerKind, number>;
  certificate: ServerCertificate;
  close(): Promise<void>;
}

let certificate: Promise<ServerCertificate> | null = null;

/** One self-signed certificate per test process (generating an RSA key takes a moment). */
export function testCertificate(): Promise<ServerCertificate> {
  certificate ??= (async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'magpie-tls-'));
    const cert = await loadOrCreateCertificate(dir);
    await fs.rm(dir, { recursive: true, force: true });
    return cert;
  })();
  return certificate;
}

export async function startMultiBroker(
  options: BrokerOptions & { instance?: InstanceOptions; instanceId?: string } = {},
): Promise<MultiBroker> {
  const broker = new Broker(options);
  const instanceId = options.instanceId ?? 'default';
  if (options.instance) broker.addInstance(instanceId, options.instance);
  const cert = await testCertificate();
  const ports = {} as Record<ListenerKind, number>;
  for (const kind of LISTENER_KINDS) {
    const tls = kind === 'tls' || kind === 'wss' ? cert : undefined;
    ({ port: ports[kind] } = await broker.listen({ instanceId, kind, port: 0, host: HOST, tls }));
  }
  return { broker, instanceId, ports, certificate: cert, close: () => broker.close() };
}

/** MQTT.js options reaching the broker through one transport (for connectClient). */
export function via(kind: ListenerKind, mb: MultiBroker, options: IClientOptions = {}): IClientOptions {
  const port = mb.ports[kind];
  switch (kind) {
    case 'tcp':
      return { protocol: 'mqtt', port, ...options };
    case 'tls':
      return { protocol: 'mqtts', port, rejectUnauthorized: false, ...options };
    case 'ws':
      return { protocol: 'ws', port, path: '/mqtt', ...options };
    case 'wss':
      return { protocol: 'wss', port, path: '/mqtt', rejectUnauthorized: false, ...options };
  }
}

/** A WebSocket that speaks MQTT packet by packet: one message per send unless told otherwise. */
export class RawWsClient extends RawPacketClient {
  closeCode = 0;

  private constructor(
    readonly ws: WebSocket,
    protocolVersion: number,
  ) {
    super(protocolVersion, 'rawws-', 'WebSocket');
    ws.on('message', (data: Buffer) => this.received(data));
    ws.on('error', () => {});
    ws.on('close', (code) => {
      this.closeCode = code;
      this.ended();
    });
  }

  static connect(url: string, protocolVersion = 4, protocols: string | string[] = 'mqtt', options: WebSocket.ClientOptions = {}): Promise<RawWsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { rejectUnauthorized: false, ...options });
      ws.once('open', () => resolve(new RawWsClient(ws, protocolVersion)));
      ws.once('error', reject);
    });
  }

  /** Sends bytes as one binary message. */
  sendRaw(bytes: Buffer | number[]): void {
    this.ws.send(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The HTTP status a WebSocket handshake is refused with (rejects if it is accepted). */
export function refusedStatus(url: string, protocols?: string | string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { rejectUnauthorized: false });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error(`handshake to ${url} was accepted (protocol "${ws.protocol}")`));
    });
    ws.on('error', reject);
  });
}
