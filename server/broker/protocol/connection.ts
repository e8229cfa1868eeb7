/**
 * One client connection: frames and decodes the socket's bytes, dispatches each packet to its
 * handler (handlers/*.ts), batches what goes out, and watches the keep-alive.
 *
 * Memory matters here (tens of thousands of idle connections): no per-connection closures or
 * timers. Socket events go to module-level functions that find the Connection through a
 * symbol on the socket; deadlines live in the broker's shared TimerWheel; buffers and maps
 * are created only when needed.
 */
import type { QoS } from 'mqtt-packet';
import type { BrokerInstance } from '../instance';
import type { ListenerKind } from '../listeners/types';
import { remainingExpirySeconds, takeFrame, type Message, type NewMessage } from '../message';
import type { ClientGrant, ClientInfo } from '../policy/policy';
import type { Session, SessionLink } from '../session/session';
import type { Throttled } from '../throttle/tps-gate';
import type { Timed } from '../timer-wheel';
import { DeviceKind, MessageKind } from '../../telemetry/kinds';
import { decodePacket, encodeAck, encodePacket, encodePublish, MalformedPacket, publishFromFrame } from './codec';
import { feedFrames, type FrameSink } from './framer';
import { dispatch } from './handlers';
import type { EndReason } from './end-reasons';
import { ProtocolViolation, RC } from './reason-codes';
import type { Flushable } from './write-batcher';

/**
 * What a Connection needs from its transport: a net.Socket or tls.TLSSocket as they are, or
 * an adapter (listeners/ws-socket.ts for WebSocket). Listeners are called with `this` set to
 * the socket. `writableLength` is what the transport still buffers (backpressure), and
 * `writableNeedDrain` promises a later 'drain' event.
 */
export interface ConnectionSocket {
  readonly remoteAddress?: string | undefined;
  readonly remoteFamily?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly destroyed: boolean;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  setNoDelay?(noDelay?: boolean): unknown;
  write(chunk: Buffer): unknown;
  cork(): void;
  uncork(): void;
  end(): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/** The listener that accepted a connection, as far as the connection cares. */
export interface ConnectionOrigin {
  readonly kind: ListenerKind;
}

const CONN = Symbol('magpie.connection');
type TaggedSocket = ConnectionSocket & { [CONN]?: Connection };

/** Connection states, in order: comparisons like `state >= ConnState.Closing` are meaningful. */
export const ConnState = {
  /** Waiting for CONNECT. */
  New: 0,
  /** CONNECT received, waiting for the policy's answer; input is paused. */
  Authenticating: 1,
  Connected: 2,
  /** Output is being flushed before the socket ends; input is ignored. */
  Closing: 3,
  Closed: 4,
} as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

/** Grace for a closing socket to flush before it is destroyed. */
const CLOSING_GRACE_MS = 5000;

// Starts from the clock (like message IDs, message.ts) so channel IDs stay unique across restarts.
let nextChannel = Date.now() * 1000;

export class Connection implements FrameSink, SessionLink, Timed, Flushable, ClientInfo, Throttled {
  state: ConnState = ConnState.New;
  /** Learnt from CONNECT (3 = 3.1, 4 = 3.1.1, 5 = 5.0). */
  protocolVersion = 4;
  clientId = '';
  username: string | undefined = undefined;
  session: Session | null = null;
  /** Unique per network connection within the process (the product's channelId). */
  readonly channel = nextChannel++;

  /** Keep-alive in ms as negotiated (0 = none) and the time of the last received bytes. */
  keepAliveMs = 0;
  lastSeen = Date.now();

  /** The will, set at CONNECT; sent unless the client disconnects normally. */
  will: NewMessage | null = null;
  willDelay = 0;
  /** The client ended with DISCONNECT (no will, unless MQTT 5 reason 0x04). */
  disconnectedCleanly = false;
  /** Why the connection was refused or ended (device trace); the first one set wins. See end-reasons.ts. */
  endReason: EndReason | null = null;
  /** When CONNECT was accepted (0 = not, or not yet): such a connection gets a `close` device event. */
  connectedAt = 0;
  /** The CONNECT time when it resumed an existing session: older messages it receives count as push_offline. */
  offlineBefore = 0;
  /** What the instance's policy granted at CONNECT (key, credential, tokens); see policy.ts. */
  grant: ClientGrant | null = null;

