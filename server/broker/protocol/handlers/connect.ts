/**
 * CONNECT: validate (MQTT 3.1.1 3.1, MQTT 5 3.1), authenticate through the policy, take over
 * or start the session, answer CONNACK, then resend what the session had in flight.
 */
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import { compactPayload, passThroughProperties, type NewMessage } from '../../message';
import type { AuthDecision, ConnectRefusal } from '../../policy/policy';
import { isValidTopicName, levelCount } from '../../routing/topics';
import { Session } from '../../session/session';
import { DeviceKind } from '../../../telemetry/kinds';
import { ConnState, type Connection } from '../connection';
import type { EndReason } from '../end-reasons';
import { connackCodeV4, RC } from '../reason-codes';

const REFUSAL_REASON: Record<ConnectRefusal, number> = {
  'bad-credentials': RC.badUserNameOrPassword,
  'not-authorized': RC.notAuthorized,
  'identifier-rejected': RC.clientIdentifierNotValid,
  'server-unavailable': RC.serverUnavailable,
  banned: RC.banned,
  'quota-exceeded': RC.quotaExceeded,
};

/** The device trace's words for each refusal (end-reasons.ts). */
const REFUSAL_END: Record<ConnectRefusal, EndReason> = {
  'bad-credentials': 'not authorized',
  'not-authorized': 'not authorized',
  'identifier-rejected': 'invalid param',
  'server-unavailable': 'invalid param',
  banned: 'not authorized',
  'quota-exceeded': 'quota exceeded',
};

/** What CONNECT asked for, validated, carried across an asynchronous authentication. */
interface ConnectRequestState {
  clientId: string;
  assigned: boolean;
  cleanStart: boolean;
  expiry: number;
  expiryCapped: boolean;
  keepAlive: number;
  serverKeepAlive: number | undefined;
}

export function handleConnect(conn: Connection, packet: IConnectPacket): void {
  const version = packet.protocolVersion ?? 4;
  conn.protocolVersion = version;
  conn.clientId = packet.clientId ?? ''; // so that the device trace shows a refusal under the ID the client asked for
  const settings = conn.instance.settings;

  // [MQTT-3.1.2-1] the protocol name goes with the level: MQIsdp for 3.1, MQTT after.
  if ((version === 3) !== (packet.protocolId === 'MQIsdp')) return refuse(conn, RC.unsupportedProtocolVersion);
  // The parser accepts will QoS 3 and a password without user name; 3.1.1 forbids both.
  if (packet.will && (packet.will.qos ?? 0) > 2) return malformed(conn);
  if (version < 5 && packet.password !== undefined && packet.username === undefined) return malformed(conn);

  const props = packet.properties;
  if (version === 5) {
    if (props?.receiveMaximum === 0 || props?.maximumPacketSize === 0) return refuse(conn, RC.protocolError);
    // Enhanced authentication (AUTH exchanges) is not offered.
    if (props?.authenticationMethod !== undefined) return refuse(conn, RC.badAuthenticationMethod);
  }

  let clientId = packet.clientId ?? '';
  let assigned = false;
  if (clientId === '') {
    // [MQTT-3.1.3-8] 3.1.1: an empty client ID needs a clean session.
    if (version < 5 && !packet.clean) return refuse(conn, RC.clientIdentifierNotValid);
    clientId = `magpie-${randomBytes(9).toString('base64url')}`;
    assigned = true;
  } else if (/[\u0000\uFFFD]/.test(clientId)) return refuse(conn, RC.clientIdentifierNotValid);

  if (packet.will) {
    const will = packet.will;
    if (!isValidTopicName(will.topic) || levelCount(will.topic) > settings.maxTopicLevels) {
      return version === 5 ? refuse(conn, RC.topicNameInvalid) : malformed(conn);
    }
    if (settings.maxTopicLength > 0 && will.topic.length > settings.maxTopicLength) {
      return version === 5 ? refuse(conn, RC.topicNameInvalid) : malformed(conn);
    }
    if (will.retain && !settings.retainAvailable) return refuse(conn, RC.retainNotSupported);
    const payload = typeof will.payload === 'string' ? Buffer.from(will.payload) : will.payload;
    // The instance's payload limit holds for wills too (3.1.1: CONNACK 3, MQTT 5: 0x95).
    if (settings.maxPayloadBytes > 0 && payload.length > settings.maxPayloadBytes) {
      return refuse(conn, RC.packetTooLarge, 'quota exceeded');
    }
    if (will.properties?.payloadFormatIndicator && !isUtf8(payload)) {
      return refuse(conn, RC.payloadFormatInvalid);
    }
    const spec: NewMessage = {
      topic: will.topic,
      payload: compactPayload(payload),
      qos: will.qos ?? 0,
      retain: will.retain ?? false,
      properties: passThroughProperties(will.properties),
      expiryInterval: will.properties?.messageExpiryInterval,
      publisher: clientId,
    };
    conn.will = spec;
    conn.willDelay = will.properties?.willDelayInterval ?? 0;
  }

  let expiry: number;
  let expiryCapped = false;
  if (version === 5) {
    expiry = props?.sessionExpiryInterval ?? 0;
    if (expiry > settings.maxSessionExpiry) {
      expiry = settings.maxSessionExpiry;
      expiryCapped = true;
    }
    conn.connectedWithZeroExpiry = expiry === 0;
    conn.sendWindow = Math.min(props?.receiveMaximum ?? 65535, settings.maxInflight);
    conn.clientMaxPacketSize = props?.maximumPacketSize ?? 0;
    conn.clientTopicAliasMaximum = props?.topicAliasMaximum ?? 0;
    conn.requestProblemInformation = props?.requestProblemInformation ?? true;
  } else {
    expiry = packet.clean ? 0 : settings.persistentSessionExpiry;
    conn.sendWindow = settings.maxInflight;
  }

  let keepAlive = packet.keepalive ?? 0;
  let serverKeepAlive: number | undefined;
  // 3.1.1 has no way to tell the client another value, so its own is kept.
  if (version === 5 && settings.maxKeepAlive > 0 && (keepAlive === 0 || keepAlive > settings.maxKeepAlive)) {
    keepAlive = settings.maxKeepAlive;
    serverKeepAlive = keepAlive;
  }

  conn.clientId = clientId;
  conn.username = packet.username;
  const request: ConnectRequestState = {
    clientId,
    assigned,
    cleanStart: packet.clean ?? true,
    expiry,
    expiryCapped,
    keepAlive,
    serverKeepAlive,
  };

  let decision: AuthDecision | Promise<AuthDecision>;
  try {
    decision = conn.instance.policy.authenticate({
      instanceId: conn.instance.id,
      clientId,
      username: packet.username,
      password: packet.password,
      protocolVersion: version,
      remoteAddress: conn.remoteAddress,
      assignedClientId: assigned,
      cleanStart: request.cleanStart,
    });
  } catch (err) {
    console.error('broker: policy.authenticate failed', err);
    return refuse(conn, RC.serverUnavailable);
  }
  if (decision instanceof Promise) {
    conn.pauseInput();
    decision.then(
      (d) => {
        finishConnect(conn, request, d);
        conn.resumeInput();
      },
      (err) => {
        console.error('broker: policy.authenticate failed', err);
        finishConnect(conn, request, { ok: false, reason: 'server-unavailable' });
      },
    );
    return;
  }
  finishConnect(conn, request, decision);
}

