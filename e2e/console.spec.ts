/**
 * The first-run journey of a new user, in one real browser session against a real console:
 * set up the admin → log in → AccessKey (secret shown once) → instance → topics and groups
 * (invalid and duplicate names refused) → endpoints → Chinese and back → log out.
 * Screenshots of each page land in test-results/screenshots.
 */
import { createHmac } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import { ADMIN_PASSWORD, inlineError, magpie, snap } from './support';

test.describe.configure({ mode: 'serial' });

let page: Page;
let instanceId = '';
/** The AccessKey created in the journey; its secret signs the MQTT clients' logins later. */
const accessKey = { id: '', secret: '' };
const INSTANCE = 'demo-instance';

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page.close();
});

/** Opens a create dialog, fills the name, submits, and returns the dialog. */
async function submitName(button: string, name: string) {
  await page.getByRole('button', { name: button, exact: true }).first().click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  return dialog;
}

async function closeDialog() {
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
}

test('first visit asks for the admin password, then logs in', async () => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup/);
  await snap(page, '01-setup');

  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Confirm password').fill('short');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(inlineError(page, 'The password must be 8-256 characters long.')).toBeVisible();

  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByLabel('Confirm password').fill(`${ADMIN_PASSWORD}-typo`);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(inlineError(page, 'The two passwords do not match.')).toBeVisible();

  await page.getByLabel('Confirm password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page).toHaveURL(/\/instances$/);
  await expect(page.getByText('No instances yet')).toBeVisible();
  await snap(page, '02-instances-empty');

  // Setup is done once: the page now sends people to the login page.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/login|\/instances/);

  // Log out, then log in the normal way; a wrong password is refused first.
  await page.goto('/instances');
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(inlineError(page, 'Wrong username or password.')).toBeVisible();
  await snap(page, '03-login-refused');
  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/instances$/);
});

test('an AccessKey secret is shown once and never again', async () => {
  await page.getByRole('link', { name: 'AccessKeys' }).click();
  await expect(page).toHaveURL(/\/access-keys/);
  await page.getByRole('button', { name: 'Create AccessKey' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();

  const id = (await dialog.getByTestId('accesskey-id').innerText()).trim();
  const secret = (await dialog.getByTestId('accesskey-secret').innerText()).trim();
  expect(id).toMatch(/^LTAI[0-9A-Za-z]{20}$/);
  expect(secret).toMatch(/^[0-9A-Za-z]{30}$/);
  Object.assign(accessKey, { id, secret });
  await expect(dialog.getByRole('button', { name: 'Copy secret' })).toBeVisible();
  await snap(page, '04-accesskey-secret-once');

  await dialog.getByRole('button', { name: /close|done/i }).first().click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const row = page.getByRole('row').filter({ hasText: id });
  await expect(row).toBeVisible();
  await expect(page.locator('body')).not.toContainText(secret);

  // Not in a fresh page load either, nor in anything the API returns.
  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: id })).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  const list = await page.request.get('/api/trpc/accessKeys.list');
  expect(list.ok()).toBe(true);
  expect(await list.text()).not.toContain(secret);
  await snap(page, '05-accesskeys');
});

test('an instance is created; bad and duplicate names are refused with reasons', async () => {
  await page.getByRole('link', { name: 'Instances' }).first().click();
  await expect(page).toHaveURL(/\/instances$/);

  let dialog = await submitName('Create instance', 'no spaces!');
  await expect(dialog.getByText('The name may contain only letters, digits, "-" and "_".')).toBeVisible();
  await snap(page, '06-instance-invalid-name');
  await dialog.getByLabel('Name', { exact: true }).fill('ab');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog.getByText('The name must be 3-64 characters long.')).toBeVisible();

  await dialog.getByLabel('Name', { exact: true }).fill(INSTANCE);
  await expect(dialog.getByLabel('Open mode')).not.toBeChecked();
  // Turning it on says what it means; this instance stays in signature mode.
  const warning = dialog.getByText('Open mode disables authentication');
  await dialog.getByLabel('Open mode').check();
  await expect(warning).toBeVisible();
  await dialog.getByLabel('Open mode').uncheck();
  await expect(warning).toHaveCount(0);
  await dialog.getByLabel('Maximum connections').selectOption('5000');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const row = page.getByRole('row').filter({ hasText: INSTANCE });
  await expect(row).toBeVisible();
  instanceId = /mqtt-cn-[a-z0-9]{12}/.exec(await row.innerText())?.[0] ?? '';
  expect(instanceId).not.toBe('');

  dialog = await submitName('Create instance', INSTANCE);
  await expect(dialog.getByText(`An instance named "${INSTANCE}" already exists.`, { exact: false })).toBeVisible();
  await snap(page, '07-instance-duplicate');
  await closeDialog();
  await expect(page.getByRole('row').filter({ hasText: INSTANCE })).toHaveCount(1);
  await snap(page, '08-instances');
});

