/**
 * A broker process on SQLite persistence, for the restart tests (../durability.test.ts):
 *
 *   node --import tsx server/broker/store/testing/broker-process.ts <dataDir> [port]
 *
 * Listens on 127.0.0.1 (port 0 = any), prints `listening <port>` once it accepts connections.
 * SIGTERM: graceful (clients disconnected, store committed and closed), exit 0. SIGKILL is
 * the point of the exercise.
 */
import { Broker } from '../../broker';
import { SqlitePersistence } from '../sqlite';

const [dataDir, portArg = '0'] = process.argv.slice(2);
if (!dataDir) {
  console.error('usage: broker-process.ts <dataDir> [port]');
  process.exit(2);
}

const persistence = new SqlitePersistence(dataDir);
const broker = new Broker({ persistence });
const { port } = await broker.listen({ port: Number(portArg), host: '127.0.0.1' });
process.stdout.write(`listening ${port}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void broker
    .close()
    .then(() => {
      persistence.close();
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error('broker-process: close failed', err);
      process.exit(1);
    });
});
