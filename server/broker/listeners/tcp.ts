/** Plain MQTT over TCP: every accepted socket becomes a Connection of the listener's instance. */
import net from 'node:net';
import type { BrokerInstance } from '../instance';
import { Connection } from '../protocol/connection';

export interface ListenOptions {
  port: number;
  host?: string;
}

export class TcpListener {
  private readonly server: net.Server;

  constructor(readonly instance: BrokerInstance) {
    this.server = net.createServer({ noDelay: true }, (socket) => {
      new Connection(socket, this.instance);
    });
    // A failing accept (e.g. EMFILE) must not take the process down.
    this.server.on('error', (err) => console.error(`broker: listener of ${instance.id} failed`, err));
  }

  listen({ port, host }: ListenOptions): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  address(): net.AddressInfo | null {
    return this.server.address() as net.AddressInfo | null;
  }

  /** Stops accepting; connected clients are closed by the instance. */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
