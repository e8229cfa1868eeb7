import { EventEmitter } from 'node:events';
import { BaseClient, RpcClientManager } from 'rocketmq-client-nodejs';

/**
 * Works around three bugs of rocketmq-client-nodejs 1.0.8, two in its telemetry streams (one gRPC
 * stream per client and endpoint that the library reopens whenever it ends or fails):
 *
 * - A client's shutdown ends its telemetry stream and removes every listener from it, so when
 *   the proxy goes away before that stream has closed (RocketMQ restarted) the stream emits
 *   'error' with no listener and the whole Node process dies of an unhandled 'error' event.
 *   So every telemetry stream keeps a no-op 'error' listener, even after removeAllListeners();
 *   the client's own listener still runs while the client lives.
 * - A stream that ended or failed schedules its reopening a second later, and nothing cancels
 *   that when the client shuts down meanwhile: the dead client then opens a new connection,
 *   which fails or ends in turn, and so on every second for the life of the process (a rule
 *   stopped while RocketMQ was restarting kept one such loop). So once a client has begun to
 *   shut down, it gets an inert stream that never connects, and the loop ends there.
 * - A client's RPC manager makes a new gRPC channel for any call that comes after its close()
 *   (a receive or acknowledgement still on its way when the client shut down), and nothing
 *   ever closes that one: a leaked connection per stopped rule, whose call waits for the
 *   channel's configuration holding a ref'd grpc-js interval. So a closed manager refuses
 *   further calls.
 * - shutdown() first tells the proxy the client is going (notifyClientTermination) and only
 *   then releases the telemetry streams and closes the RPC manager. When the proxy cannot be
 *   reached (RocketMQ restarting), that notice fails, shutdown() rejects half-way, and the
 *   manager's connections and its ref'd 60-second idle-check interval stay for the life of
 *   the process (which then never exits by itself). So the notice is best-effort: its failure
 *   is ignored, as the proxy notices a vanished client anyway.
 *
 * Installed once, when this module is loaded: every module creating clients imports it.
 */
const SHUT_DOWN = Symbol('magpie.rocketmqClientShutDown');

interface GuardedClient {
  [SHUT_DOWN]?: boolean;
}

/** What TelemetrySession uses of a stream (on, once, write, end, removeAllListeners); it never emits. */
function inertStream(): NodeJS.EventEmitter {
  return Object.assign(new EventEmitter(), { write: () => true, end: () => {} });
}

function guardRocketMQTelemetryStreams(): void {
  const proto = BaseClient.prototype as unknown as {
    createTelemetryStream: (...args: unknown[]) => NodeJS.EventEmitter;
    shutdown: () => Promise<void>;
    __magpieGuarded?: boolean;
  };
  if (proto.__magpieGuarded) return;
  proto.__magpieGuarded = true;
  const shutdown = proto.shutdown;
  proto.shutdown = function (this: GuardedClient) {
    this[SHUT_DOWN] = true;
    return shutdown.call(this);
  };
  const create = proto.createTelemetryStream;
  proto.createTelemetryStream = function (this: GuardedClient, ...args: unknown[]) {
    if (this[SHUT_DOWN]) return inertStream();
    const stream = create.apply(this, args);
    const ignore = () => {};
    stream.on('error', ignore);
    const removeAll = stream.removeAllListeners.bind(stream);
    stream.removeAllListeners = (...names: [(string | symbol)?]) => {
      removeAll(...names);
      if (names.length === 0 || names[0] === 'error') stream.on('error', ignore);
      return stream;
    };
    return stream;
  };
}
guardRocketMQTelemetryStreams();

const CLOSED = Symbol('magpie.rocketmqRpcManagerClosed');

function guardClosedRpcManagers(): void {
  const proto = RpcClientManager.prototype as unknown as Record<string | symbol, unknown> & { __magpieGuarded?: boolean };
  if (proto.__magpieGuarded) return;
  proto.__magpieGuarded = true;
  const close = proto.close as () => void;
  proto.close = function (this: Record<symbol, boolean>) {
    this[CLOSED] = true;
    return close.call(this);
  };
  // Every other method but telemetry() (guarded above, through the client) is an async call.
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor' || name === 'close' || name === 'telemetry') continue;
    // Methods only: reading an accessor on the prototype itself could throw.
    const method = Object.getOwnPropertyDescriptor(proto, name)?.value as (...args: unknown[]) => Promise<unknown>;
    if (typeof method !== 'function') continue;
    const bestEffort = name === 'notifyClientTermination';
    proto[name] = function (this: Record<symbol, boolean>, ...args: unknown[]) {
      if (this[CLOSED]) return bestEffort ? Promise.resolve() : Promise.reject(new Error(`RocketMQ client already shut down (${name})`));
      const call = method.apply(this, args);
      return bestEffort ? Promise.resolve(call).catch(() => undefined) : call;
    };
  }
}
guardClosedRpcManagers();