function finishConnect(conn: Connection, request: ConnectRequestState, decision: AuthDecision): void {
  if (conn.state >= ConnState.Closing) return; // the socket went away while we waited
  conn.state = ConnState.New;
  if (!decision.ok) return refuse(conn, REFUSAL_REASON[decision.reason], REFUSAL_END[decision.reason]);
  const instance = conn.instance;
  conn.grant = decision.grant ?? null;
  const will = conn.will;
  if (will && !instance.policy.authorizePublish(conn, will.topic, will.qos, will.retain)) {
    return refuse(conn, RC.notAuthorized, 'topic auth failed');
  }

  // [MQTT-3.1.4-3] a connection with the same client ID is taken over; one that does not
  // replace another counts against the instance's connection limit.
  const clientId = request.clientId;
  const previous = instance.sessions.get(clientId)?.link;
  const maxConnections = instance.settings.maxConnections;
  if (!previous && maxConnections > 0 && instance.connectedCount >= maxConnections) {
    return refuse(conn, RC.quotaExceeded, 'quota exceeded');
  }
  previous?.takeOver();

  let session = instance.sessions.get(clientId);
  if (session && request.cleanStart) {
    session.end();
    session = undefined;
  }
  const sessionPresent = session !== undefined;
  if (session) session.setExpiry(request.expiry);
  else {
    session = new Session(instance, clientId, request.expiry);
    instance.sessions.set(clientId, session);
  }

  conn.session = session;
  instance.connectedCount++; // until the connection releases the session
  conn.state = ConnState.Connected;
  conn.keepAliveMs = request.keepAlive * 1000;
  conn.connectedAt = Date.now();
  if (sessionPresent) conn.offlineBefore = conn.connectedAt;
  conn.traceDevice(DeviceKind.connect, 'accepted');
  session.attach(conn);

  const connack: IConnackPacket = { cmd: 'connack', sessionPresent };
  if (conn.protocolVersion === 5) {
    connack.reasonCode = RC.success;
    connack.properties = connackProperties(conn, request);
  } else connack.returnCode = 0;
  conn.writePacket(connack);
  conn.startKeepAlive();
  instance.policy.connected?.(conn);
  session.resume();
}

function connackProperties(conn: Connection, request: ConnectRequestState): IConnackPacket['properties'] {
  const settings = conn.instance.settings;
  const p: NonNullable<IConnackPacket['properties']> = { maximumPacketSize: settings.maxPacketSize };
  if (settings.receiveMaximum < 65535) p.receiveMaximum = settings.receiveMaximum;
  if (settings.topicAliasMaximum > 0) p.topicAliasMaximum = settings.topicAliasMaximum;
  if (!settings.retainAvailable) p.retainAvailable = false;
  if (request.assigned) p.assignedClientIdentifier = request.clientId;
  if (request.serverKeepAlive !== undefined) p.serverKeepAlive = request.serverKeepAlive;
  if (request.expiryCapped) p.sessionExpiryInterval = request.expiry;
  return p;
}

/** CONNACK with a failure code, then close [MQTT-3.2.2-5]. */
function refuse(conn: Connection, reason: number, endReason: EndReason = 'invalid param'): void {
  conn.will = null;
  conn.endReason ??= endReason;
  conn.traceDevice(DeviceKind.connect, conn.endReason);
  if (conn.protocolVersion === 5) conn.writePacket({ cmd: 'connack', sessionPresent: false, reasonCode: reason });
  else conn.writePacket({ cmd: 'connack', sessionPresent: false, returnCode: connackCodeV4(reason) });
  conn.endAfterOutput();
}

/** A CONNECT that breaks the rules outright: close without CONNACK. */
function malformed(conn: Connection): void {
  conn.will = null;
  conn.endReason ??= 'invalid param';
  conn.traceDevice(DeviceKind.connect, conn.endReason);
  conn.endAfterOutput();
}
