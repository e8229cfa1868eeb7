/**
 * What every listener (TCP, TLS, WebSocket, secure WebSocket) has in common, and the closing
 * sequence they share.
 */
import type net from 'node:net';
import type { BrokerInstance } from '../instance';
import type { Connection } from '../protocol/connection';
import { RC } from '../protocol/reason-codes';

export type ListenerKind = 'tcp' | 'tls' | 'ws' | 'wss';
export const LISTENER_KINDS: readonly ListenerKind[] = ['tcp', 'tls', 'ws', 'wss'];

export interface ListenOptions {
  port: number;
  host?: string;
}

/** PEM (or DER) key and certificate chain for the TLS and secure WebSocket listeners. */
export interface TlsCredentials {
  key: string | Buffer;
  cert: string | Buffer;
}

export interface Listener {
  readonly kind: ListenerKind;
  readonly instance: BrokerInstance;
  listen(options: ListenOptions): Promise<net.AddressInfo>;
  address(): net.AddressInfo | null;
  /**
   * Stops accepting, disconnects this listener's clients (MQTT 5: DISCONNECT 0x8B; clients
   * already closing are left to finish), and resolves once every socket it accepted is gone.
   */
  close(): Promise<void>;
}

/** How long closing clients may take to go before they are destroyed. */
const CLOSE_GRACE_MS = 2000;

/**
 * The client side of Listener.close(): asks every connection of the listener to go (a will
 * is published, as for any close the client did not ask for), then waits for them, destroying
 * stragglers after a grace period.
 */
export async function disconnectClients(listener: Listener): Promise<void> {
  const instance = listener.instance;
  const mine = (c: Connection) => c.listener === listener;
  for (const conn of [...instance.connections]) {
    if (mine(conn)) conn.closeWithReason(RC.serverShuttingDown, 'listener closed');
  }
  const deadline = Date.now() + CLOSE_GRACE_MS;
  const remaining = () => [...instance.connections].filter(mine);
  for (let left = remaining(); left.length > 0; left = remaining()) {
    const now = Date.now();
    if (now > deadline + 1000) return; // destroyed but no 'close' yet: nothing more to do
    if (now > deadline) for (const conn of left) conn.destroy();
    await new Promise((r) => setTimeout(r, 10));
  }
}

const TRACKED = Symbol('magpie.trackedIn');
type TrackedSocket = net.Socket & { [TRACKED]?: Set<net.Socket> };

/**
 * Remembers every raw socket a server accepted until it closes, so that closing the listener
 * can end those that never became a Connection (a TLS handshake or an HTTP request in
 * progress) instead of waiting for their timeouts.
 */
export function trackSocket(set: Set<net.Socket>, socket: net.Socket): void {
  (socket as TrackedSocket)[TRACKED] = set;
  set.add(socket);
  socket.once('close', onTrackedClose);
}

function onTrackedClose(this: TrackedSocket): void {
  this[TRACKED]?.delete(this);
}

/** Stops a server from accepting; resolves when it has closed (all its sockets gone). */
export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}

/** Binds a server, rejecting on the first error (EADDRINUSE…). */
export function listenServer(server: net.Server, { port, host }: ListenOptions): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as net.AddressInfo);
    });
  });
}
