/**
 * The console side of the product semantics, in one browser session against a real console
 * and its broker: device credentials (secret shown once), instance limits (inline validation),
 * the signature helper (its output logs a real MQTT client in), the "Connect a client" examples,
 * and "Send test message" reaching a real subscriber. English and Chinese screenshots.
 */
import { createHmac } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import mqtt from 'mqtt';
import { inlineError, type InstanceJson, loginAsAdmin, magpie, snap } from './support';

test.describe.configure({ mode: 'serial' });

let page: Page;
let instance: InstanceJson;
const accessKey = { id: '', secret: '' };
const device = { clientId: 'GID_devices@@@sensor-1', accessKeyId: '', secret: '' };

/** Connects a real MQTT.js client (3.1.1) to the instance's TCP port with a login. */
function connect(clientId: string, username: string, password: string) {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${instance.tcpPort}`, {
    clientId,
    username,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
}

const sign = (secret: string, clientId: string) => createHmac('sha1', secret).update(clientId, 'utf8').digest('base64');

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await loginAsAdmin(page);
  // An authenticated instance (open mode off) with a group, a parent topic and an AccessKey.
  instance = JSON.parse(magpie('instance', 'create', '--name', 'product-e2e', '--json')) as InstanceJson;
  magpie('group', 'create', 'GID_devices', '--instance', instance.id);
  magpie('topic', 'create', 'Orders', '--instance', instance.id);
  const key = JSON.parse(magpie('accesskey', 'create', '--description', 'product e2e', '--json')) as { id: string; secret: string };
  Object.assign(accessKey, key);
});

test.afterAll(async () => {
  await page.close();
});

test('device credentials: register with inline validation, the secret shown once with copy buttons, refresh after confirmation', async () => {
  await page.goto(`/instances/${instance.id}`);
  await page.getByRole('tab', { name: 'Device credentials' }).click();
  await expect(page).toHaveURL(/tab=credentials/);
  await expect(page.getByText('No device credentials yet')).toBeVisible();

  await page.getByRole('button', { name: 'Register device', exact: true }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Client ID').fill('GID_devices@@@bad/id');
  await dialog.getByRole('button', { name: 'Register', exact: true }).click();
  await expect(inlineError(dialog, 'A client ID may contain only printable characters')).toBeVisible();
  await dialog.getByLabel('Client ID').fill('GID_nowhere@@@sensor-1');
  await dialog.getByRole('button', { name: 'Register', exact: true }).click();
  await expect(inlineError(dialog, 'The Group ID "GID_nowhere" does not exist')).toBeVisible();
  await snap(page, '40-credential-invalid');

  await dialog.getByLabel('Client ID').fill(device.clientId);
  await dialog.getByRole('button', { name: 'Register', exact: true }).click();
  await expect(dialog.getByRole('heading', { name: 'Device credential issued' })).toBeVisible();
  device.accessKeyId = await dialog.getByTestId('credential-access-key-id').innerText();
  device.secret = await dialog.getByTestId('credential-secret').innerText();
  expect(device.accessKeyId).toMatch(/^dk-[0-9A-Za-z]{20}$/);
  expect(device.secret).toMatch(/^[0-9A-Za-z]{30}$/);
  await expect(dialog.getByTestId('credential-username')).toHaveText(`DeviceCredential|${device.accessKeyId}|${instance.id}`);
  await expect(dialog.getByText('This is the only time the DeviceAccessKeySecret is shown')).toBeVisible();
  await dialog.getByRole('button', { name: 'Copy DeviceAccessKeySecret' }).click();
  await expect(page.getByText('Copied', { exact: true })).toBeVisible();
  await snap(page, '41-credential-secret-once');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // Listed without the secret; the secret is nowhere on the page any more.
  const row = page.getByTestId(`credential-row-${device.clientId}`);
  await expect(row).toContainText(device.accessKeyId);
  await expect(page.locator('body')).not.toContainText(device.secret);
  await snap(page, '42-credentials');

  // Refresh asks first; Cancel changes nothing, confirming shows a new secret once.
  await page.getByRole('button', { name: `Refresh the secret of ${device.clientId}` }).click();
  await expect(page.getByRole('dialog')).toContainText('The current secret stops working');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: `Refresh the secret of ${device.clientId}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Refresh secret' }).click();
  const issued = page.getByRole('dialog');
  await expect(issued.getByTestId('credential-access-key-id')).toHaveText(device.accessKeyId);
  const fresh = await issued.getByTestId('credential-secret').innerText();
  expect(fresh).not.toBe(device.secret);
  device.secret = fresh;
  await issued.getByRole('button', { name: 'Done' }).click();
  expect(JSON.parse(magpie('credential', 'list', '--instance', instance.id, '--json'))).toHaveLength(1);
});

