// The browser's own fetch, as the portal calls it, when the network fails: offline, and a
// server that never answers (the portal's 15 s timeout aborts the request). Each time the
// user is told in plain words, keeps the email (the password, by design, is not kept beyond
// its request), and signing in works once the network is back.
import { DEMO_PASSWORD, expect, test } from './helpers';
import type { Page } from '@playwright/test';

async function fillSignIn(page: Page): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email', { exact: true }).fill('new@demo.test');
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
}

async function expectEmailKept(page: Page): Promise<void> {
  await expect(page).toHaveURL(/\/sign-in(\?|$)/);
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue('new@demo.test');
}

async function signInAgain(page: Page): Promise<void> {
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).not.toHaveURL(/\/sign-in(\?|$)/);
}

test('offline: signing in says the server cannot be reached, then works once back online', async ({
  page,
  context,
}) => {
  await fillSignIn(page);
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('We could not reach the server');
  await expectEmailKept(page);

  await context.setOffline(false);
  await signInAgain(page);
});

test('a server that never answers: the request is given up after 15 s, then works once it answers', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await fillSignIn(page);
  // Held, never answered: only the portal's own timeout ends the wait.
  await page.route('**/api/v1/session', async (route) => {
    if (route.request().method() !== 'POST') await route.continue();
  });
  const started = Date.now();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('The server took too long to answer', {
    timeout: 25_000,
  });
  expect(Date.now() - started).toBeGreaterThanOrEqual(14_000);
  await expectEmailKept(page);

  await page.unroute('**/api/v1/session');
  await signInAgain(page);
});
