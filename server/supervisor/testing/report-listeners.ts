/**
 * Test fixture run as a process of its own, so that it can run as another user than the tests
 * (supervised-broker.test.ts runs it unprivileged): starts the broker under the supervisor, on
 * a fresh data directory, with one instance whose TCP port is the first argument; once the four
 * listeners have reported and a second has passed, prints the supervisor's status as JSON and
 * stops.
 *
 *   node --import tsx server/supervisor/testing/report-listeners.ts <tcpPort>
 */
import { startBrokerProcess, until } from './broker-process';

const tcpPort = Number(process.argv[2]);
if (!Number.isInteger(tcpPort) || tcpPort <= 0) throw new Error(`usage: report-listeners.ts <tcpPort>, not ${process.argv[2]}`);

const broker = await startBrokerProcess({}, { tcpPort });
try {
  const { supervisor, instance } = broker;
  const mine = () => supervisor.status().listeners.filter((l) => l.instanceId === instance.id);
  await until(() => mine().length === 4, 'the four listeners to report', 5000);
  // Long enough for a broker that exits over the error to have been restarted.
  await new Promise((r) => setTimeout(r, 1000));
  const { state, restarts } = supervisor.status();
  process.stdout.write(`${JSON.stringify({ uid: process.getuid?.(), state, restarts, listeners: mine() })}\n`);
} finally {
  await broker.stop();
}
