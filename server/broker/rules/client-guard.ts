import { BaseClient } from 'rocketmq-client-nodejs';

/**
 * Works around a bug of rocketmq-client-nodejs 1.0.8: a client's shutdown ends its telemetry
 * stream and removes every listener from it, so when the proxy goes away before that stream has
 * closed (RocketMQ restarted) the stream emits 'error' with no listener and the
 * whole Node process dies of an unhandled 'error' event. This keeps a no-op 'error' listener on
 * every telemetry stream, even after removeAllListeners(); the client's own listener still runs
 * while the client lives. Installed once, when this module is loaded: every module creating clients imports it.
 */
function guardRocketMQTelemetryStreams(): void {
  const proto = BaseClient.prototype as unknown as {
    createTelemetryStream: (...args: unknown[]) => NodeJS.EventEmitter;
    __magpieGuarded?: boolean;
  };
  if (proto.__magpieGuarded) return;
  proto.__magpieGuarded = true;
  const create = proto.createTelemetryStream;
  proto.createTelemetryStream = function (this: unknown, ...args: unknown[]) {
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
