// `cargo xtask bench lighthouse`, signed-in pages: Lighthouse needs a browser whose portal
// made its device key and whose session is bound to that key, which `--extra-headers`
// cannot give it. xtask runs this config once per audit, with LH_URL, LH_ACCOUNT, LH_PORT
// and LH_OUTPUT. The nav bench's config (playwright.config.ts) never matches this file.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: 'lighthouse.audit.ts',
  workers: 1,
  retries: 0,
  reporter: 'list',
  timeout: 300_000,
});
