// The Playwright bench of `cargo xtask bench nav`: its own config, so `cargo xtask test e2e`
// (testDir ./tests) never runs it. xtask starts a fresh release `portal-server --demo` and
// passes its address in PORTAL_URL, the number of timed runs in BENCH_RUNS and the results
// file in BENCH_OUT. Same Chromium and flags as the e2e suite.
import { defineConfig } from '@playwright/test';
import { chromiumLaunch } from '../chromium';

const baseURL = process.env.PORTAL_URL;
if (!baseURL) {
  throw new Error('PORTAL_URL is not set. Run `cargo xtask bench nav`.');
}

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // One server with shared demo accounts, and timings: one test at a time, in file order.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: 'list',
  timeout: 300_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL,
    viewport: { width: 1280, height: 720 },
    trace: 'off',
    launchOptions: chromiumLaunch,
  },
});
