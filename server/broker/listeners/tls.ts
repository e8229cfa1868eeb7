/**
 * MQTT over TLS: the same Connection as TCP, on the decrypted socket. A client becomes a
 * Connection once its handshake is done; handshakes are bounded by the connect timeout.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { BrokerInstance } from '../instance';
import { Connection } from '../protocol/connection';
import { closeServer, disconnectClients, listenServer, trackSocket, type Listener, type ListenOptions, type TlsCredentials } from './types';

export class TlsListener implements Listener {
  readonly kind = 'tls' as const;
  private readonly server: tls.Server;
  /** Raw sockets until they close, so that closing ends handshakes in progress too. */
  private readonly sockets = new Set<net.Socket>();
  private closing = false;

  constructor(
    readonly instance: BrokerInstance,
    credentials: TlsCredentials,
  ) {
    this.server = tls.createServer({
      key: credentials.key,
      cert: credentials.cert,
      noDelay: true,
      handshakeTimeout: instance.settings.connectTimeoutMs,
    });
    this.server.on('connection', (socket: net.Socket) => trackSocket(this.sockets, socket));
    this.server.on('secureConnection', (socket: tls.TLSSocket) => {
      if (this.closing) socket.destroy();
      else new Connection(socket, this.instance, this);
    });
    // Failed handshakes (plain TCP on the TLS port, an untrusted certificate…) are the
    // client's business; Node destroys the socket.
    this.server.on('tlsClientError', () => {});
    this.server.on('error', (err) => {
      if (this.server.listening) console.error(`broker: tls listener of ${instance.id} failed`, err); // before that, listen() rejects
    });
  }

  listen(options: ListenOptions): Promise<net.AddressInfo> {
    return listenServer(this.server, options);
  }

  address(): net.AddressInfo | null {
    return this.server.address() as net.AddressInfo | null;
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = closeServer(this.server);
    await disconnectClients(this);
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
