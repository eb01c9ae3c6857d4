// `cargo xtask bench nav`: how fast the first screens become usable, and how many HTTP
// requests each user action of the main flows costs. Run by xtask against a fresh demo server
// (PORTAL_URL); results go to BENCH_OUT as JSON, which xtask merges into bench.json:
//
//   { runs, navigation: [{ path, ready, signedInAs, runsMs, medianMs, inPageRunsMs,
//     inPageMedianMs }], requests: [{ flow, action, all, api, calls }], errors: [{ test, message }] }
//
// The tests share the demo accounts of one server, so they run in this order: the timings
// first (new@ not enrolled yet), then sign-in and enrollment as new@, then the account flows
// as enrolled@ on a device enrolled through the API. Each test writes its figures as soon as
// it has them, so a failing test keeps the others'.
import { test, expect, type APIRequestContext, type Browser, type BrowserContext, type Page, type Request } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DEMO_PASSWORD, latestCode } from '../tests/helpers';

const BASE = process.env.PORTAL_URL as string;
const OUT = process.env.BENCH_OUT ?? 'bench-results.json';
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? '7') || 7);
const DEVICE_ID_KEY = 'portal.deviceId';
const ENROLLED_PIN = '246801';
const ENROLLED_PHONE = '+12015550124';

type Results = {
  runs: number;
  navigation: unknown[];
  requests: unknown[];
  errors: { test: string; message: string }[];
};

/** Adds `item` to the list `key` of the results file (read, change, write: one worker). */
function append(key: 'navigation' | 'requests' | 'errors', item: any): void {
  const results: Results = fs.existsSync(OUT)
    ? JSON.parse(fs.readFileSync(OUT, 'utf8'))
    : { runs: RUNS, navigation: [], requests: [], errors: [] };
  (results[key] as unknown[]).push(item);
  fs.writeFileSync(OUT, JSON.stringify(results, null, 2));
}

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    append('errors', { test: testInfo.title, message: testInfo.error?.message ?? String(testInfo.status) });
  }
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** A fresh context (empty cache and storage: a first visit), on the bench server. */
async function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 720 } });
}

/** Signs `email` in through the API in `context`: the session cookie lands in its jar. */
async function apiSignIn(request: APIRequestContext, email: string, deviceId = randomUUID()): Promise<string> {
  const response = await request.post('/api/v1/session', {
    data: { email, password: DEMO_PASSWORD },
    headers: { 'X-Device-Id': deviceId },
  });
  expect(response.status(), `POST /api/v1/session as ${email}`).toBe(200);
  return (await response.json()).result.token as string;
}

/** Which screen a timed navigation waits for. */
type Screen = 'sign-in' | 'method-step';

/**
 * Installed in the page before its own scripts (an init script, so the portal's CSP, which
 * forbids eval, does not apply): checks the screen every animation frame and, once it is
 * usable, reports `performance.now()` (ms since the navigation started) to `__benchReady`.
 */
