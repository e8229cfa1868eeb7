/**
 * `npm start`: applies migrations, creates the admin account when MAGPIE_ADMIN_PASSWORD is set,
 * serves the console (Next.js + tRPC) on MAGPIE_CONSOLE_PORT, and runs the broker as a
 * separate, supervised process (server/broker/main.ts).
 */
import http from 'node:http';
import path from 'node:path';
import next from 'next';
import { bootstrapAdmin } from './auth/accounts';
import { openBackend } from './backend';
import { loadConfig } from './config';
import { handleOpenApi } from './http/open-api';
import { BROKER_EXEC_ARGV } from './broker/process-tuning';
import { BrokerSupervisor } from './supervisor/broker-supervisor';
import { setSupervisor } from './supervisor/registry';

async function main(): Promise<void> {
  const config = loadConfig();
  const backend = openBackend(config);
  const admin = await bootstrapAdmin(backend);
  backend.db.$client.close();

  // The broker runs the same TypeScript through tsx, in its own process and event loop.
  const supervisor = new BrokerSupervisor({
    entry: path.join(process.cwd(), 'server', 'broker', 'main.ts'),
    execArgv: [...BROKER_EXEC_ARGV],
  });
  setSupervisor(supervisor);
  supervisor.start();

  const dev = process.env.MAGPIE_DEV === '1';
  const app = next({ dev, dir: process.cwd() });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = http.createServer((req, res) => {
    // The only trusted source of the client's address (see server/http/cookies.ts).
    req.headers['x-magpie-remote-address'] = req.socket.remoteAddress ?? 'unknown';
    // The cloud-compatible token and client status APIs (server/http/open-api.ts).
    if (handleOpenApi(req, res)) return;
    void handle(req, res);
  });
  server.listen(config.consolePort, config.consoleBind, () => {
    const url = `http://localhost:${config.consolePort}`;
    console.log(`Magpie console: ${url} (data: ${config.dataDir})`);
    if (admin === 'needs-setup') console.log(`No admin account yet: open ${url} to set the admin password.`);
    if (admin === 'created') console.log('Admin account "admin" created from MAGPIE_ADMIN_PASSWORD.');
  });

  const shutdown = async (signal: string) => {
    console.log(`${signal}: shutting down`);
    server.close();
    server.closeAllConnections();
    await supervisor.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
