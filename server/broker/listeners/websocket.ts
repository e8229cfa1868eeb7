/**
 * MQTT over WebSocket (`ws`) and secure WebSocket (`wss`): an HTTP(S) server whose upgrade
 * requests to `/mqtt` become Connections (through WebSocketSocket), with subprotocol `mqtt`
 * (`mqttv3.1.1` and `mqttv3.1`, as old clients offer them, are accepted too).
 *
 * Other upgrade paths get 404, and a handshake offering only other subprotocols gets 400; one
 * that offers none is accepted. Plain HTTP requests go to `requestHandler` when one is set
 * (the instance's HTTP API is served on these ports), else 404 (426 on `/mqtt`).
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { BrokerInstance } from '../instance';
import { Connection } from '../protocol/connection';
import { closeServer, disconnectClients, listenServer, trackSocket, type Listener, type ListenOptions, type TlsCredentials } from './types';
import { MqttWebSocket, WebSocketSocket } from './ws-socket';

export const MQTT_WS_PATH = '/mqtt';
/** Subprotocols we speak, in order of preference. */
export const MQTT_SUBPROTOCOLS: readonly string[] = ['mqtt', 'mqttv3.1.1', 'mqttv3.1'];

/** Which listener a plain HTTP request arrived on. */
export interface HttpRequestContext {
  instanceId: string;
  kind: 'ws' | 'wss';
}

/** Serves the non-upgrade requests of a WebSocket port (responding is up to it). */
export type HttpRequestHandler = (req: http.IncomingMessage, res: http.ServerResponse, context: HttpRequestContext) => void | Promise<void>;

/** The subprotocol to answer with, or null when none of the offered ones is MQTT. */
export function chooseSubprotocol(offered: Iterable<string>): string | null {
  let best: string | null = null;
  for (const p of offered) {
    if (p === 'mqtt') return p;
    if (best === null && MQTT_SUBPROTOCOLS.includes(p)) best = p;
  }
  return best;
}

/**
 * Largest WebSocket message `ws` buffers: room for a maximum-size packet and then some. An
 * oversize packet within it is found by the framer from its declared length; a message over
 * it is refused by `ws` before it is buffered and answered by the Connection as well
 * (MqttWebSocket): MQTT 5 clients get DISCONNECT 0x95 either way.
 */
function payloadLimit(maxPacketSize: number): number {
  return 2 * maxPacketSize + 1024;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class WebSocketListener implements Listener {
  readonly kind: 'ws' | 'wss';
  /** The HTTP(S) server: plain requests go to `requestHandler`. */
  readonly server: http.Server | https.Server;
  /** Plain HTTP requests (not upgrades) on this port; null = 404. */
  requestHandler: HttpRequestHandler | null = null;
  private readonly wss: WebSocketServer;
  private readonly context: HttpRequestContext;
  /** Raw sockets until they close, so that closing ends requests and handshakes in progress. */
  private readonly sockets = new Set<net.Socket>();
  private closing = false;

  /** With credentials it is a secure WebSocket (wss) listener. */
  constructor(
    readonly instance: BrokerInstance,
    credentials?: TlsCredentials,
  ) {
    this.kind = credentials ? 'wss' : 'ws';
    this.context = { instanceId: instance.id, kind: this.kind };
    const httpOptions: http.ServerOptions = {
      headersTimeout: instance.settings.connectTimeoutMs,
      requestTimeout: Math.max(REQUEST_TIMEOUT_MS, instance.settings.connectTimeoutMs),
      noDelay: true,
    };
    this.server = credentials
      ? https.createServer({ ...httpOptions, key: credentials.key, cert: credentials.cert, handshakeTimeout: instance.settings.connectTimeoutMs })
      : http.createServer(httpOptions);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false, // the instance tracks its connections
      perMessageDeflate: false,
      skipUTF8Validation: true, // text frames are refused anyway
      maxPayload: payloadLimit(instance.settings.maxPacketSize),
      WebSocket: MqttWebSocket,
      handleProtocols: (offered) => chooseSubprotocol(offered) ?? false,
    });
    this.server.on('connection', (socket: net.Socket) => trackSocket(this.sockets, socket));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket as net.Socket, head));
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res));
    if (credentials) this.server.on('tlsClientError', () => {});
    this.server.on('error', (err) => {
      if (this.server.listening) console.error(`broker: ${this.kind} listener of ${instance.id} failed`, err); // before that, listen() rejects
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
    const closed = closeServer(this.server); // idle keep-alive connections go at once
    await disconnectClients(this);
    for (const socket of this.sockets) socket.destroy(); // requests and handshakes in progress
    await closed;
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', ignore); // Node's HTTP error handling is gone once a socket upgrades
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (pathOf(req.url) !== MQTT_WS_PATH) {
      refuse(socket, 404, `MQTT over WebSocket is served on ${MQTT_WS_PATH}`);
      return;
    }
    const offered = req.headers['sec-websocket-protocol'];
    if (offered !== undefined && chooseSubprotocol(offered.split(',').map((p) => p.trim())) === null) {
      refuse(socket, 400, `unsupported WebSocket subprotocol; this server speaks ${MQTT_SUBPROTOCOLS.join(', ')}`);
      return;
    }
    // Follows the instance's maximum packet size as it is now.
    this.wss.options.maxPayload = payloadLimit(this.instance.settings.maxPacketSize);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', ignore); // ws handles the socket's errors from here on
      if (this.closing) ws.terminate();
      else {
        const adapter = new WebSocketSocket(ws, socket);
        adapter.oversizeSink = new Connection(adapter, this.instance, this);
      }
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const handler = this.requestHandler;
    if (handler) {
      const fail = (err: unknown) => {
        console.error(`broker: HTTP handler failed on the ${this.kind} listener of ${this.instance.id}`, err);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('internal error\n');
        else res.destroy();
      };
      try {
        const result = handler(req, res, this.context);
        if (result instanceof Promise) result.catch(fail);
      } catch (err) {
        fail(err);
      }
      return;
    }
    if (pathOf(req.url) === MQTT_WS_PATH) {
      res
        .writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'Upgrade' })
        .end('MQTT over WebSocket: upgrade with subprotocol mqtt\n');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  }
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Answers an upgrade request with an HTTP error and closes once it is written. */
function refuse(socket: net.Socket, status: number, message: string): void {
  const body = `${message}\n`;
  socket.once('finish', socket.destroy);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function ignore(): void {}