  // MQTT 5 limits the client declared in CONNECT.
  sendWindow = 65535;
  clientMaxPacketSize = 0;
  clientTopicAliasMaximum = 0;
  requestProblemInformation = true;
  /** Session expiry asked at CONNECT was 0: DISCONNECT may not raise it [MQTT-3.14.2-2]. */
  connectedWithZeroExpiry = true;
  /** Inbound topic aliases (client → server), created on first use. */
  topicAliases: Map<number, string> | null = null;
  /** Outbound topic aliases (server → client), when the client allows them; created with the first alias. */
  private outAliases: OutboundAliases | null = null;

  // FrameSink
  framePending: Buffer | null = null;
  framePendingFill = -1;
  /** A PUBLISH held back (input paused) until the instance's message TPS allows it; see throttle/tps-gate.ts. */
  private throttledFrame: Buffer | null = null;

  // Output: one buffer or a list until the next flush.
  private outbox: Buffer | Buffer[] | null = null;
  private outboxBytes = 0;
  private endAfterFlush = false;
  /** Deliveries wait in the session queue until the socket takes more. */
  private waitingDrain = false;
  private drainListener = false;
  flushQueued = false;

  timerAt = 0;
  timerSlot = 0;

  constructor(
    readonly socket: ConnectionSocket,
    readonly instance: BrokerInstance,
    /** The listener that accepted it (its kind: tcp, tls, ws, wss); null when made by hand. */
    readonly listener: ConnectionOrigin | null = null,
  ) {
    (socket as TaggedSocket)[CONN] = this;
    socket.setNoDelay?.(true); // we batch ourselves
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    instance.connections.add(this);
    instance.wheel.schedule(this, Date.now() + instance.settings.connectTimeoutMs);
  }

  get instanceId(): string {
    return this.instance.id;
  }

  get remoteAddress(): string {
    const s = this.socket;
    return s.remoteFamily === 'IPv6' ? `[${s.remoteAddress}]:${s.remotePort}` : `${s.remoteAddress}:${s.remotePort}`;
  }

  // ---- input -----------------------------------------------------------------------------

  onData(chunk: Buffer): void {
    if (this.state >= ConnState.Closing) return;
    this.lastSeen = Date.now();
    feedFrames(this, chunk, this.instance.settings.maxPacketSize);
    this.instance.batcher.afterRead(this);
  }

  acceptsFrames(): boolean {
    return this.state !== ConnState.Authenticating && this.state < ConnState.Closing && this.throttledFrame === null;
  }

  onFrame(frame: Buffer): void {
    // Message TPS used up: this PUBLISH waits (input paused) for the next second's budget.
    if (frame[0] >> 4 === 3 && this.state === ConnState.Connected && this.instance.tps.exhausted()) {
      this.throttledFrame = Buffer.from(frame); // a copy: the read buffer is not ours to keep
      this.socket.pause();
      this.instance.tps.park(this);
      return;
    }
    try {
      if (this.state === ConnState.New && !this.precheckConnect(frame)) return;
      const packet = decodePacket(frame, this.protocolVersion);
      dispatch(this, packet);
    } catch (err) {
      this.onHandlerError(err);
    }
  }

  onOversize(): void {
    this.protocolError(RC.packetTooLarge, 'packet larger than the maximum packet size');
  }

  onBadLength(): void {
    this.protocolError(RC.malformedPacket, 'invalid remaining length');
  }

