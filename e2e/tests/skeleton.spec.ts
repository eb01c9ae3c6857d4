// The walking skeleton: the real portal, served by the real server, signs a demo account in.
import { DEMO_PASSWORD, expect, signIn, test } from './helpers';

test('a new account signs in, sees this browser is not enrolled, and signs out', async ({ page }) => {
  await signIn(page, 'new@demo.test');

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Your security');
  await expect(page.getByText('This browser is not enrolled')).toBeVisible();

  // The password never lands in web storage (a session token may; a secret may not).
  const stored = await page.evaluate(() => {
    const entries: string[] = [];
    for (const storage of [window.localStorage, window.sessionStorage]) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i) ?? '';
        entries.push(`${key}=${storage.getItem(key) ?? ''}`);
      }
    }
    return entries;
  });
  for (const entry of stored) expect(entry).not.toContain(DEMO_PASSWORD);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in(\?|$)/);

  // Signed out for real: the home page sends us back to sign-in.
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in(\?|$)/);
});

test('an unknown route shows "Page not found"', async ({ page }) => {
  await signIn(page, 'new@demo.test');
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { name: /Page not found/ })).toBeVisible();
});
