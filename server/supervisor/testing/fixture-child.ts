/**
 * A stand-in child for the supervisor's own tests: speaks the control protocol, exits with
 * an error when asked to (a crash), and exits cleanly on SIGTERM. The real broker entry is
 * tested separately against real MQTT clients.
 */
import type { BrokerMessage, ConsoleMessage } from '../control-messages';

const send = (msg: BrokerMessage) => process.send?.(msg);

process.on('message', (raw) => {
  const msg = raw as ConsoleMessage;
  if (msg.type !== 'request') return;
  if (msg.method === 'crash') process.exit(3);
  if (msg.method === 'echo') send({ type: 'reply', id: msg.id, ok: true, result: msg.params });
  else send({ type: 'reply', id: msg.id, ok: false, error: `unknown method ${msg.method}` });
});
process.on('SIGTERM', () => process.exit(0));
send({ type: 'ready', listeners: [{ instanceId: 'mqtt-cn-fixture0000', kind: 'tcp', port: 1, error: null }] });
