// Playwright runs the portal in Debian's Chromium against a real `portal-server --demo`.
// `cargo xtask test e2e` builds everything, starts a fresh server on a free port with a
// throw-away database and passes its base URL in PORTAL_URL. Never `npx playwright install`:
// the browser is /usr/bin/chromium (apt package `chromium`).
import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunch } from './chromium';

const baseURL = process.env.PORTAL_URL;
if (!baseURL) {
  throw new Error(
    'PORTAL_URL is not set. Run `cargo xtask test e2e`, or start `portal-server --demo` ' +
      'yourself and set PORTAL_URL=http://127.0.0.1:PORT (the tests change the demo accounts).',
  );
}

export default defineConfig({
  testDir: './tests',
  // The demo accounts are shared state on one server: tests run one at a time.
  fullyParallel: false,
  workers: 1,
  // One retry on CI: a test that passes only on its retry is reported as flaky in the list,
  // while a real failure fails twice and fails the run.
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    ...devices['Desktop Chrome'],
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: chromiumLaunch,
  },
});
