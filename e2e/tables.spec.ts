/**
 * Tables at size (500 parent topics: search, sort, paging), the settings forms, and deleting an
 * instance, which needs its name typed in and takes its topics and groups with it.
 */
import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, inlineError, loginAsAdmin, magpie, snap, trpcMutations } from './support';

test('500 parent topics: the table searches, sorts and pages', async ({ page }) => {
  await loginAsAdmin(page);
  const instance = JSON.parse(magpie('instance', 'create', '--name', 'big-instance', '--json')) as { id: string };
  const names = Array.from({ length: 500 }, (_, i) => `Topic-${String(i).padStart(4, '0')}`);
  await trpcMutations(
    page,
    'topics.create',
    names.map((name, i) => ({ instanceId: instance.id, name, description: `topic number ${i}` })),
  );

  await page.goto(`/instances/${instance.id}?tab=topics`);
  const table = page.getByRole('table');
  await expect(page.getByText('1–10 of 500')).toBeVisible();
  await expect(table.getByRole('row')).toHaveCount(11); // header + 10
  await expect(table.getByRole('row').nth(1)).toContainText('Topic-0000');

  await page.getByRole('button', { name: 'Next page' }).click();
  await expect(page.getByText('11–20 of 500')).toBeVisible();
  await expect(table.getByRole('row').nth(1)).toContainText('Topic-0010');

  await page.getByLabel('Rows per page').selectOption('50');
  await expect(table.getByRole('row')).toHaveCount(51);

  // The list starts sorted by name; one click turns it round and puts the last topic first.
  const nameHeader = table.getByRole('columnheader', { name: /Parent topic/ });
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
  await nameHeader.getByRole('button').click();
  await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(table.getByRole('row').nth(1)).toContainText('Topic-0499');

  await page.getByRole('searchbox', { name: 'Search' }).fill('Topic-042');
  await expect(page.getByText('1–10 of 10')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search' }).fill('no-such-topic');
  await expect(page.getByText('Nothing matches "no-such-topic"')).toBeVisible();
  await snap(page, '20-topics-500-search-empty');
  await page.getByRole('searchbox', { name: 'Search' }).fill('');
  await expect(page.getByText(/of 500/)).toBeVisible();
  await snap(page, '21-topics-500');
});

test('the endpoint host name is set in Settings and used in endpoint URLs', async ({ page }) => {
  await loginAsAdmin(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  const host = page.getByLabel('Endpoint host name');
  await host.fill('not a host!');
  await page.getByRole('button', { name: 'Save' }).first().click();
  await expect(inlineError(page, 'Enter a host name (e.g. mqtt.example.com) or an IP address.')).toBeVisible();
  await host.fill('broker.example.com');
  await page.getByRole('button', { name: 'Save' }).first().click();
  await expect(host).toHaveValue('broker.example.com');
  await snap(page, '22-settings');

  const instance = JSON.parse(magpie('instance', 'create', '--name', 'hosted', '--json')) as { id: string; tcpPort: number };
  await page.goto(`/instances/${instance.id}?tab=endpoints`);
  await expect(page.getByTestId('endpoint-tcp')).toContainText(`mqtt://broker.example.com:${instance.tcpPort}`);
});

test('Settings: trace retention and the admin password, each refused inline when wrong and kept when right', async ({ page, browser }) => {
  await loginAsAdmin(page);
  await page.goto('/settings');
  const days = page.getByLabel('Keep for (days)');
  await days.fill('0');
  await page.getByRole('button', { name: 'Save' }).nth(1).click();
  await expect(inlineError(page, 'Enter a whole number of days from 1 to 365.')).toBeVisible();
  await days.fill('7');
  await expect(inlineError(page, 'Enter a whole number of days from 1 to 365.')).toHaveCount(0); // typing clears it
  await page.getByRole('button', { name: 'Save' }).nth(1).click();
  await expect(page.getByText('Traces and statistics are now kept for 7 days.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Keep for (days)')).toHaveValue('7');

  const current = page.getByLabel('Current password');
  const next = page.getByLabel('New password');
  const confirm = page.getByLabel('Confirm password');
  const change = page.getByRole('button', { name: 'Change password' });
  await next.fill('another-password');
  await confirm.fill('another-passw0rd');
  await change.click();
  await expect(inlineError(page, 'This field is required.')).toBeVisible();
  await expect(inlineError(page, 'The two passwords do not match.')).toBeVisible();
  await current.fill('not-the-password');
  await confirm.fill('another-password');
  await change.click();
  await expect(page.getByRole('alert').filter({ hasText: 'The current password is wrong.' }).first()).toBeVisible();
  await current.fill(ADMIN_PASSWORD);
  await change.click();
  await expect(page.getByText('Password changed. Other sessions were logged out.')).toBeVisible();
  await expect(current).toHaveValue('');

  // The new password logs in elsewhere; then the old one is put back for the other tests.
  const logsIn = async (password: string) => {
    const other = await browser.newPage();
    await other.goto('/login');
    await other.getByLabel('Password', { exact: true }).fill(password);
    await other.getByRole('button', { name: 'Log in' }).click();
    await other.waitForURL(/\/instances/);
    await other.close();
  };
  await logsIn('another-password');
  await current.fill('another-password');
  await next.fill(ADMIN_PASSWORD);
  await confirm.fill(ADMIN_PASSWORD);
  await change.click();
  await expect(current).toHaveValue(''); // cleared on success
  await logsIn(ADMIN_PASSWORD);
});

test('deleting an instance needs its name typed in and removes its topics and groups', async ({ page }) => {
  await loginAsAdmin(page);
  const instance = JSON.parse(magpie('instance', 'create', '--name', 'doomed', '--open', '--json')) as { id: string };
  magpie('topic', 'create', 'Doomed', '--instance', instance.id);
  magpie('group', 'create', 'GID_doomed', '--instance', instance.id);

  await page.goto(`/instances/${instance.id}`);
  await expect(page.getByText('Open mode').first()).toBeVisible();
  await page.getByRole('button', { name: 'Delete instance' }).click();
  const dialog = page.getByRole('dialog');
  const confirmButton = dialog.getByRole('button', { name: 'Delete', exact: true });
  await expect(confirmButton).toBeDisabled();
  await dialog.getByLabel('Type the instance name to confirm').fill('doome');
  await expect(confirmButton).toBeDisabled();
  await dialog.getByLabel('Type the instance name to confirm').fill('doomed');
  await snap(page, '23-delete-instance');
  await confirmButton.click();
  await expect(page).toHaveURL(/\/instances$/);
  await expect(page.getByRole('row').filter({ hasText: 'doomed' })).toHaveCount(0);

  const left = JSON.parse(magpie('instance', 'list', '--json')) as { id: string }[];
  expect(left.map((i) => i.id)).not.toContain(instance.id);
  expect(() => magpie('topic', 'list', '--instance', instance.id)).toThrow(/does not exist/);
});
