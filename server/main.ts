/**
 * `npm start`: applies migrations, creates the admin account when MAGPIE_ADMIN_PASSWORD is set,
 * and serves the console (Next.js + tRPC) on MAGPIE_CONSOLE_PORT.
 */
import http from 'node:http';
import next from 'next';
import { bootstrapAdmin } from './auth/accounts';
import { openBackend } from './backend';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const backend = openBackend(config);
  const admin = await bootstrapAdmin(backend);
  backend.db.$client.close();

  const dev = process.env.MAGPIE_DEV === '1';
  const app = next({ dev, dir: process.cwd() });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = http.createServer((req, res) => {
    // The only trusted source of the client's address (see server/http/cookies.ts).
    req.headers['x-magpie-remote-address'] = req.socket.remoteAddress ?? 'unknown';
    void handle(req, res);
  });
  server.listen(config.consolePort, config.consoleBind, () => {
    const url = `http://localhost:${config.consolePort}`;
    console.log(`Magpie console: ${url} (data: ${config.dataDir})`);
    if (admin === 'needs-setup') console.log(`No admin account yet: open ${url} to set the admin password.`);
    if (admin === 'created') console.log('Admin account "admin" created from MAGPIE_ADMIN_PASSWORD.');
  });

  const shutdown = (signal: string) => {
    console.log(`${signal}: shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