test('instance limits: an invalid value is refused inline, a valid one is saved', async () => {
  await page.getByRole('tab', { name: 'Basic information' }).click();
  const limits = page.getByTestId('instance-limits');
  await expect(limits).toContainText('64 characters');
  await expect(limits).toContainText('64 KB');
  await expect(limits).toContainText('30 subscriptions');
  await expect(limits).toContainText('72 h');
  await expect(limits).toContainText('100,000 messages');

  await page.getByRole('button', { name: 'Edit: Instance limits' }).click();
  await page.getByLabel('Maximum topic length').fill('8');
  await page.getByLabel('Maximum payload (KB)').fill('0.5');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(inlineError(page, 'The maximum topic length must be a whole number of characters from 16 to 1024.')).toBeVisible();
  await expect(inlineError(page, 'The maximum payload must be a whole number of KB from 1 to 1024.')).toBeVisible();
  await expect(page.getByLabel('Maximum topic length')).toBeFocused();
  await snap(page, '43-limits-invalid');
  expect((JSON.parse(magpie('instance', 'get', instance.id, '--json')) as InstanceJson).maxTopicLength).toBe(64);

  await page.getByLabel('Maximum topic length').fill('128');
  await page.getByLabel('Maximum payload (KB)').fill('128');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(limits).toContainText('128 characters');
  await expect(limits).toContainText('128 KB');
  const saved = JSON.parse(magpie('instance', 'get', instance.id, '--json')) as InstanceJson;
  expect([saved.maxTopicLength, saved.maxPayloadBytes]).toEqual([128, 128 * 1024]);
  await snap(page, '44-limits');
});