  /**
   * Before the first packet is parsed: it must be CONNECT, and an unknown protocol level is
   * answered with CONNACK 1 (3.1.1 form) rather than silently dropped [MQTT-3.1.2-2].
   */
  private precheckConnect(frame: Buffer): boolean {
    if (frame[0] >> 4 !== 1) {
      this.destroy();
      return false;
    }
    let off = 1;
    while (off < frame.length && frame[off] & 0x80) off++;
    off++;
    if (off + 2 > frame.length) return true; // let the parser report it
    const nameLength = frame.readUInt16BE(off);
    const levelAt = off + 2 + nameLength;
    if (levelAt < frame.length) {
      const level = frame[levelAt] & 0x7f; // bit 7: bridge flag
      if (level !== 3 && level !== 4 && level !== 5) {
        this.write(Buffer.from([0x20, 0x02, 0x00, 0x01]));
        this.endReason ??= 'invalid param';
        this.traceDevice(DeviceKind.connect, this.endReason);
        this.endAfterOutput();
        return false;
      }
    }
    return true;
  }

  private onHandlerError(err: unknown): void {
    if (this.state >= ConnState.Closing) return;
    if (err instanceof ProtocolViolation) this.protocolError(err.reason, err.message);
    else if (err instanceof MalformedPacket) this.protocolError(RC.malformedPacket, err.message);
    else {
      // A bug must cost this connection only, never the process.
      console.error(`broker: error handling a packet from ${this.clientId || this.remoteAddress}`, err);
      this.protocolError(RC.implementationSpecificError, 'internal error');
    }
  }

  /** Pauses input while CONNECT awaits an asynchronous answer. */
  pauseInput(): void {
    this.state = ConnState.Authenticating;
    this.socket.pause();
  }

  /** Resumes after authentication: packets that arrived meanwhile are processed first. */
  resumeInput(): void {
    if (this.state === ConnState.Closed) return;
    this.socket.resume(); // also when closing: the peer's FIN must be seen
    if (this.framePending && this.acceptsFrames()) feedFrames(this, Buffer.alloc(0), this.instance.settings.maxPacketSize);
  }

  /** The next second's budget: the held PUBLISH first, then what arrived behind it. */
  resumeThrottled(): void {
    const frame = this.throttledFrame;
    if (frame === null) return;
    this.throttledFrame = null;
    if (this.state === ConnState.Closed) return;
    if (this.state === ConnState.Closing) {
      this.socket.resume(); // closing reads and discards until the peer's FIN (endAfterOutput)
      return;
    }
    this.lastSeen = Date.now(); // it was talking all along
    this.onFrame(frame);
    if (this.throttledFrame !== null || (this.state as ConnState) === ConnState.Closed) return; // parked again, or gone (onFrame may close)
    this.socket.resume();
    if (this.framePending && this.acceptsFrames()) feedFrames(this, Buffer.alloc(0), this.instance.settings.maxPacketSize);
  }

  // ---- output ----------------------------------------------------------------------------

  write(buf: Buffer): void {
    if (this.state === ConnState.Closed || this.endAfterFlush) return;
    const out = this.outbox;
    if (out === null) this.outbox = buf;
    else if (Array.isArray(out)) out.push(buf);
    else this.outbox = [out, buf];
    this.outboxBytes += buf.length;
    this.instance.batcher.schedule(this);
  }

  writePacket(packet: Parameters<typeof encodePacket>[0]): void {
    this.write(encodePacket(packet, this.protocolVersion));
  }

  flush(): void {
    const out = this.outbox;
    this.outbox = null;
    this.outboxBytes = 0;
    const socket = this.socket;
    if (out !== null && !socket.destroyed) {
      if (Array.isArray(out)) {
        socket.cork();
        for (const buf of out) socket.write(buf);
        socket.uncork();
      } else socket.write(out);
    }
    if (this.endAfterFlush) {
      if (this.state !== ConnState.Closed) {
        socket.end();
        this.instance.wheel.schedule(this, Date.now() + CLOSING_GRACE_MS);
      }
      return;
    }
    if (this.waitingDrain) {
      // Node emits 'drain' only after a write it had to buffer; when the kernel took
      // everything at once there will be none, so the queue moves on right away.
      if (socket.writableNeedDrain) {
        if (!this.drainListener) {
          this.drainListener = true;
          socket.once('drain', onSocketDrain);
        }
      } else {
        this.waitingDrain = false;
        this.session?.drain();
      }
    }
  }

