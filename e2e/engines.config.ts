// The engines suite: the core flows in Gecko (Firefox ESR + geckodriver) and WebKit
// (WebKitGTK's MiniBrowser + WebKitWebDriver, under xvfb-run), over W3C WebDriver
// (selenium-webdriver; see engines/webdriver.ts). Playwright is the test runner only.
// `cargo xtask test engines` runs one project per engine, each against a fresh
// `portal-server --demo` (PORTAL_URL).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './engines',
  // One browser session runs a group of flows in order, on accounts that one server keeps:
  // a retry would find them changed, so none (a flaky wait is fixed, not retried).
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  // An output folder per engine: xtask runs them one after the other, and each run empties its own.
  projects: [
    { name: 'gecko', outputDir: './test-results/engines-gecko' },
    { name: 'webkit', outputDir: './test-results/engines-webkit' },
  ],
});
