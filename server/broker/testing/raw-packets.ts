/**
 * What the raw protocol-level test clients (RawClient over TCP, RawWsClient over WebSocket)
 * share: packets are encoded and parsed with mqtt-packet, the packets the broker sent wait in a
 * queue until a test takes them, and the close of the connection is awaited. Subclasses carry
 * the bytes: they call `received()` with what arrives, `ended()` when the connection closes,
 * and implement `sendRaw()`.
 */
import { generate, parser as createParser, type IConnectPacket, type Packet } from 'mqtt-packet';
import { withTimeout } from './timeout';

export abstract class RawPacketClient {
  private readonly packets: Packet[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private readonly parser;

  constructor(
    readonly protocolVersion: number,
    /** Client IDs of handshake() start with it (`raw-`, `rawws-`). */
    private readonly clientIdPrefix: string,
    /** What is closed, for the waitClose() error: "connection", "WebSocket". */
    private readonly what: string,
  ) {
    this.parser = createParser({ protocolVersion });
    this.parser.on('packet', (p: Packet) => {
      this.packets.push(p);
      this.wake();
    });
    this.parser.on('error', () => {});
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Bytes as they leave: one write (TCP) or one binary message (WebSocket). */
  abstract sendRaw(bytes: Buffer | number[]): void;

  abstract close(): void;

  protected received(data: Buffer): void {
    this.parser.parse(data);
  }

  protected ended(): void {
    this.closed = true;
    this.wake();
    this.resolveClosed();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Encodes a packet (not sent). */
  encode(packet: Packet): Buffer {
    return generate(packet, { protocolVersion: this.protocolVersion });
  }

  send(packet: Packet): void {
    this.sendRaw(this.encode(packet));
  }

  /** A CONNECT of this client's protocol version, clean, without keep-alive, a random client ID. */
  connectPacket(connect: Partial<IConnectPacket> = {}): IConnectPacket {
    return {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: this.protocolVersion as 4 | 5,
      clean: true,
      clientId: `${this.clientIdPrefix}${Math.random().toString(36).slice(2, 10)}`,
      keepalive: 0,
      ...connect,
    } as IConnectPacket;
  }

  /** Sends CONNECT and returns the CONNACK. */
  async handshake(connect: Partial<IConnectPacket> = {}): Promise<Packet> {
    this.send(this.connectPacket(connect));
    return this.next('connack');
  }

  /** The next packet (optionally of a given type; others before it are skipped and kept). */
  async next(cmd?: Packet['cmd'], timeoutMs = 3000): Promise<Packet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = cmd ? this.packets.findIndex((p) => p.cmd === cmd) : this.packets.length > 0 ? 0 : -1;
      if (i !== -1) return this.packets.splice(i, 1)[0];
      if (this.closed) throw new Error(`connection closed while waiting for ${cmd ?? 'a packet'}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${cmd ?? 'a packet'}`);
      await withTimeout(new Promise<void>((r) => this.waiters.push(r)), left, `waiting for ${cmd ?? 'a packet'}`).catch(() => {});
    }
  }

  /** Packets received so far and not yet taken. */
  pending(): Packet[] {
    return [...this.packets];
  }

  /** Resolves when the broker closes the connection; rejects after the timeout. */
  waitClose(timeoutMs = 3000): Promise<void> {
    return withTimeout(this.closedPromise, timeoutMs, `waiting for the broker to close the ${this.what}`);
  }
}