  /**
   * Backpressure is what the kernel refused (bytes Node still buffers), not what this turn
   * produced: a burst that the socket can take in one writev must not count. The batch itself
   * gets a looser cap so one turn cannot pile up without bound.
   */
  congested(): boolean {
    const hwm = this.instance.settings.socketHighWaterMark;
    if (this.socket.writableLength <= hwm && this.outboxBytes <= 4 * hwm) return false;
    if (!this.waitingDrain) {
      this.waitingDrain = true;
      this.instance.batcher.schedule(this); // flush() decides how the wait ends
    }
    return true;
  }

  onDrain(): void {
    this.drainListener = false;
    this.waitingDrain = false;
    this.session?.drain();
  }

  writePublish(
    message: Message,
    qos: QoS,
    retain: boolean,
    subscriptionIds: number[] | null,
    packetId: number,
    dup: boolean,
  ): boolean {
    if (this.state !== ConnState.Connected) return true; // left in flight for the next connection
    let properties: Record<string, unknown> | null = null;
    let topic = message.topic;
    /** The alias this PUBLISH uses (nothing to allocate), or the alias it (re)defines. */
    let usedAlias: OutboundAlias | undefined;
    let newAlias = 0;
    if (this.protocolVersion === 5) {
      if (message.properties || message.expiresAt !== 0 || subscriptionIds) {
        properties = { ...message.properties };
        // The receiver sees the time left, not the original interval [MQTT-3.3.2-6].
        if (message.expiresAt !== 0) properties.messageExpiryInterval = remainingExpirySeconds(message, Date.now());
        if (subscriptionIds) properties.subscriptionIdentifier = subscriptionIds.length === 1 ? subscriptionIds[0] : subscriptionIds;
      }
      if (this.clientTopicAliasMaximum > 0) {
        // First use of a topic sends it with an alias, which defines the alias for the client;
        // later ones send only the alias. Once the client's maximum is reached, the least
        // recently used alias is redefined for the new topic (MQTT 5 §3.3.2.3.4).
        const aliases = this.outAliases;
        usedAlias = aliases?.byTopic.get(topic);
        if (usedAlias !== undefined) {
          (properties ??= {}).topicAlias = usedAlias.alias;
          topic = '';
        } else {
          newAlias = aliases === null ? 1 : aliases.nextAlias(this.clientTopicAliasMaximum);
          (properties ??= {}).topicAlias = newAlias;
        }
      }
    }
    // A 3.1.1 receiver at the publisher's QoS gets the publisher's own bytes (Message.frame).
    const frame = message.frame;
    const buf =
      frame !== null && this.protocolVersion !== 5 && qos === message.qos && !retain
        ? publishFromFrame(frame, packetId, dup, !dup && takeFrame(message))
        : encodePublish({ topic, payload: message.payload, qos, packetId, dup, retain, properties }, this.protocolVersion);
    // [MQTT-3.1.2-25] never send more than the client accepts: drop it as if delivered.
    if (this.clientMaxPacketSize !== 0 && buf.length > this.clientMaxPacketSize) {
      this.instance.stats.dropped++;
      return false;
    }
    // Only a packet that is really sent establishes its alias (or counts as its use).
    if (usedAlias !== undefined) this.outAliases!.use(usedAlias);
    else if (newAlias !== 0) (this.outAliases ??= new OutboundAliases()).define(message.topic, newAlias);
    this.write(buf);
    this.instance.stats.sent++;
    const telemetry = this.instance.telemetry;
    if (telemetry !== null) {
      const kind = message.createdAt < this.offlineBefore && !retain ? MessageKind.push_offline : MessageKind.sub;
      telemetry.message(kind, this.instance.id, this.clientId, message.id, message.topic, qos);
    }
    this.instance.tps.count();
    return true;
  }

  writePubrel(packetId: number): void {
    this.write(encodeAck('pubrel', packetId, this.protocolVersion));
  }