test('parent topics and Group IDs: created, invalid and duplicate names refused', async () => {
  await page.getByRole('row').filter({ hasText: INSTANCE }).getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/instances/${instanceId}`));
  await expect(page.getByTestId('instance-id')).toHaveText(instanceId);
  await snap(page, '09-instance-basic');

  await page.getByRole('tab', { name: 'Topics' }).click();
  await expect(page.getByText('No parent topics yet')).toBeVisible();
  let dialog = await submitName('Create topic', 'Orders/eu');
  await expect(dialog.getByText(/may contain only letters, digits, "-" and "_"/)).toBeVisible();
  await dialog.getByLabel('Name', { exact: true }).fill('ab');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog.getByText('A parent topic name must be 3-64 characters long.')).toBeVisible();
  await dialog.getByLabel('Name', { exact: true }).fill('Orders');
  await dialog.getByLabel('Description').fill('Order events from the shops');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByRole('row').filter({ hasText: 'Order events from the shops' })).toBeVisible();

  dialog = await submitName('Create topic', 'Orders');
  await expect(
    dialog.getByText('The parent topic "Orders" already exists in this instance.', { exact: false }),
  ).toBeVisible();
  await snap(page, '10-topic-duplicate');
  await closeDialog();

  await page.getByRole('tab', { name: 'Groups' }).click();
  dialog = await submitName('Create group', 'devices');
  await expect(dialog.getByText('A Group ID must start with "GID_" or "GID-".')).toBeVisible();
  await dialog.getByLabel('Name', { exact: true }).fill('GID_devices');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByRole('row').filter({ hasText: 'GID_devices' })).toBeVisible();
  dialog = await submitName('Create group', 'GID_devices');
  await expect(dialog.getByText('The Group ID "GID_devices" already exists', { exact: false })).toBeVisible();
  await closeDialog();
  await snap(page, '11-groups');
});

test('the endpoints tab lists the four URLs with copy buttons', async () => {
  await page.getByRole('tab', { name: 'Endpoints' }).click();
  const instance = JSON.parse(magpie('instance', 'get', instanceId, '--json')) as {
    tcpPort: number;
    tlsPort: number;
    wsPort: number;
    wssPort: number;
  };
  await expect(page.getByTestId('endpoint-tcp')).toContainText(`mqtt://mqtt.e2e.test:${instance.tcpPort}`);
  await expect(page.getByTestId('endpoint-tls')).toContainText(`mqtts://mqtt.e2e.test:${instance.tlsPort}`);
  await expect(page.getByTestId('endpoint-ws')).toContainText(`ws://mqtt.e2e.test:${instance.wsPort}/mqtt`);
  await expect(page.getByTestId('endpoint-wss')).toContainText(`wss://mqtt.e2e.test:${instance.wssPort}/mqtt`);
  for (const kind of ['TCP', 'TLS']) {
    await expect(page.getByRole('button', { name: `Copy ${kind} endpoint` })).toBeVisible();
  }
  await snap(page, '12-endpoints');
});

test('the instance page shows the running broker, and a real client talks to the endpoint', async () => {
  await page.getByRole('tab', { name: 'Basic information' }).click();
  const broker = page.getByTestId('broker-status');
  await expect(broker).toContainText('Running');
  for (const kind of ['tcp', 'tls', 'ws', 'wss']) {
    await expect(page.getByTestId(`listener-${kind}`)).toContainText('Listening');
  }
  await snap(page, '12b-broker-status');

  const { tcpPort, wsPort } = JSON.parse(magpie('instance', 'get', instanceId, '--json')) as { tcpPort: number; wsPort: number };
  // Open mode is off: signature mode with the AccessKey, the Group ID and the parent topic created above.
  const login = (clientId: string) => ({
    clientId,
    username: `Signature|${accessKey.id}|${instanceId}`,
    password: createHmac('sha1', accessKey.secret).update(clientId, 'utf8').digest('base64'),
  });
  const refusal = (options: mqtt.IClientOptions) =>
    mqtt
      .connectAsync(`mqtt://127.0.0.1:${tcpPort}`, { reconnectPeriod: 0, ...options })
      .then(async (c) => (await c.endAsync(), 0), (err: { code?: number }) => err.code);
  expect(await refusal({ clientId: 'GID_devices@@@anonymous' })).toBe(4); // no credentials: bad user name or password
  expect(await refusal({ ...login('GID_unknown@@@e2e') })).toBe(2); // a Group ID that was never created: identifier rejected
  const sub = await mqtt.connectAsync(`ws://127.0.0.1:${wsPort}/mqtt`, { reconnectPeriod: 0, ...login('GID_devices@@@e2e-sub') });
  const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${tcpPort}`, { reconnectPeriod: 0, protocolVersion: 5, ...login('GID_devices@@@e2e-pub') });
  try {
    await sub.subscribeAsync('Orders/#', { qos: 1 });
    const received = new Promise<string>((resolve) => sub.once('message', (topic, payload) => resolve(`${topic}: ${payload}`)));
    await pub.publishAsync('Orders/eu/42', 'shipped', { qos: 1 });
    expect(await received).toBe('Orders/eu/42: shipped');
  } finally {
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  }
});

test('switching to Chinese is remembered, and switching back works', async () => {
  await page.getByLabel('Language').selectOption('zh');
  await expect(page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '实例列表' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await snap(page, '13-endpoints-zh');
  await page.reload();
  await expect(page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '实例列表' })).toBeVisible();
  await page.getByRole('tab', { name: 'Topics' }).or(page.getByRole('tab', { name: 'Topic 管理' })).first().click();
  await snap(page, '14-topics-zh');
  await page.getByLabel('Language').selectOption('en');
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await expect(nav.getByRole('link', { name: 'Instances' })).toBeVisible();
  await page.reload();
  await expect(nav.getByRole('link', { name: 'Instances' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
});

test('resources made with the CLI show up in the running console', async () => {
  const created = JSON.parse(magpie('topic', 'create', 'Telemetry', '--instance', instanceId, '--json')) as {
    name: string;
  };
  expect(created.name).toBe('Telemetry');
  await page.goto(`/instances/${instanceId}?tab=topics`);
  await expect(page.getByRole('row').filter({ hasText: 'Telemetry' })).toBeVisible();
});

test('after logging out, protected pages redirect to the login page', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login/);
  for (const path of ['/instances', `/instances/${instanceId}?tab=endpoints`, '/access-keys', '/settings']) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/login/);
  }
  const api = await page.request.get('/api/trpc/instances.list');
  expect(api.status()).toBe(401);
  await snap(page, '15-logged-out');
});
