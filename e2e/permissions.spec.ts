/**
 * The Permissions tab of an instance: rules are listed, created (bad filters and duplicates
 * refused inline), deleted after a confirmation; rules made with the CLI show up too.
 */
import { expect, test } from '@playwright/test';
import { inlineError, loginAsAdmin, magpie, snap } from './support';

test('topic permissions: create with inline validation, duplicates refused, delete with confirmation', async ({ page }) => {
  await loginAsAdmin(page);
  const instance = JSON.parse(magpie('instance', 'create', '--name', 'perm-instance', '--json')) as { id: string };
  await page.goto(`/instances/${instance.id}`);
  await page.getByRole('tab', { name: 'Permissions' }).click();
  await expect(page).toHaveURL(/tab=permissions/);
  await expect(page.getByText('No topic permissions')).toBeVisible();

  await page.getByRole('button', { name: 'Add rule', exact: true }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Topic filter').fill('secret/#/x');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(inlineError(dialog, 'Not a valid MQTT topic filter')).toBeVisible();
  await dialog.getByLabel('Topic filter').fill('$share/g/secret/#');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(inlineError(dialog, 'not a shared subscription')).toBeVisible();
  await dialog.getByLabel('Topic filter').fill('secret/#');
  await dialog.getByLabel('Action').selectOption('subscribe');
  await dialog.getByLabel('Effect').selectOption('deny');
  await dialog.getByLabel('Description').fill('no peeking');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const row = page.getByRole('row').filter({ hasText: 'no peeking' });
  await expect(row).toContainText('secret/#');
  await expect(row).toContainText('Subscribe');
  await expect(row).toContainText('Deny');

  await page.getByRole('button', { name: 'Add rule', exact: true }).first().click();
  await dialog.getByLabel('Topic filter').fill('secret/#');
  await dialog.getByLabel('Action').selectOption('subscribe');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(inlineError(dialog, 'A subscribe rule for the topic filter "secret/#" already exists')).toBeVisible();
  await snap(page, '30-permission-duplicate');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();

  magpie('permission', 'create', '--instance', instance.id, '--filter', 'ro/+', '--action', 'publish', '--effect', 'deny');
  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: 'ro/+' })).toContainText('Publish');
  await snap(page, '31-permissions');

  await page.getByRole('button', { name: 'Delete the Subscribe rule for secret/#' }).click();
  const confirm = page.getByRole('dialog');
  await expect(confirm).toContainText('Delete the deny rule for "secret/#"');
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByRole('row').filter({ hasText: 'no peeking' })).toHaveCount(0);
  await expect(page.getByRole('row').filter({ hasText: 'ro/+' })).toBeVisible();
  expect(JSON.parse(magpie('permission', 'list', '--instance', instance.id, '--json'))).toHaveLength(1);
});
