import { EventEmitter } from 'node:events';
import { BaseClient } from 'rocketmq-client-nodejs';

/**
 * Works around two bugs of rocketmq-client-nodejs 1.0.8 in its telemetry streams (one gRPC
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
