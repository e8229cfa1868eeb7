/**
 * Browser end-to-end tests with Debian's Chromium (never a downloaded browser). The console
 * runs as `npm start` does (production build) on its own port with a fresh data directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3210);
// Shared with the tests (e2e/support.ts) through the environment; one fresh directory a run.
process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-e2e-'));

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'node scripts/ensure-build.mjs && npx tsx server/main.ts',
    url: `http://127.0.0.1:${port}/login`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      MAGPIE_DATA_DIR: process.env.E2E_DATA_DIR,
      MAGPIE_CONSOLE_PORT: String(port),
      MAGPIE_CONSOLE_BIND: '127.0.0.1',
      MAGPIE_PUBLIC_HOST: 'mqtt.e2e.test',
      MAGPIE_BROKER_BIND: '127.0.0.1',
      // Statistics samples every second, so the Statistics tab has lines to draw within seconds.
      MAGPIE_TELEMETRY_SAMPLE_MS: '1000',
    },
  },
});
