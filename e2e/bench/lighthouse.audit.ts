// One Lighthouse audit of a page signed in, run through Playwright (see lighthouse.config.ts).
//
// A browser with a profile of its own (Lighthouse must open its tab in the context whose
// storage holds the key and the cookie) opens the portal once, so the portal makes its key;
// the account signs in through the API with that key (the cookie lands in the profile); the
// HTTP cache is emptied, and Lighthouse audits LH_URL over the DevTools port without its
// own storage reset (which would delete the key). So the audit sees a first visit of a
// returning browser: nothing cached, the key and the session there.
import { test, expect, chromium } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromiumLaunch } from '../chromium';
import { PageKey } from '../tests/dpop';
import { ApiClient, portalPage } from '../tests/flow-fixtures';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set. Run \`cargo xtask bench lighthouse\`.`);
  return value;
};

test('lighthouse audit, signed in', async () => {
  const url = env('LH_URL');
  const account = env('LH_ACCOUNT');
  const port = Number(env('LH_PORT'));
  const output = env('LH_OUTPUT');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-lighthouse-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumLaunch.executablePath,
    args: [...chromiumLaunch.args.filter((arg) => arg !== '--headless'), `--remote-debugging-port=${port}`],
    headless: true,
    baseURL: new URL(url).origin,
  });
  try {
    const page = await portalPage(context);
    await new ApiClient(context.request, new PageKey(page)).signIn(account);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
    await cdp.detach();
    await page.close();
    // ESM only: loaded at run time, not through the test runner's CommonJS transform.
    const { default: lighthouse } = await import('lighthouse');
    const result = await lighthouse(url, {
      port,
      output: 'json',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
      disableStorageReset: true,
      logLevel: 'error',
    });
    expect(result, 'Lighthouse gave no result').toBeTruthy();
    fs.writeFileSync(output, result!.report as string);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
