/**
 * A WebSocket seen as the byte stream a Connection reads and writes (ConnectionSocket).
 *
 * In: every binary message is handed on as 'data'; the framer does not care where frames
 * begin, so one MQTT packet may span messages and one message may carry several packets.
 * A text message closes the connection [MQTT-6.0.0-1]. A message too large even to buffer
 * (over the WebSocket server's maxPayload, a little above what a maximum-size packet needs)
 * is the MQTT layer's to answer, like an oversize packet on TCP: `ws` found it and wants to
 * close with 1009, but MqttWebSocket hands it to the Connection instead, which sends MQTT 5
 * clients DISCONNECT 0x95 and then closes (see MqttWebSocket).
 *
 * Out: writes between cork() and uncork() (one batcher flush) leave as a single binary
 * message. `writableLength` is the WebSocket's bufferedAmount (what the TCP/TLS socket below
 * still holds), and 'drain' is emitted once every message handed to the WebSocket has been
 * written out, so a slow subscriber is held back exactly as on TCP.
 *
 * Like Connection, no closures per socket except the one send callback.
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import WebSocket, { type RawData } from 'ws';
import type { ConnectionSocket } from '../protocol/connection';

const ADAPTER = Symbol('magpie.wsSocket');
type TaggedWebSocket = WebSocket & { [ADAPTER]?: WebSocketSocket };

/** Close code for a text frame (RFC 6455 1003: unsupported data). */
const CLOSE_UNSUPPORTED_DATA = 1003;
/** Close code `ws` uses for a message over its maxPayload (RFC 6455 1009: message too big). */
const CLOSE_MESSAGE_TOO_BIG = 1009;

/** Who decides about a message too large to read: the Connection (its FrameSink side). */
export interface OversizeSink {
  onOversize(): void;
}

/**
 * The WebSocket class of the server (WebSocketServer option `WebSocket`). When `ws` refuses a
 * message over maxPayload, it stops reading and calls close(1009) at once, before its 'error'
 * event, so nothing could be sent any more. Here that close is left to the MQTT layer instead:
 * the Connection writes its DISCONNECT (0x95 for MQTT 5; nothing for 3.1.1) and ends, which
 * closes the WebSocket (1000) after it. Nothing more is read from the socket meanwhile.
 */
export class MqttWebSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    if (code === CLOSE_MESSAGE_TOO_BIG && this.readyState === WebSocket.OPEN) {
      const adapter = (this as TaggedWebSocket)[ADAPTER];
      if (adapter !== undefined && adapter.messageTooLarge()) return;
    }
    super.close(code, data);
  }
}

export class WebSocketSocket extends EventEmitter implements ConnectionSocket {
  /** Messages handed to the WebSocket whose write has not completed yet. */
  private unsent = 0;
  private corks = 0;
  private corked: Buffer | Buffer[] | null = null;
  private terminated = false;
  private closed = false;
  /** The Connection reading this socket, told about a message too large to read (set by the listener). */
  oversizeSink: OversizeSink | null = null;
  private readonly sent: (err?: Error) => void;

  constructor(
    readonly ws: WebSocket,
    /** The HTTP request's socket (net.Socket, or tls.TLSSocket for wss): for the peer's address. */
    private readonly transport: net.Socket,
  ) {
    super();
    (ws as TaggedWebSocket)[ADAPTER] = this;
    ws.on('message', onWsMessage);
    ws.on('error', onWsError);
    ws.on('close', onWsClose);
    this.sent = () => {
      if (--this.unsent === 0) this.emit('drain');
    };
  }

  get remoteAddress(): string | undefined {
    return this.transport.remoteAddress;
  }

  get remoteFamily(): string | undefined {
    return this.transport.remoteFamily;
  }

  get remotePort(): number | undefined {
    return this.transport.remotePort;
  }

  get destroyed(): boolean {
    return this.terminated || this.closed || this.ws.readyState === WebSocket.CLOSED;
  }

  get writableLength(): number {
    return this.ws.bufferedAmount;
  }

  get writableNeedDrain(): boolean {
    return this.unsent > 0;
  }

  write(chunk: Buffer): boolean {
    if (this.corks > 0) {
      const c = this.corked;
      if (c === null) this.corked = chunk;
      else if (Array.isArray(c)) c.push(chunk);
      else this.corked = [c, chunk];
      return true;
    }
    this.send(chunk);
    return !this.writableNeedDrain;
  }

  cork(): void {
    this.corks++;
  }

  uncork(): void {
    if (this.corks === 0 || --this.corks > 0) return;
    const c = this.corked;
    if (c === null) return;
    this.corked = null;
    this.send(Array.isArray(c) ? Buffer.concat(c) : c);
  }

  private send(data: Buffer): void {
    if (this.destroyed || this.ws.readyState !== WebSocket.OPEN) return;
    this.unsent++;
    this.ws.send(data, { binary: true }, this.sent);
  }

  /** Ends after what was written: the closing handshake (1000) follows the last message. */
  end(): this {
    this.ws.close(1000);
    return this;
  }

  destroy(): this {
    this.terminated = true;
    this.ws.terminate();
    return this;
  }

  pause(): this {
    this.ws.pause();
    return this;
  }

  resume(): this {
    this.ws.resume();
    return this;
  }

  setNoDelay(): this {
    return this; // ws already sets TCP_NODELAY on its socket
  }

  /** `ws` refused a message over its maxPayload; false when no Connection takes it (then `ws` closes with 1009). */
  messageTooLarge(): boolean {
    const sink = this.oversizeSink;
    if (sink === null || this.destroyed) return false;
    sink.onOversize();
    return true;
  }

  /** The WebSocket closed (handshake done, peer gone, or terminated). */
  handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

function onWsMessage(this: TaggedWebSocket, data: RawData, isBinary: boolean): void {
  const adapter = this[ADAPTER];
  if (!adapter) return;
  if (!isBinary) {
    // [MQTT-6.0.0-1] MQTT travels in binary frames only.
    this.close(CLOSE_UNSUPPORTED_DATA, 'MQTT packets must be sent in binary frames');
    return;
  }
  const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  adapter.emit('data', chunk);
}

function onWsError(this: TaggedWebSocket, err: Error): void {
  // Protocol errors (bad frame, message too large): ws closes the socket, 'close' follows.
  const adapter = this[ADAPTER];
  if (adapter && adapter.listenerCount('error') > 0) adapter.emit('error', err);
}

function onWsClose(this: TaggedWebSocket): void {
  this[ADAPTER]?.handleClose();
}
