/**
 * The broker process as the console shows it, for real: killed, it is restarted and the
 * instance page says so (restarts, last exit, Running again); a port another program took
 * meanwhile shows as a port conflict on that listener, and the broker takes the port as soon
 * as it is free again, without anyone editing the instance; while the broker is down, the
 * statistics card says so; a certificate it cannot read shows on the TLS listeners, with the
 * file and the reason, while TCP keeps serving; an instance the broker has not opened yet says
 * its listeners are being opened, then shows them and its counters. Ends with the broker running.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import { type InstanceJson, loginAsAdmin, magpie, snap } from './support';

test.describe.configure({ mode: 'serial' });

let page: Page;
let instance: InstanceJson;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await loginAsAdmin(page);
  instance = JSON.parse(magpie('instance', 'create', '--name', 'supervisor-e2e', '--open', '--json')) as InstanceJson;
});

test.afterAll(async () => {
  magpie('instance', 'delete', instance.id, '--yes');
  await page.close();
});

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

test('a killed broker is restarted and the page shows it; a port taken meanwhile shows as a conflict until it is free', async () => {
  await page.goto(`/instances/${instance.id}`);
  const status = page.getByTestId('broker-status');
  await expect(status).toContainText('Running');
  // The card's values: status, process ID, uptime, restarts (with the last exit).
  const pidValue = status.locator('dd').nth(1);
  const restarts = status.locator('dd').nth(3);
  const restartsBefore = Number((await restarts.innerText()).split(/\s/)[0]);
  const pid = Number(await pidValue.innerText());
  expect(pid).toBeGreaterThan(0);

  // Kill it, and take this instance's TCP port before the supervisor starts it again (0.5 s).
  process.kill(pid, 'SIGKILL');
  await expect.poll(() => portIsFree(instance.tcpPort), { intervals: [20] }).toBe(true);
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(instance.tcpPort, '127.0.0.1', resolve));
  try {
    await expect(status).toContainText('Port conflict', { timeout: 15_000 });
    await expect(page.getByTestId('listener-tcp')).toContainText(`Port ${instance.tcpPort} is in use by another program`);
    for (const kind of ['tls', 'ws', 'wss']) await expect(page.getByTestId(`listener-${kind}`)).toContainText('Listening');
    await expect(restarts).toHaveText(new RegExp(`^${restartsBefore + 1}\\s*Last exit: SIGKILL$`));
    await expect(pidValue).not.toHaveText(String(pid));
    await snap(page, '12c-broker-port-conflict');
  } finally {
    await new Promise((r) => squatter.close(r));
  }

  // Free again: the broker retries on its own, and clients get in.
  await expect(page.getByTestId('listener-tcp')).toContainText('Listening', { timeout: 15_000 });
  await expect(status).toContainText('Running');
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${instance.tcpPort}`, { clientId: 'after-restart', reconnectPeriod: 0, connectTimeout: 5000 });
  await client.endAsync();
});

test('while the broker is down, the statistics card says so instead of showing old counters', async () => {
  await page.goto(`/instances/${instance.id}`);
  const status = page.getByTestId('broker-status');
  const pidValue = status.locator('dd').nth(1);
  await expect(page.getByTestId('instance-stats')).toBeVisible();
  const downMessage = page.getByText('No counters right now: the broker is not running.');
  await expect(downMessage).toHaveCount(0);

  // Each crash soon after the last doubles the supervisor's wait before the next start
  // (0.5, 1, 2, 4 s at least): after four, the broker stays down longer than the card's
  // 3 s poll, so the card must notice.
  for (let kill = 0; kill < 4; kill++) {
    await expect(status).toContainText('Running', { timeout: 30_000 });
    const pid = Number(await pidValue.innerText());
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await expect(pidValue).not.toHaveText(String(pid), { timeout: 15_000 });
  }
  await expect(downMessage).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('instance-stats')).toHaveCount(0);
  await expect(page.getByTestId('no-listeners')).toHaveText('None open while the broker is not running.');
  await snap(page, '12d-broker-down-no-counters');

  // Back up: the counters return by themselves.
  await expect(status).toContainText('Running', { timeout: 30_000 });
  await expect(page.getByTestId('instance-stats')).toBeVisible({ timeout: 15_000 });
  await expect(downMessage).toHaveCount(0);
});

test('a TLS certificate the broker cannot read: the TLS listeners say why, TCP serves meanwhile, and TLS opens once the file is back', async () => {
  await page.goto(`/instances/${instance.id}`);
  const status = page.getByTestId('broker-status');
  const pidValue = status.locator('dd').nth(1);
  await expect(status).toContainText('Running', { timeout: 30_000 });

  // The certificate generated into the data directory at first start; a directory where the
  // file should be cannot be read even by root (as whom the tests may run).
  const tlsDir = path.join(process.env.E2E_DATA_DIR!, 'tls');
  const certFile = path.join(tlsDir, 'server.crt');
  fs.renameSync(certFile, `${certFile}.saved`);
  fs.mkdirSync(certFile);
  try {
    // The certificate is read when the broker starts.
    const pid = Number(await pidValue.innerText());
    process.kill(pid, 'SIGKILL');
    await expect(pidValue).not.toHaveText(String(pid), { timeout: 30_000 });

    await expect(status).toContainText('Listener error', { timeout: 30_000 });
    for (const kind of ['tls', 'wss']) await expect(page.getByTestId(`listener-${kind}`)).toContainText('TLS certificate unusable');
    for (const kind of ['tcp', 'ws']) await expect(page.getByTestId(`listener-${kind}`)).toContainText('Listening');
    const alert = page.getByTestId('certificate-error');
    await expect(alert).toContainText(`cannot read the generated certificate in ${tlsDir}`);
    await expect(alert).toContainText('EISDIR');
    // The generated certificate, not the user's own: the help says what to do about that one.
    await expect(alert).toContainText('remove them and it generates a new certificate');
    // The broker runs and counts: the statistics card shows its counters, not an error.
    await expect(page.getByTestId('instance-stats')).toBeVisible({ timeout: 15_000 });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${instance.tcpPort}`, { clientId: 'tcp-meanwhile', reconnectPeriod: 0, connectTimeout: 5000 });
    await client.endAsync();
    await snap(page, '12e-broker-certificate-unreadable');
  } finally {
    fs.rmdirSync(certFile);
    fs.renameSync(`${certFile}.saved`, certFile);
  }

  // The broker tries the certificate again every few seconds: TLS opens without a restart.
  const pidBefore = await pidValue.innerText();
  await expect(page.getByTestId('listener-tls')).toContainText('Listening', { timeout: 15_000 });
  await expect(page.getByTestId('listener-wss')).toContainText('Listening');
  await expect(status).toContainText('Running');
  await expect(page.getByTestId('certificate-error')).toHaveCount(0);
  await expect(pidValue).toHaveText(pidBefore);
  const secure = await mqtt.connectAsync(`mqtts://127.0.0.1:${instance.tlsPort}`, {
    clientId: 'tls-again',
    reconnectPeriod: 0,
    connectTimeout: 5000,
    rejectUnauthorized: false,
  });
  await secure.endAsync();
});

test('an instance the broker has not opened yet: the page says its listeners are being opened, then shows them and the counters', async () => {
  await page.goto(`/instances/${instance.id}`);
  const status = page.getByTestId('broker-status');
  const pidValue = status.locator('dd').nth(1);
  await expect(status).toContainText('Running', { timeout: 30_000 });
  const pid = Number(await pidValue.innerText());

  // The broker is held (SIGSTOP) while an instance is created: until it runs again it can
  // neither open the new instance's listeners nor count anything for it, as in the second
  // after creating an instance or while a busy broker catches up.
  process.kill(pid, 'SIGSTOP');
  let created: InstanceJson | null = null;
  try {
    created = JSON.parse(magpie('instance', 'create', '--name', 'supervisor-e2e-opening', '--open', '--json')) as InstanceJson;
    await page.goto(`/instances/${created.id}`);
    await expect(status).toContainText('Starting');
    await expect(page.getByTestId('no-listeners')).toHaveText('Being opened: they appear in a second or two.');
    await expect(page.getByText("No counters yet: the broker is opening this instance's listeners. They appear in a few seconds.")).toBeVisible({
      timeout: 15_000,
    });
    await expect(page.getByTestId('instance-stats')).toHaveCount(0);
    await snap(page, '12f-instance-listeners-opening');
  } finally {
    process.kill(pid, 'SIGCONT');
  }

  // Running again, the same process opens the listeners and counts.
  for (const kind of ['tcp', 'tls', 'ws', 'wss']) await expect(page.getByTestId(`listener-${kind}`)).toContainText('Listening', { timeout: 15_000 });
  await expect(status).toContainText('Running');
  await expect(pidValue).toHaveText(String(pid));
  await expect(page.getByTestId('instance-stats')).toBeVisible({ timeout: 15_000 });
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${created.tcpPort}`, { clientId: 'opened', reconnectPeriod: 0, connectTimeout: 5000 });
  await expect(page.getByTestId('stat-connections').locator('dd')).toHaveText('1', { timeout: 15_000 });
  await client.endAsync();
  magpie('instance', 'delete', created.id, '--yes');
});