  // ---- closing ---------------------------------------------------------------------------

  /**
   * Closes because of something the client did wrong (or the server decided): MQTT 5 clients
   * get a DISCONNECT with the reason first. The will is published (abnormal close).
   */
  protocolError(reason: number, why: string): void {
    this.closeWithReason(reason, why);
  }

  closeWithReason(reason: number, why?: string): void {
    if (this.state >= ConnState.Closing) return;
    this.endReason ??= endReasonOf(reason);
    if (this.state === ConnState.Connected && this.protocolVersion === 5) {
      const properties = why && this.requestProblemInformation ? { reasonString: why } : undefined;
      this.writePacket({ cmd: 'disconnect', reasonCode: reason, properties });
    }
    this.endAfterOutput();
  }

  /**
   * Ends the socket once what is queued has been written. The client counts as gone from
   * here on (session released, will sent); input is read and discarded until the peer closes,
   * because closing a socket with unread input makes the kernel reset the connection and the
   * peer could lose our last packets (the DISCONNECT with its reason).
   */
  endAfterOutput(): void {
    if (this.state >= ConnState.Closing) return;
    this.state = ConnState.Closing;
    this.framePending = null;
    this.releaseSession(Date.now());
    this.instance.batcher.schedule(this);
    this.endAfterFlush = true;
  }

  destroy(): void {
    if (this.state === ConnState.Closed) return;
    this.socket.destroy();
  }

  /**
   * The session is being handed to a newer connection with the same client ID: the will
   * goes the usual way, the session is released now, and the socket is closed.
   */
  takeOver(): void {
    this.closeWithReason(RC.sessionTakenOver, 'another connection with this client ID');
  }

  /** Detaches from the session; sends (or arms) the will unless the client disconnected normally. */
  private releaseSession(now: number): void {
    const session = this.session;
    if (!session) return;
    this.session = null;
    this.instance.connectedCount--; // counted when CONNECT was accepted (handlers/connect.ts)
    const will = this.will;
    this.will = null;
    if (will && !this.disconnectedCleanly) {
      // [MQTT-3.1.3-9] a delayed will waits for the delay or the end of the session.
      if (this.willDelay > 0 && session.persistent) session.setPendingWill(will, this.willDelay, now);
      else this.instance.publishWill(session, will);
    }
    session.detach(this, now);
  }

  onClose(): void {
    if (this.state === ConnState.Closed) return;
    this.state = ConnState.Closed;
    this.instance.wheel.cancel(this);
    this.instance.connections.delete(this);
    this.outbox = null;
    this.framePending = null;
    this.releaseSession(Date.now());
    if (this.connectedAt !== 0) this.traceDevice(DeviceKind.close, this.endReason ?? 'closed by client');
  }

  /** Records a device trace event when the instance records telemetry. */
  traceDevice(kind: DeviceKind, description: string): void {
    const telemetry = this.instance.telemetry;
    if (telemetry !== null) telemetry.device(kind, this.instance.id, this.clientId, this.channel, this.remoteAddress, description);
    // Client status notification rules (rules/instance-rules.ts) hear the same events.
    const rules = this.instance.rules;
    if (rules !== null) rules.deviceEvent(kind, this, description);
  }

  /** Records the client's PUBACK/PUBCOMP of a delivery. */
  traceAck(message: Message, qos: QoS): void {
    const telemetry = this.instance.telemetry;
    if (telemetry !== null) telemetry.message(MessageKind.ack, this.instance.id, this.clientId, message.id, message.topic, qos);
  }

  onTimer(now: number): void {
    switch (this.state) {
      case ConnState.New:
      case ConnState.Authenticating:
        this.destroy(); // no CONNECT (or no answer) in time
        return;
      case ConnState.Connected: {
        if (this.keepAliveMs === 0) return;
        // Held back by the message TPS (its PINGREQs wait behind the paused input): not silent.
        if (this.throttledFrame !== null) this.lastSeen = now;
        // [MQTT-3.1.2-24] 1.5 times the keep-alive without a packet closes the connection.
        const deadline = this.lastSeen + this.keepAliveMs * 1.5;
        if (now >= deadline) this.closeWithReason(RC.keepAliveTimeout, 'keep-alive timeout');
        else this.instance.wheel.schedule(this, deadline);
        return;
      }
      case ConnState.Closing:
        this.destroy();
        return;
    }
  }

