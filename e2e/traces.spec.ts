/**
 * Message trace and device trace against a real console and broker: MQTT.js clients log in
 * with signatures, publish to an online subscriber and to an offline persistent subscriber that
 * comes back; the message trace finds the message by client, by ID (a timeline: pub_mqtt,
 * sub, push_offline) and by topic. The device trace shows connects paired with their ends,
 * a refused login (bad signature) and a clientId conflict. Bad queries say what is wrong.
 * English and Chinese screenshots.
 */
import { createHmac } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import { inlineError, type InstanceJson, loginAsAdmin, magpie, snap } from './support';

test.describe.configure({ mode: 'serial' });

let page: Page;
let instance: InstanceJson;
const accessKey = { id: '', secret: '' };
const clients: mqtt.MqttClient[] = [];
let messageId = '';

const sign = (clientId: string) => createHmac('sha1', accessKey.secret).update(clientId, 'utf8').digest('base64');

/** A real MQTT.js client (3.1.1) logged in with signature mode; `password` overrides the signature. */
async function connect(clientId: string, options: mqtt.IClientOptions = {}) {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${instance.tcpPort}`, {
    clientId,
    username: `Signature|${accessKey.id}|${instance.id}`,
    password: sign(clientId),
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  clients.push(c);
  return c;
}

/** Runs a search until the results show `expected` (telemetry is written about once a second). */
async function searchUntil(expected: () => Promise<void>) {
  await expect(async () => {
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expected();
  }).toPass({ timeout: 15_000 });
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await loginAsAdmin(page);
  instance = JSON.parse(magpie('instance', 'create', '--name', 'trace-e2e', '--json')) as InstanceJson;
  magpie('group', 'create', 'GID_trace', '--instance', instance.id);
  magpie('topic', 'create', 'Orders', '--instance', instance.id);
  Object.assign(accessKey, JSON.parse(magpie('accesskey', 'create', '--description', 'trace e2e', '--json')) as { id: string; secret: string });

  // The broker serves a new instance within a second or so.
  await expect(async () => {
    const probe = await connect('GID_trace@@@probe');
    await probe.endAsync();
  }).toPass({ timeout: 15_000 });

  // An online subscriber, a persistent one that goes offline, then a publisher.
  const online = await connect('GID_trace@@@online');
  await online.subscribeAsync('Orders/#', { qos: 1 });
  const offline = await connect('GID_trace@@@offline', { clean: false });
  await offline.subscribeAsync('Orders/#', { qos: 1 });
  await offline.endAsync();
  const received = new Promise<void>((resolve) => online.once('message', () => resolve()));
  const publisher = await connect('GID_trace@@@publisher');
  await publisher.publishAsync('Orders/e2e/1', 'traced', { qos: 1 });
  await received;
  // The persistent subscriber comes back and gets what it missed (listening before CONNACK:
  // the kept message may arrive in the same read).
  const back = mqtt.connect(`mqtt://127.0.0.1:${instance.tcpPort}`, {
    clientId: 'GID_trace@@@offline',
    username: `Signature|${accessKey.id}|${instance.id}`,
    password: sign('GID_trace@@@offline'),
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  clients.push(back);
  await new Promise<void>((resolve) => back.once('message', () => resolve()));
});

test.afterAll(async () => {
  for (const c of clients) c.end(true);
  await page.close();
});

test('message trace by client: the publisher\'s message, with a link to its trace', async () => {
  await page.goto('/traces/messages');
  await expect(page.getByRole('heading', { name: 'Message trace', exact: true })).toBeVisible();
  await expect(page.getByText('Nothing searched yet')).toBeVisible();
  await page.locator('#trace-instance').selectOption(instance.id);
  await page.getByRole('radio', { name: 'Client ID' }).click();
  await page.getByLabel('Client ID').fill('GID_trace@@@publisher');
  const row = page.getByTestId('trace-event-row').filter({ hasText: 'pub_mqtt' });
  await searchUntil(() => expect(row).toBeVisible({ timeout: 1500 }));
  await expect(row).toContainText('Orders/e2e/1');
  messageId = (await row.getByRole('link').innerText()).trim();
  expect(messageId).toMatch(/^[0-9a-f]{32}$/);
  await snap(page, '60-trace-by-client');

  // The message ID opens its timeline.
  await row.getByRole('link', { name: messageId }).click();
  await expect(page).toHaveURL(new RegExp(`messageId=${messageId}`));
  await expect(page.getByTestId('trace-message-id')).toHaveText(messageId);
});