test('instance edit: bad values refused inline; turning on open mode asks first, then a client without credentials connects', async () => {
  const other = JSON.parse(magpie('instance', 'create', '--name', 'edit-e2e', '--json')) as InstanceJson;
  const get = () => JSON.parse(magpie('instance', 'get', other.id, '--json')) as InstanceJson;
  const anonymous = () =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${other.tcpPort}`, { clientId: 'anyone-at-all', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000 });
  // Not in open mode: a client without credentials is refused.
  await expect(anonymous()).rejects.toThrow();

  await page.goto(`/instances/${other.id}`);
  await page.getByRole('button', { name: 'Edit: Basic information' }).click();
  await page.getByLabel('Name', { exact: true }).fill('ab');
  await page.getByLabel('Maximum keep-alive (s)').fill('70000');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(inlineError(page, 'The name must be 3-64 characters long.')).toBeVisible();
  await expect(inlineError(page, 'The maximum keep-alive must be a whole number of seconds from 0 (no cap) to 65535.')).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toBeFocused();
  // Typing clears a field's message.
  await page.getByLabel('Name', { exact: true }).fill('edit-e2e-renamed');
  await expect(inlineError(page, 'The name must be 3-64 characters long.')).toHaveCount(0);
  await page.getByLabel('Maximum keep-alive (s)').fill('60');
  const warning = page.locator('form').getByText('Open mode disables authentication');
  await expect(warning).toHaveCount(0);
  await page.getByLabel('Open mode').check();
  await expect(warning).toBeVisible();

  // Turning on open mode asks first; Cancel saves nothing.
  await page.getByRole('button', { name: 'Save' }).click();
  const confirm = page.getByRole('dialog');
  await expect(confirm).toContainText('Turn on open mode?');
  await expect(confirm).toContainText('anyone who reaches its endpoints can connect');
  await snap(page, '44b-open-mode-confirm');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  expect(get().name).toBe('edit-e2e');

  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Turn on open mode' }).click();
  await expect(page.getByText('Instance "edit-e2e-renamed" saved.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Edit: Basic information' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'edit-e2e-renamed' })).toBeVisible();
  const saved = get();
  expect([saved.name, saved.openMode, saved.maxKeepAlive]).toEqual(['edit-e2e-renamed', true, 60]);

  // The broker applies it without a restart: the same client without credentials now connects.
  await expect(async () => {
    const client = await anonymous();
    await client.endAsync();
  }).toPass({ timeout: 5000 });
  magpie('instance', 'delete', other.id, '--yes');
});

test('an instance created with its limits: a bad one opens the limits with the reason inline; the others keep their defaults', async () => {
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Instances' }).click();
  await expect(page).toHaveURL(/\/instances$/);
  await page.getByRole('button', { name: 'Create instance' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name', { exact: true }).fill('limited-e2e');
  const summary = dialog.getByText('Instance limits', { exact: true });
  await summary.click(); // open
  await expect(dialog.getByLabel('Maximum topic length')).toHaveValue('64');
  await dialog.getByLabel('Maximum topic length').fill('8');
  await summary.click(); // closed again: the error must still be seen
  await expect(dialog.getByLabel('Maximum topic length')).toBeHidden();
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(inlineError(dialog, 'The maximum topic length must be a whole number of characters from 16 to 1024.')).toBeVisible();
  const listed = () => (JSON.parse(magpie('instance', 'list', '--json')) as (InstanceJson & { maxSubscriptionsPerClient: number })[]).find((i) => i.name === 'limited-e2e');
  expect(listed()).toBeUndefined();
  await snap(page, '44b-create-limits-invalid');

  await dialog.getByLabel('Maximum topic length').fill('256');
  await dialog.getByLabel('Maximum payload (KB)').fill('512');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const created = listed()!;
  expect([created.maxTopicLength, created.maxPayloadBytes, created.maxSubscriptionsPerClient]).toEqual([256, 512 * 1024, 30]);
  magpie('instance', 'delete', created.id, '--yes');
});

test('signature helper: the user name and password it shows log a real MQTT client in (signature and device credential)', async () => {
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Signature helper' }).click();
  await expect(page).toHaveURL(/\/signature/);
  await expect(page.getByText('Fill in the form and compute')).toBeVisible();

  // Inline validation first: nothing filled in, then a key ID that is not one.
  await page.getByRole('button', { name: 'Compute' }).click();
  await expect(inlineError(page, 'This field is required.')).toHaveCount(3);
  await expect(inlineError(page, 'Choose an instance.')).toBeVisible();
  await page.getByLabel('AccessKey ID').fill('not-a-key');
  await page.getByRole('button', { name: 'Compute' }).click();
  await expect(inlineError(page, 'Not an AccessKey ID')).toBeVisible();

  const clientId = 'GID_devices@@@helper-1';
  await page.getByLabel('AccessKey ID').fill(accessKey.id);
  await page.getByLabel('AccessKey secret').fill(accessKey.secret);
  await page.locator('#signature-instance').selectOption(instance.id);
  await page.getByLabel('Client ID').fill(clientId);
  await page.getByRole('button', { name: 'Compute' }).click();
  const username = page.getByTestId('signature-username');
  const password = page.getByTestId('signature-password');
  await expect(username).toHaveText(`Signature|${accessKey.id}|${instance.id}`);
  await expect(password).toHaveText(sign(accessKey.secret, clientId));
  await expect(page.getByRole('button', { name: 'Copy password' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copy user name' })).toBeVisible();
  await snap(page, '45-signature-helper');
  const client = await connect(clientId, await username.innerText(), await password.innerText());
  expect(client.connected).toBe(true);
  await client.endAsync();

  // Device credential mode with the credential registered above.
  await page.getByLabel('Mode').selectOption('deviceCredential');
  await page.getByLabel('DeviceAccessKeyId').fill(device.accessKeyId);
  await page.getByLabel('DeviceAccessKeySecret').fill(device.secret);
  await page.getByLabel('Client ID').fill(device.clientId);
  await page.getByRole('button', { name: 'Compute' }).click();
  await expect(username).toHaveText(`DeviceCredential|${device.accessKeyId}|${instance.id}`);
  const deviceClient = await connect(device.clientId, await username.innerText(), await password.innerText());
  expect(deviceClient.connected).toBe(true);
  await deviceClient.endAsync();
});

test('connect a client: examples with the endpoint, the AccessKey, the Group ID and the parent topic, each with a copy button', async () => {
  await page.goto(`/instances/${instance.id}?tab=connect`);
  const code = page.getByTestId('connect-snippet');
  // Java (Paho) first, in the shape of the cloud's demos.
  await expect(code).toContainText('new MqttConnectOptions()');
  await expect(code).toContainText('String endPoint = "mqtt.e2e.test";');
  await expect(code).toContainText(`":${instance.tcpPort}"`);
  await expect(code).toContainText(`String accessKey = "${accessKey.id}";`);
  await expect(code).toContainText('String clientId = "GID_devices@@@device-001";');
  await expect(code).toContainText('String topic = "Orders/test";');
  await expect(code).not.toContainText(accessKey.secret);
  await expect(page.getByRole('button', { name: 'Copy Java (Eclipse Paho) example' })).toBeVisible();
  await snap(page, '46-connect-java');

  await page.getByLabel('Device ID').fill('gateway-7');
  await page.getByRole('tab', { name: 'Node.js (MQTT.js)' }).click();
  await expect(code).toContainText(`mqtt.connect('mqtt://mqtt.e2e.test:${instance.tcpPort}'`);
  await expect(code).toContainText("const clientId = 'GID_devices@@@gateway-7';");
  await page.getByRole('tab', { name: 'Python (paho-mqtt)' }).click();
  await expect(code).toContainText(`client.connect("mqtt.e2e.test", ${instance.tcpPort}, keepalive=90)`);
  await page.getByRole('tab', { name: 'mosquitto_sub / mosquitto_pub' }).click();
  await expect(code).toContainText(`mosquitto_sub -h mqtt.e2e.test -p ${instance.tcpPort}`);
  await page.getByRole('button', { name: 'Copy mosquitto_sub / mosquitto_pub example' }).click();
  await expect(page.getByText('Copied', { exact: true }).first()).toBeVisible();

  // The signature helper link carries the instance, the AccessKey and the client ID.
  await page.getByRole('link', { name: 'Open the signature helper' }).click();
  await expect(page).toHaveURL(/\/signature\?/);
  await expect(page.getByLabel('AccessKey ID')).toHaveValue(accessKey.id);
  await expect(page.getByLabel('Client ID')).toHaveValue('GID_devices@@@gateway-7');
  await expect(page.locator('#signature-instance')).toHaveValue(instance.id);
});

test('send test message: a real subscriber receives it and the dialog shows its message ID', async () => {
  const subscriberId = 'GID_devices@@@e2e-subscriber';
  const sub = await connect(subscriberId, `Signature|${accessKey.id}|${instance.id}`, sign(accessKey.secret, subscriberId));
  try {
    await sub.subscribeAsync('Orders/#', { qos: 1 });
    const received = new Promise<string>((resolve) => sub.once('message', (topic, payload) => resolve(`${topic}: ${payload}`)));

    await page.goto(`/instances/${instance.id}?tab=topics`);
    await page.getByRole('button', { name: 'Send a test message to Orders' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Subtopic').fill('eu/+');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(inlineError(dialog, 'A subtopic may not contain "+"')).toBeVisible();
    await dialog.getByLabel('Subtopic').fill('eu/42');
    await expect(dialog.getByTestId('test-message-topic')).toHaveText('Orders/eu/42');
    await dialog.getByLabel('Payload').fill('hello from the console');
    await dialog.getByLabel('QoS').selectOption('1');
    await snap(page, '47-test-message');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();

    const messageId = dialog.getByTestId('test-message-id');
    await expect(messageId).toHaveText(/^[0-9a-f]{32}$/);
    await expect(dialog).toContainText('1 subscriber session(s) received it');
    await expect(dialog.getByRole('button', { name: 'Copy message ID' })).toBeVisible();
    expect(await received).toBe('Orders/eu/42: hello from the console');
    await snap(page, '48-test-message-sent');
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The live counters on the instance page count it.
    await page.getByRole('tab', { name: 'Basic information' }).click();
    await expect(page.getByTestId('stat-connections').locator('dd')).toHaveText('1');
    await expect(page.getByTestId('stat-received').locator('dd')).not.toHaveText('0');
    await snap(page, '49-live-counters');
  } finally {
    await sub.endAsync();
  }
});

test('the same pages in Chinese', async () => {
  await page.goto(`/instances/${instance.id}?tab=credentials`);
  await page.getByLabel('Language').selectOption('zh');
  await expect(page.getByRole('tab', { name: '设备凭证' })).toBeVisible();
  await expect(page.getByRole('button', { name: '注册设备' }).first()).toBeVisible();
  await expect(page.getByTestId(`credential-row-${device.clientId}`)).toContainText(device.accessKeyId);
  await snap(page, '50-credentials-zh');
  await page.getByRole('tab', { name: '客户端接入' }).click();
  await expect(page.getByText('示例设置')).toBeVisible();
  await snap(page, '51-connect-zh');
  await page.getByRole('tab', { name: '基本信息' }).click();
  await expect(page.getByText('实例限制')).toBeVisible();
  await snap(page, '52-basic-zh');
  await page.goto(`/instances/${instance.id}?tab=topics`);
  await page.getByRole('button', { name: '向 Orders 发送测试消息' }).click();
  await expect(page.getByRole('dialog')).toContainText('子级 Topic');
  await snap(page, '53-test-message-zh');
  await page.getByRole('dialog').getByRole('button', { name: '取消' }).click();
  await page.goto('/signature');
  await expect(page.getByRole('heading', { name: '签名工具' })).toBeVisible();
  await snap(page, '54-signature-zh');
  await page.getByLabel('Language').selectOption('en');
  await expect(page.getByRole('heading', { name: 'Signature helper' })).toBeVisible();
});
