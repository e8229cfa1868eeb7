/**
 * RocketMQ clusters and rules in the console: a cluster is added (inline validation, the
 * SecretKey never shown back), the rule wizard is walked with a validation error at each step,
 * one rule of each type is created, a second rule of a type on the same source is refused,
 * rules are disabled/enabled, edited and deleted after a confirmation, and a cluster in use
 * cannot be deleted. Screenshots in English and Chinese.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { inlineError, loginAsAdmin, magpie, snap } from './support';

async function walkToSummary(
  dialog: Locator,
  rule: { id: string; type: string; source: string; target: string; sourceSelect: boolean },
): Promise<void> {
  await dialog.getByLabel('Rule ID', { exact: true }).fill(rule.id);
  await dialog.getByLabel('Type', { exact: true }).selectOption(rule.type);
  await dialog.getByRole('button', { name: 'Next' }).click();
  // Step 2: the source; step 3: the target. The RocketMQ end has the cluster select.
  for (const [value, isSelect] of [
    [rule.source, rule.sourceSelect],
    [rule.target, !rule.sourceSelect],
  ] as const) {
    if (isSelect) {
      await dialog.getByRole('combobox').selectOption(value);
    } else {
      await dialog.getByLabel('RocketMQ cluster', { exact: true }).selectOption({ label: 'main (127.0.0.1:18081)' });
      await dialog.getByRole('textbox').fill(value);
    }
    await dialog.getByRole('button', { name: 'Next' }).click();
  }
  await expect(dialog.getByTestId('rule-summary')).toBeVisible();
}

async function openWizard(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Create rule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a rule' });
  await expect(dialog).toBeVisible();
  return dialog;
}

test('RocketMQ clusters and the rule wizard', async ({ page }) => {
  await loginAsAdmin(page);
  const instance = JSON.parse(magpie('instance', 'create', '--name', 'rules-instance', '--json')) as { id: string };
  magpie('topic', 'create', '--instance', instance.id, '--name', 'Orders');
  magpie('topic', 'create', '--instance', instance.id, '--name', 'Alerts');
  magpie('group', 'create', '--instance', instance.id, '--name', 'GID_devices');

  // The clusters page, from the navigation.
  await page.getByRole('link', { name: 'RocketMQ clusters' }).click();
  await expect(page.getByRole('heading', { name: 'RocketMQ clusters' })).toBeVisible();
  await expect(page.getByText('No RocketMQ clusters yet')).toBeVisible();
  await page.getByRole('button', { name: 'Add cluster' }).first().click();
  let dialog = page.getByRole('dialog', { name: 'Add a RocketMQ cluster' });
  await dialog.getByLabel('Name', { exact: true }).fill('x');
  await dialog.getByLabel('Proxy endpoints', { exact: true }).fill('nohost');
  await dialog.getByLabel('AccessKey', { exact: true }).fill('rmq-ak');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(inlineError(dialog, 'A cluster name must be 3-64 characters long.')).toBeVisible();
  await expect(inlineError(dialog, 'Enter the proxy endpoints as host:port')).toBeVisible();
  await expect(inlineError(dialog, 'Enter the SecretKey of this AccessKey.')).toBeVisible();
  await snap(page, '70-cluster-validation');
  await dialog.getByLabel('Name', { exact: true }).fill('main');
  await dialog.getByLabel('Proxy endpoints', { exact: true }).fill('127.0.0.1:18081');
  await dialog.getByLabel('SecretKey', { exact: true }).fill('rmq-secret-value');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  const clusterRow = page.getByTestId('cluster-row-main');
  await expect(clusterRow).toContainText('127.0.0.1:18081');
  await expect(clusterRow).toContainText('rmq-ak');
  await expect(page.getByText('rmq-secret-value')).toHaveCount(0);

  // Edit: the secret is write-only, left empty it is kept.
  await page.getByRole('button', { name: 'Edit: main' }).click();
  dialog = page.getByRole('dialog', { name: 'Edit cluster "main"' });
  await expect(dialog.getByLabel('SecretKey', { exact: true })).toHaveValue('');
  await expect(dialog.getByText('A SecretKey is stored; leave empty to keep it.')).toBeVisible();
  await dialog.getByLabel('Description', { exact: true }).fill('local proxy');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(clusterRow).toContainText('local proxy');

  // Test connection: the broker answers check by check (or says why it cannot).
  await page.getByRole('button', { name: 'Test connection: main' }).click();
  dialog = page.getByRole('dialog', { name: 'Connection test of "main"' });
  await dialog.getByLabel('Topic to check', { exact: true }).fill('bad topic');
  await dialog.getByRole('button', { name: 'Test connection' }).click();
  await expect(inlineError(dialog, 'A RocketMQ topic name may contain only')).toBeVisible();
  await dialog.getByLabel('Topic to check', { exact: true }).fill('rmq_orders');
  await dialog.getByRole('button', { name: 'Test connection' }).click();
  await expect(dialog.locator('[data-testid="cluster-test-checks"], div[role="alert"]').first()).toBeVisible({ timeout: 30_000 });
  await snap(page, '71-cluster-test');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await snap(page, '72-clusters');

  // The Rules tab.
  await page.goto(`/instances/${instance.id}?tab=rules`);
  await expect(page.getByText('No rules yet.')).toBeVisible();

  // The wizard, with a validation error at each step.
  dialog = await openWizard(page);
  await dialog.getByLabel('Rule ID', { exact: true }).fill('ab');
  await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(inlineError(dialog, 'A rule ID must be 3-64 characters long.')).toBeVisible();
  await dialog.getByLabel('Rule ID', { exact: true }).fill('---');
  await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(inlineError(dialog, 'A rule ID must contain at least one letter or digit.')).toBeVisible();
  await dialog.getByLabel('Rule ID', { exact: true }).fill('out-orders');
  await dialog.getByLabel('Description', { exact: true }).fill('orders to RocketMQ');
  await dialog.getByLabel('Type', { exact: true }).selectOption('outflow');
  await snap(page, '73-wizard-step1');
  await dialog.getByRole('button', { name: 'Next' }).click();
  // Step 2: nothing chosen.
  await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(inlineError(dialog, 'This field is required.')).toBeVisible();
  await dialog.getByLabel('Source parent topic', { exact: true }).selectOption('Orders');
  await dialog.getByRole('button', { name: 'Next' }).click();
  // Step 3: a bad RocketMQ topic and no cluster.
  await dialog.getByLabel('Target RocketMQ topic', { exact: true }).fill('orders/v1');
  await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(inlineError(dialog, 'A RocketMQ topic name may contain only')).toBeVisible();
  await expect(inlineError(dialog, 'Choose a RocketMQ cluster.')).toBeVisible();
  await snap(page, '74-wizard-step3-errors');
  // Back keeps what was entered.
  await dialog.getByRole('button', { name: 'Back' }).click();
  await expect(dialog.getByLabel('Source parent topic', { exact: true })).toHaveValue('Orders');
  await dialog.getByRole('button', { name: 'Next' }).click();
  await dialog.getByLabel('RocketMQ cluster', { exact: true }).selectOption({ label: 'main (127.0.0.1:18081)' });
  await dialog.getByLabel('Target RocketMQ topic', { exact: true }).fill('rmq_orders');
  await dialog.getByRole('button', { name: 'Next' }).click();
  const summary = dialog.getByTestId('rule-summary');
  await expect(summary).toContainText('out-orders');
  await expect(summary).toContainText('Data outflow');
  await expect(summary).toContainText('rmq_orders');
  await snap(page, '75-wizard-summary');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toHaveCount(0);

  // An inflow and a status rule.
  dialog = await openWizard(page);
  await walkToSummary(dialog, { id: 'in-alerts', type: 'inflow', source: 'rmq_alerts', target: 'Alerts', sourceSelect: false });
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  dialog = await openWizard(page);
  await walkToSummary(dialog, { id: 'status-devices', type: 'status', source: 'GID_devices', target: 'rmq_status', sourceSelect: true });
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toHaveCount(0);

  for (const [id, type, route] of [
    ['out-orders', 'Data outflow', /Orders.*rmq_orders/],
    ['in-alerts', 'Data inflow', /rmq_alerts.*Alerts/],
    ['status-devices', 'Client status notification', /GID_devices.*rmq_status/],
  ] as const) {
    const row = page.getByTestId(`rule-row-${id}`);
    await expect(row).toContainText(type);
    await expect(row).toContainText(route);
    await expect(row).toContainText('Enabled');
  }
  await snap(page, '76-rules-list');

  // A second outflow rule on Orders: the wizard goes back to the source step and says why.
  dialog = await openWizard(page);
  await walkToSummary(dialog, { id: 'out-again', type: 'outflow', source: 'Orders', target: 'rmq_x', sourceSelect: true });
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(inlineError(dialog, 'Rule "out-orders" is already the data outflow rule of "Orders"')).toBeVisible();
  await expect(dialog.getByLabel('Source parent topic', { exact: true })).toBeVisible();
  await snap(page, '77-wizard-duplicate');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // Disable and enable.
  const outRow = page.getByTestId('rule-row-out-orders');
  await page.getByRole('switch', { name: 'Disable: out-orders' }).click();
  await expect(outRow).toContainText('Disabled');
  await page.getByRole('switch', { name: 'Enable: out-orders' }).click();
  await expect(outRow).toContainText('Enabled');

  // Edit: everything but the ID and the type.
  await page.getByRole('button', { name: 'Edit: out-orders' }).click();
  dialog = page.getByRole('dialog', { name: 'Edit rule "out-orders"' });
  await dialog.getByLabel('Target RocketMQ topic', { exact: true }).fill('bad topic');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(inlineError(dialog, 'A RocketMQ topic name may contain only')).toBeVisible();
  await dialog.getByLabel('Target RocketMQ topic', { exact: true }).fill('rmq_orders_v2');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(outRow).toContainText('rmq_orders_v2');

  // Delete with confirmation.
  await page.getByRole('button', { name: 'Delete: in-alerts' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete rule "in-alerts"?' });
  await expect(confirm).toContainText('Messages stop flowing through this rule');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('rule-row-in-alerts')).toHaveCount(0);
  expect(JSON.parse(magpie('rule', 'list', '--instance', instance.id, '--json')).map((r: { ruleId: string }) => r.ruleId)).toEqual([
    'out-orders',
    'status-devices',
  ]);

  // The cluster is in use: its delete is refused with the rules named.
  await page.goto('/rocketmq');
  await page.getByRole('button', { name: 'Delete: main' }).click();
  const confirmCluster = page.getByRole('dialog', { name: 'Delete cluster "main"?' });
  await confirmCluster.getByRole('button', { name: 'Delete' }).click();
  await expect(confirmCluster.getByRole('alert')).toContainText('is used by 2 rule(s)');
  await snap(page, '78-cluster-in-use');
  await confirmCluster.getByRole('button', { name: 'Cancel' }).click();

  // Chinese.
  await page.getByLabel('Language', { exact: true }).selectOption('zh');
  await expect(page.getByRole('heading', { name: 'RocketMQ 集群' })).toBeVisible();
  await snap(page, '80-clusters-zh');
  await page.goto(`/instances/${instance.id}?tab=rules`);
  await expect(page.getByTestId('rule-row-out-orders')).toContainText('数据流出');
  await snap(page, '81-rules-zh');
  await page.getByRole('button', { name: '创建规则' }).click();
  const zhDialog = page.getByRole('dialog', { name: '创建规则' });
  await zhDialog.getByRole('button', { name: '下一步' }).click();
  await expect(inlineError(zhDialog, '规则 ID 长度须为 3-64 个字符。')).toBeVisible();
  await snap(page, '82-wizard-zh');
  await zhDialog.getByRole('button', { name: '取消' }).click();
  await page.getByLabel('Language', { exact: true }).selectOption('en');
});
