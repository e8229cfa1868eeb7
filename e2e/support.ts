/** Helpers shared by the end-to-end tests. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';

export const ADMIN_PASSWORD = 'e2e-admin-password';
export const SCREENSHOT_DIR = path.join(process.cwd(), 'test-results', 'screenshots');

/** Saves a full-page screenshot as a test artifact (test-results/screenshots/<name>.png). */
export async function snap(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Runs the real `magpie` CLI on the console's data directory. */
export function magpie(...args: string[]): string {
  return execFileSync(process.execPath, [path.join(process.cwd(), 'bin', 'magpie.js'), ...args], {
    env: { ...process.env, MAGPIE_DATA_DIR: process.env.E2E_DATA_DIR },
    encoding: 'utf8',
  });
}

/** An instance as `magpie instance create|get --json` prints it (the fields the tests read). */
export interface InstanceJson {
  id: string;
  name: string;
  tcpPort: number;
  tlsPort: number;
  wsPort: number;
  wssPort: number;
  openMode: boolean;
  maxKeepAlive: number;
  maxTopicLength: number;
  maxPayloadBytes: number;
}

/** Logs in as admin (setting the password first on a fresh console). */
export async function loginAsAdmin(page: Page): Promise<void> {
  await page.goto('/login');
  if (page.url().includes('/setup')) {
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByLabel('Confirm password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
  } else if (page.url().includes('/login')) {
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
  }
  await page.waitForURL(/\/instances/);
}

/** Calls tRPC mutations in batches with the page's session cookie. */
export async function trpcMutations(page: Page, procedure: string, inputs: unknown[]): Promise<void> {
  for (let i = 0; i < inputs.length; i += 50) {
    const chunk = inputs.slice(i, i + 50);
    const path = Array(chunk.length).fill(procedure).join(',');
    const body = Object.fromEntries(chunk.map((input, n) => [String(n), input]));
    const res = await page.request.post(`/api/trpc/${path}?batch=1`, { data: body });
    if (!res.ok()) throw new Error(`${procedure}: HTTP ${res.status()} ${await res.text()}`);
  }
}

/** An inline form message (not the toast that may repeat it). */
export function inlineError(scope: Page | Locator, text: string): Locator {
  return scope.locator('p[role="alert"]', { hasText: text });
}