test('message trace by ID (any case): a timeline from pub_mqtt to sub and push_offline, both acknowledged', async () => {
  await page.goto('/traces/messages');
  await page.locator('#trace-instance').selectOption(instance.id);
  await page.getByRole('textbox', { name: 'Message ID' }).fill(messageId.toUpperCase());
  await searchUntil(() => expect(page.getByTestId('trace-ack-summary')).toHaveText('2 of 2 acknowledged', { timeout: 1500 }));
  await expect(page.getByTestId('trace-topic')).toHaveText('Orders/e2e/1');
  const origin = page.getByTestId('trace-origin');
  await expect(origin).toContainText('pub_mqtt');
  await expect(origin).toContainText('Published by an MQTT client');
  await expect(origin.getByRole('link', { name: 'GID_trace@@@publisher' })).toBeVisible();
  const deliveries = page.getByTestId('trace-delivery');
  await expect(deliveries).toHaveCount(2);
  await expect(deliveries.nth(0)).toContainText('sub');
  await expect(deliveries.nth(0)).toContainText('GID_trace@@@online');
  await expect(deliveries.nth(0)).toContainText('Acknowledged after');
  await expect(deliveries.nth(1)).toContainText('push_offline');
  await expect(deliveries.nth(1)).toContainText('Pushed after the client reconnected');
  await expect(deliveries.nth(1)).toContainText('GID_trace@@@offline');
  await expect(deliveries.nth(1)).toContainText('Acknowledged after');
  await snap(page, '61-trace-timeline');

  // An unknown ID is not an error: it is not found, and the page says why that may be.
  await page.getByRole('textbox', { name: 'Message ID' }).fill('0'.repeat(32));
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByText('No message with this ID on this instance')).toBeVisible();
});

test('message trace by topic: the message with its publisher, whose client ID opens the device trace', async () => {
  await page.goto('/traces/messages');
  await page.locator('#trace-instance').selectOption(instance.id);
  await page.getByRole('radio', { name: 'Topic' }).click();
  await page.getByLabel('Topic', { exact: true }).fill('Orders/e2e/1');
  await page.getByRole('radio', { name: 'Last 6 h' }).click();
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const row = page.getByTestId('trace-event-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(messageId);
  await expect(page.getByTestId('trace-count')).toHaveText('1 shown: that is everything in this range.');
  await snap(page, '62-trace-by-topic');

  await row.getByRole('link', { name: 'GID_trace@@@publisher' }).click();
  await expect(page).toHaveURL(/\/traces\/devices\?/);
  await expect(page.getByRole('heading', { name: 'Device trace', exact: true })).toBeVisible();
  const session = page.locator('tbody[data-testid^="session-"]');
  await expect(session.first()).toContainText('accepted');
});

test('device trace: connect paired with its end; a clientId conflict, a DISCONNECT and a refused login are described', async () => {
  // A bad signature: refused, "not authorized".
  const refused = await mqtt
    .connectAsync(`mqtt://127.0.0.1:${instance.tcpPort}`, {
      clientId: 'GID_trace@@@door',
      username: `Signature|${accessKey.id}|${instance.id}`,
      password: sign('GID_trace@@@someone-else'),
      protocolVersion: 4,
      reconnectPeriod: 0,
    })
    .then(
      (c) => (c.end(true), 0),
      (err: { code?: number }) => err.code,
    );
  expect(refused).toBe(4);
  // The same client ID twice: the first connection is closed, the second ends with DISCONNECT.
  const first = await connect('GID_trace@@@dup');
  const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()));
  const second = await connect('GID_trace@@@dup');
  await firstClosed;
  await second.endAsync();

  await page.goto('/traces/devices');
  await expect(page.getByText('At most 1 day per query')).toBeVisible();
  await page.locator('#device-instance').selectOption(instance.id);
  await page.getByLabel('Group ID').fill('GID_trace');
  await page.getByLabel('Device ID').fill('dup');
  const sessions = page.locator('tbody[data-testid^="session-"]');
  await searchUntil(() => expect(sessions).toHaveCount(2, { timeout: 1500 }));
  // Newest session first: the second connection, ended by its DISCONNECT…
  await expect(sessions.nth(0).getByTestId('event-description')).toHaveText(['accepted', 'disconnected by client', 'disconnected by client']);
  await expect(sessions.nth(0).getByRole('row')).toHaveCount(3);
  await expect(sessions.nth(0)).toContainText('The client sent DISCONNECT.');
  await expect(sessions.nth(0).getByTestId('session-summary')).toContainText('Connected for');
  // …then the first, taken over by the second: its connect and its close share one channel ID.
  await expect(sessions.nth(1).getByTestId('event-description')).toHaveText(['accepted', 'clientId conflict']);
  await expect(sessions.nth(1)).toContainText('Another connection with the same client ID took over');
  const channels = await sessions.getByTestId('session-channel').allInnerTexts();
  expect(new Set(channels).size).toBe(2);
  for (const channel of channels) expect(channel).toMatch(/^\d+$/);
  await expect(sessions.nth(0).getByRole('cell').filter({ hasText: /^127\.0\.0\.1:\d+$/ })).toHaveCount(3);
  await snap(page, '63-device-trace');

  // By client ID: the refused login is a session of one connect.
  await page.getByRole('radio', { name: 'Client ID' }).click();
  await page.getByLabel('Client ID').fill('GID_trace@@@door');
  await searchUntil(() => expect(sessions).toHaveCount(1, { timeout: 1500 }));
  await expect(sessions.getByTestId('event-description')).toHaveText(['not authorized']);
  await expect(sessions.getByTestId('session-summary')).toHaveText('Refused at connect');
  await expect(sessions).toContainText('Authentication failed');
  await snap(page, '64-device-trace-refused');

  // The device trace links to the client's messages.
  await page.getByRole('link', { name: 'Messages of GID_trace@@@door' }).click();
  await expect(page).toHaveURL(/\/traces\/messages\?.*mode=client/);
  await expect(page.getByText('No messages in this time range')).toBeVisible();
});

