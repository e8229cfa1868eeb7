/**
 * Why a connection was refused or ended, in the words of the product's device trace
 * (PRODUCT.md §7, "description"). Whoever decides to close a connection sets
 * `Connection.endReason` first (the first one set wins); telemetry records it when the
 * socket closes. A connection that ends without one was closed by the client or the network.
 */
export type EndReason =
  | 'not authorized' // authentication failed (bad signature, unknown or disabled key, wrong instance), or the client's Group ID was deleted
  | 'clientId conflict' // a newer connection with the same client ID took over
  | 'topic auth failed' // an unauthorized PUBLISH (3.1.1 closes the connection)
  | 'no heartbeat' // keep-alive missed (1.5 × keep-alive without a packet)
  | 'closed by client' // the socket closed without DISCONNECT
  | 'disconnected by client' // the client sent DISCONNECT
  | 'invalid param' // malformed or refused CONNECT (client ID, protocol, unknown Group ID…)
  | 'socket error' // the transport failed
  | 'quota exceeded' // an instance limit: connections, subscriptions, TPS, payload size
  | 'token invalid' // token mode: the token expired, was revoked or stopped matching
  | 'credential revoked' // the AccessKey or device credential was disabled, deleted or refreshed
  | 'disconnected by admin' // the console's client lookup closed it (MQTT 5 DISCONNECT 0x98)
  | 'protocol error' // a packet broke the protocol after CONNECT
  | 'server shutting down'; // the broker or the instance's listener stopped