function watchReadiness(screen: Screen): void {
  const usable = (el: Element | null | undefined): boolean => {
    if (!el || (el as HTMLInputElement).disabled || el.closest('[inert]')) return false;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };
  const ready = (): boolean => {
    if (screen === 'sign-in') {
      return location.pathname === '/sign-in' && usable(document.querySelector('input#email'));
    }
    const radios = [...document.querySelectorAll('input[type=radio][name=method]')];
    const submit = radios[0]?.closest('form')?.querySelector('button[type=submit]');
    return location.pathname === '/enroll/phone' && radios.length === 2 && radios.every(usable) && usable(submit);
  };
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return;
  const tick = () => {
    if (ready()) {
      (window as unknown as { __benchReady: (t: number) => void }).__benchReady(performance.now());
    } else {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
}

/** In a fresh `context`: `page.goto(path)` until `screen` is usable: the wall time from the
 * goto (measured here) and the in-page time from the navigation start. */
async function timeToInteractive(
  context: BrowserContext,
  path: string,
  screen: Screen,
): Promise<{ wallMs: number; inPageMs: number; page: Page }> {
  let start = 0;
  let reached: (value: { wallMs: number; inPageMs: number }) => void = () => {};
  const readiness = new Promise<{ wallMs: number; inPageMs: number }>((resolve) => (reached = resolve));
  await context.exposeBinding('__benchReady', (_source, inPageMs: number) =>
    reached({ wallMs: performance.now() - start, inPageMs }),
  );
  await context.addInitScript(watchReadiness, screen);
  const page = await context.newPage();
  start = performance.now();
  await page.goto(path, { waitUntil: 'commit' });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${path}: the ${screen} screen was not usable within 30 s`)), 30_000);
  });
  try {
    return { ...(await Promise.race([readiness, timeout])), page };
  } finally {
    clearTimeout(timer);
  }
}

async function timeNavigation(
  browser: Browser,
  path: string,
  readyLabel: string,
  screen: Screen,
  signedInAs: string | null,
  check: (page: Page) => Promise<void>,
): Promise<void> {
  const wall: number[] = [];
  const inPage: number[] = [];
  // One untimed run first: the server's files into the OS cache, Chromium warmed up.
  for (let run = 0; run <= RUNS; run++) {
    const context = await freshContext(browser);
    try {
      if (signedInAs) await apiSignIn(context.request, signedInAs);
      const timing = await timeToInteractive(context, path, screen);
      await check(timing.page);
      if (run > 0) {
        wall.push(round(timing.wallMs));
        inPage.push(round(timing.inPageMs));
      }
    } finally {
      await context.close();
    }
  }
  append('navigation', {
    path,
    ready: readyLabel,
    signedInAs,
    runsMs: wall,
    medianMs: median(wall),
    inPageRunsMs: inPage,
    inPageMedianMs: median(inPage),
  });
}

test('navigation to the first interactive screen: /sign-in and /enroll (new@)', async ({ browser }) => {
  await timeNavigation(browser, '/sign-in', 'email field enabled', 'sign-in', null, async (page) => {
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  });
  await timeNavigation(browser, '/enroll', 'method step ready (radios, Continue)', 'method-step', 'new@demo.test', async (page) => {
    await expect(page).toHaveURL(/\/enroll\/phone$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Add a trusted phone number');
  });
});

/** Counts the requests a page sends, per user action. */
class RequestCounter {
  private readonly seen: Request[] = [];
  private inFlight = 0;
  private lastEvent = Date.now();

  constructor(private readonly page: Page, private readonly flow: string) {
    page.on('request', (request) => {
      this.seen.push(request);
      this.inFlight += 1;
      this.lastEvent = Date.now();
    });
    const done = () => {
      this.inFlight = Math.max(0, this.inFlight - 1);
      this.lastEvent = Date.now();
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
  }

  /** Runs `act` (the action and the wait for its result), waits until the network is
   * quiet (nothing in flight for 500 ms), then records the requests it caused. */
  async action(name: string, act: () => Promise<void>): Promise<void> {
    const from = this.seen.length;
    await act();
    const deadline = Date.now() + 10_000;
    while ((this.inFlight > 0 || Date.now() - this.lastEvent < 500) && Date.now() < deadline) {
      await this.page.waitForTimeout(100);
    }
    const requests = this.seen.slice(from);
    const api = requests.filter((r) => new URL(r.url()).pathname.startsWith('/api/'));
    append('requests', {
      flow: this.flow,
      action: name,
      all: requests.length,
      api: api.length,
      calls: requests.map((r) => {
        const url = new URL(r.url());
        return `${r.method()} ${url.origin === new URL(BASE).origin ? url.pathname + url.search : url.href}`;
      }),
    });
  }
}

async function fillSignIn(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
}

test('requests: sign-in (new@)', async ({ browser }) => {
  const context = await freshContext(browser);
  const page = await context.newPage();
  const count = new RequestCounter(page, 'sign-in');
  await count.action('open /sign-in (first visit)', async () => {
    await page.goto('/sign-in');
    await expect(page.getByLabel('Email', { exact: true })).toBeEnabled();
  });
  await fillSignIn(page, 'new@demo.test');
  await count.action('submit the form', async () => {
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page).not.toHaveURL(/\/sign-in(\?|$)/);
    await expect(page.getByTestId('device-status')).toContainText('This browser is not enrolled');
  });
  await context.close();
});

test('requests: enrollment of new@ with the quick method', async ({ browser, request }) => {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await page.goto('/sign-in');
  await fillSignIn(page, 'new@demo.test');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('device-status')).toContainText('This browser is not enrolled');
  const count = new RequestCounter(page, 'enrollment (quick)');
  await count.action('open the enrollment (home link)', async () => {
    await page.getByRole('link', { name: 'Enroll this browser' }).click();
    await expect(page).toHaveURL(/\/enroll\/phone$/);
    await expect(page.getByRole('radio', { name: /Quick enrollment/ })).toBeChecked();
  });
  await count.action('continue with the quick method', async () => {
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page).toHaveURL(/\/enroll\/phone\/shortcut$/);
    await expect(page.getByLabel('Mobile phone number')).toBeEnabled();
  });
  await page.getByLabel('Mobile phone number').fill('06 11 22 33 44');
  const since = Date.now();
  await count.action('send the code', async () => {
    await page.getByRole('button', { name: 'Send the code' }).click();
    await expect(page.getByText(/We sent a 6-digit code to \+33 6/)).toBeVisible();
  });
  // The outbox is read through `request`, not the page: not counted.
  const code = await latestCode(request, 'new@demo.test', '+33611223344', { since, purpose: 'phoneNumberCertification' });
  await page.getByLabel('Code received by SMS').fill(code);
  await page.getByLabel('Choose a PIN').fill('482915');
  await page.getByLabel('Type the PIN again').fill('482915');
  await count.action('enroll (code and new PIN)', async () => {
    await page.getByRole('button', { name: 'Enroll this browser' }).click();
    await expect(page).toHaveURL(/\/enroll\/done$/);
    await expect(page.getByTestId('enrolled')).toBeVisible();
  });
  await context.close();
});

/** A context signed in (cookie) as enrolled@ on a new device enrolled through the API, whose
 * id the portal finds in localStorage. */
async function enrolledContext(browser: Browser): Promise<BrowserContext> {
  const context = await freshContext(browser);
  const deviceId = randomUUID();
  const api = context.request;
  const token = await apiSignIn(api, 'enrolled@demo.test', deviceId);
  const headers = { 'X-Device-Id': deviceId, Authorization: `Bearer ${token}` };
  const call = async (url: string, data: unknown) => {
    const response = await api.post(url, { data, headers });
    const body = await response.json();
    expect(body.status, `POST ${url}: ${JSON.stringify(body)}`).toBe('SUCCEEDED');
  };
  const since = Date.now();
  await call('/api/v1/pims/authentication/smscode/request', { type: 'enrollment' });
  const code = await latestCode(api, 'enrolled@demo.test', ENROLLED_PHONE, { since, purpose: 'enrollment' });
  await call('/api/v1/pims/authentication/smscode', { action: 'enrollment', smsCode: code });
  await call('/api/v1/pims/authentication/enrollment', { action: 'enroll', pinCode: ENROLLED_PIN });
  await context.addInitScript(([key, id]) => window.localStorage.setItem(key, id), [DEVICE_ID_KEY, deviceId] as const);
  return context;
}

test('requests: account hub, vehicle removal with the step-up PIN, PIN update (enrolled@)', async ({ browser }) => {
  const context = await enrolledContext(browser);
  const page = await context.newPage();
  // Signed in by the API's session cookie, which the portal restores on load.
  await page.goto('/');
  await expect(page.getByTestId('device-status')).toContainText('This browser is enrolled');

  const hub = new RequestCounter(page, 'account hub');
  await hub.action('open the hub (home link)', async () => {
    await page.getByRole('link', { name: 'Manage account security' }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByTestId('events')).toBeVisible();
  });

  const vehicles = new RequestCounter(page, 'vehicle removal (step-up PIN)');
  await vehicles.action('open the vehicles (hub link)', async () => {
    await page.getByRole('link', { name: 'Manage vehicles' }).click();
    await expect(page).toHaveURL(/\/account\/vehicles$/);
    await expect(page.getByTestId('vehicles').getByRole('listitem')).toHaveCount(1);
  });
  const dialog = page.getByRole('dialog', { name: 'Confirm with your PIN' });
  await vehicles.action('remove the vehicle (asks for the PIN)', async () => {
    await page.getByRole('button', { name: /^Remove Renault Clio/ }).click();
    await expect(dialog).toBeVisible();
  });
  await dialog.getByLabel('PIN', { exact: true }).fill(ENROLLED_PIN);
  await vehicles.action('confirm with the PIN', async () => {
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('notice')).toContainText('removed from your account');
  });

  await page.goto('/account');
  await expect(page.getByTestId('events')).toBeVisible();
  const pin = new RequestCounter(page, 'PIN update');
  await pin.action('open Change PIN (hub link)', async () => {
    await page.getByRole('link', { name: 'Change PIN' }).click();
    await expect(page).toHaveURL(/\/account\/pin\/update$/);
    await expect(page.getByLabel('Current PIN')).toBeEnabled();
  });
  await page.getByLabel('Current PIN').fill(ENROLLED_PIN);
  await page.getByLabel('New PIN', { exact: true }).fill('527148');
  await page.getByLabel('Type the new PIN again').fill('527148');
  await pin.action('change the PIN', async () => {
    await page.getByRole('button', { name: 'Change my PIN' }).click();
    await expect(page.getByTestId('success')).toHaveText('Your PIN has been changed.');
  });
  await context.close();
});