test('bad queries are refused with a clear message, and nothing is searched', async () => {
  await page.goto('/traces/messages');
  await page.locator('#trace-instance').selectOption(instance.id);
  await page.getByRole('textbox', { name: 'Message ID' }).fill('not-a-message-id');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(inlineError(page, 'A message ID is 32 hexadecimal digits')).toBeVisible();
  await expect(page.getByText('Nothing searched yet')).toBeVisible();

  await page.getByRole('radio', { name: 'Client ID' }).click();
  await page.getByLabel('Client ID').fill('GID_trace@@@publisher');
  await page.getByLabel('From').fill('2026-01-10T12:00:00');
  await page.getByLabel('To').fill('2026-01-10T11:00:00');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(inlineError(page, 'The time range starts after it ends')).toBeVisible();
  await page.getByLabel('From').fill('2026-01-01T00:00:00');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(inlineError(page, 'A message query may cover at most 7 days')).toBeVisible();
  await snap(page, '65-trace-bad-range');

  await page.goto('/traces/devices');
  await page.locator('#device-instance').selectOption(instance.id);
  await page.getByLabel('Group ID').fill('devices');
  await page.getByLabel('Device ID').fill('a/b');
  await page.getByRole('radio', { name: 'Last 1 day' }).click();
  await page.getByLabel('From').fill('2026-01-01T00:00:00');
  await page.getByLabel('To').fill('2026-01-03T00:00:00');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(inlineError(page, 'A Group ID must start with "GID_" or "GID-".')).toBeVisible();
  await expect(inlineError(page, 'A device ID may contain only printable characters')).toBeVisible();
  await expect(inlineError(page, 'A device trace query may cover at most 1 day')).toBeVisible();
  await expect(page.getByText('Nothing searched yet')).toBeVisible();
  await snap(page, '66-device-trace-invalid');

  // A hand-made URL the form never sends: the server refuses it with the same message.
  const now = Date.now();
  await page.goto(`/traces/devices?instanceId=${instance.id}&clientId=x&from=${now - 3 * 86400_000}&to=${now}`);
  await expect(page.getByRole('alert').filter({ hasText: 'A device trace query may cover at most 1 day' })).toBeVisible();
});

test('in Chinese: the timeline and the device trace', async () => {
  await page.goto(`/traces/messages?instanceId=${instance.id}&mode=id&messageId=${messageId}`);
  await page.getByLabel('Language').selectOption('zh');
  await expect(page.getByRole('heading', { name: '消息轨迹', exact: true })).toBeVisible();
  await expect(page.getByTestId('trace-ack-summary')).toHaveText('2 次投递中 2 次已确认');
  await expect(page.getByTestId('trace-delivery').nth(1)).toContainText('客户端重连后推送');
  await snap(page, '67-trace-timeline-zh');

  const now = Date.now();
  await page.goto(`/traces/devices?instanceId=${instance.id}&groupId=GID_trace&deviceId=dup&from=${now - 3600_000}&to=${now}`);
  await expect(page.getByRole('heading', { name: '设备轨迹', exact: true })).toBeVisible();
  await expect(page.locator('tbody[data-testid^="session-"]')).toHaveCount(2);
  await expect(page.getByText('另一个使用相同 Client ID 的连接接管了会话')).toBeVisible();
  await snap(page, '68-device-trace-zh');

  await page.getByLabel('Language').selectOption('en');
  await expect(page.getByRole('heading', { name: 'Device trace', exact: true })).toBeVisible();
});