  /** Starts keep-alive supervision once CONNECT is accepted. */
  startKeepAlive(): void {
    if (this.keepAliveMs > 0) this.instance.wheel.schedule(this, this.lastSeen + this.keepAliveMs * 1.5);
    else this.instance.wheel.cancel(this);
  }
}

/** One outbound topic alias; the aliases of a connection form a list from newest to oldest use. */
interface OutboundAlias {
  topic: string;
  readonly alias: number;
  newer: OutboundAlias | null;
  older: OutboundAlias | null;
}

/**
 * The topic aliases a connection has defined for its client, least recently used first to go.
 * A PUBLISH through a known alias only moves it to the front of the list (no allocation);
 * one object per alias, made when the alias is first defined.
 */
class OutboundAliases {
  readonly byTopic = new Map<string, OutboundAlias>();
  private newest: OutboundAlias | null = null;
  private oldest: OutboundAlias | null = null;

  /** The alias a new topic gets: the next unused one, or once all `maximum` are used the least recently used. */
  nextAlias(maximum: number): number {
    const size = this.byTopic.size;
    return size < maximum ? size + 1 : this.oldest!.alias;
  }

  /** `topic` now has `alias` (from nextAlias, in the same turn): new, or taken from the topic that had it. */
  define(topic: string, alias: number): void {
    let entry = this.oldest;
    if (entry !== null && entry.alias === alias) {
      this.byTopic.delete(entry.topic);
      entry.topic = topic;
      this.use(entry);
    } else {
      entry = { topic, alias, newer: null, older: this.newest };
      if (this.newest !== null) this.newest.newer = entry;
      else this.oldest = entry;
      this.newest = entry;
    }
    this.byTopic.set(topic, entry);
  }

  /** A PUBLISH used the alias: it becomes the most recently used. */
  use(entry: OutboundAlias): void {
    if (this.newest === entry) return;
    // Unlink (it has a newer neighbour, since it is not the newest)…
    const older = entry.older;
    entry.newer!.older = older;
    if (older !== null) older.newer = entry.newer;
    else this.oldest = entry.newer;
    // …and put it in front.
    entry.newer = null;
    entry.older = this.newest;
    this.newest!.newer = entry;
    this.newest = entry;
  }
}

function onSocketData(this: TaggedSocket, chunk: Buffer): void {
  this[CONN]?.onData(chunk);
}

/** Bytes read from a socket by other means than 'data' events (listeners/static-reads.ts). */
export function onConnectionBytes(socket: ConnectionSocket, chunk: Buffer): void {
  (socket as TaggedSocket)[CONN]?.onData(chunk);
}

function onSocketError(this: TaggedSocket): void {
  // 'close' follows; resets and timeouts are a normal part of life for a broker.
  const conn = this[CONN];
  if (conn) conn.endReason ??= 'socket error';
}

/** The device trace's words for a close the server decides (the reason code it sends in MQTT 5). */
function endReasonOf(reason: number): EndReason {
  switch (reason) {
    case RC.keepAliveTimeout:
      return 'no heartbeat';
    case RC.sessionTakenOver:
      return 'clientId conflict';
    case RC.notAuthorized:
      return 'topic auth failed';
    case RC.serverShuttingDown:
      return 'server shutting down';
    case RC.quotaExceeded:
    case RC.messageRateTooHigh:
      return 'quota exceeded';
    default:
      return 'protocol error';
  }
}

function onSocketClose(this: TaggedSocket): void {
  const conn = this[CONN];
  if (!conn) return;
  try {
    conn.onClose();
  } catch (err) {
    console.error('broker: error while closing a connection', err);
  }
}

function onSocketDrain(this: TaggedSocket): void {
  this[CONN]?.onDrain();
}
