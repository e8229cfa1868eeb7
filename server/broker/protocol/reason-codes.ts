/** MQTT 5 reason codes the broker sends (spec 2.4), and the MQTT 3.1.1 CONNACK return codes. */
export const RC = {
  success: 0x00,
  grantedQos1: 0x01,
  grantedQos2: 0x02,
  disconnectWithWill: 0x04,
  noMatchingSubscribers: 0x10,
  noSubscriptionExisted: 0x11,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  implementationSpecificError: 0x83,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  banned: 0x8a,
  serverShuttingDown: 0x8b,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  packetIdentifierInUse: 0x91,
  packetIdentifierNotFound: 0x92,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  messageRateTooHigh: 0x96,
  quotaExceeded: 0x97,
  administrativeAction: 0x98,
  payloadFormatInvalid: 0x99,
  retainNotSupported: 0x9a,
  qosNotSupported: 0x9b,
  sharedSubscriptionsNotSupported: 0x9e,
  connectionRateExceeded: 0x9f,
  subscriptionIdentifiersNotSupported: 0xa1,
  wildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** MQTT 3.1.1 CONNACK return codes. */
export const CONNACK_V4 = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUserNameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** The closest 3.1.1 CONNACK return code for an MQTT 5 CONNACK reason code. */
export function connackCodeV4(reason: number): number {
  switch (reason) {
    case RC.success:
      return CONNACK_V4.accepted;
    case RC.unsupportedProtocolVersion:
      return CONNACK_V4.unacceptableProtocolVersion;
    case RC.clientIdentifierNotValid:
      return CONNACK_V4.identifierRejected;
    case RC.badUserNameOrPassword:
      return CONNACK_V4.badUserNameOrPassword;
    case RC.notAuthorized:
    case RC.banned:
    case RC.badAuthenticationMethod:
      return CONNACK_V4.notAuthorized;
    default:
      return CONNACK_V4.serverUnavailable;
  }
}

/** A protocol violation found while handling a packet: the connection is closed with `reason` (sent as DISCONNECT to MQTT 5 clients). */
export class ProtocolViolation extends Error {
  constructor(
    readonly reason: number,
    message: string,
  ) {
    super(message);
  }
}
