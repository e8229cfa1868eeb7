/** Plain MQTT over TCP: every accepted socket becomes a Connection of the listener's instance. */
import net from 'node:net';
import type { BrokerInstance } from '../instance';
import { Connection, onConnectionBytes } from '../protocol/connection';
import { acceptWithStaticReads } from './static-reads';
import { closeServer, disconnectClients, listenServer, type Listener, type ListenOptions } from './types';

export type { ListenOptions } from './types';

export class TcpListener implements Listener {
  readonly kind = 'tcp' as const;
  private readonly server: net.Server;

  constructor(readonly instance: BrokerInstance) {
    this.server = net.createServer({ noDelay: true }, (socket) => {
      new Connection(socket, this.instance, this);
    });
    // A failing accept (e.g. EMFILE) must not take the process down.
    this.server.on('error', (err) => {
      if (this.server.listening) console.error(`broker: tcp listener of ${instance.id} failed`, err); // before that, listen() rejects
    });
  }

  async listen(options: ListenOptions): Promise<net.AddressInfo> {
    const address = await listenServer(this.server, options);
    acceptWithStaticReads(this.server, onConnectionBytes);
    return address;
  }

  address(): net.AddressInfo | null {
    return this.server.address() as net.AddressInfo | null;
  }

  async close(): Promise<void> {
    const closed = closeServer(this.server);
    await disconnectClients(this);
    await closed;
  }
}
