// `cargo xtask bench nav`: how fast the first screens become usable, and how many HTTP
// requests each user action of the main flows costs. Run by xtask against a fresh demo server
// (PORTAL_URL); results go to BENCH_OUT as JSON, which xtask merges into bench.json:
//
//   { runs, navigation: [{ path, ready, signedInAs, runsMs, medianMs, inPageRunsMs,
//     inPageMedianMs }], requests: [{ flow, action, all, api, trips, apiTrips, tripsAfterLoad,
//     latencyMs, calls }],
//     errors: [{ test, message }] }
//
// Round trips: the request-counting tests run with an emulated network latency of
// LATENCY_MS on every request, so that requests sent together overlap in time and a
// request that waited for another's answer starts after it ended. `trips` is the longest
// chain of requests each starting after the previous one ended (all requests of the
// action), `apiTrips` the same among the API calls only, and `tripsAfterLoad` among the API
// calls the portal's code makes (not the document's preloads): the round trips the action
// costs once its page is there. The target is 1 for each action.
//
// The tests share the demo accounts of one server, so they run in this order: the timings
// first (new@ not enrolled yet), then sign-in and enrollment as new@, then the account flows
// as enrolled@ on a device enrolled through the API. Each test writes its figures as soon as
// it has them, so a failing test keeps the others'.
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import { DEMO_PASSWORD, latestCode } from '../tests/helpers';
import { ApiClient, portalPage } from '../tests/flow-fixtures';
import { PageKey } from '../tests/dpop';

const BASE = process.env.PORTAL_URL as string;
const OUT = process.env.BENCH_OUT ?? 'bench-results.json';
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? '7') || 7);
/** Emulated one-way-and-back latency of every request in the request-counting tests. */
const LATENCY_MS = 150;
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

/**
 * Signs `email` in as the browser of `context`: its portal makes its device key on a first
 * page (untimed), the API signs in with that key (the session cookie lands in the context's
 * jar, bound to the key), then the HTTP cache is emptied, so the timed visit downloads the
 * portal again as a first visit does, only with the key already there.
 */
async function browserSignIn(context: BrowserContext, email: string): Promise<ApiClient> {
  const page = await portalPage(context);
  const api = await new ApiClient(context.request, new PageKey(page)).signIn(email);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  await cdp.detach();
  return api;
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
      if (signedInAs) await browserSignIn(context, signedInAs);
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

/** One request of the page, as the DevTools protocol saw it (seconds, its monotonic clock). */
type Seen = { id: string; method: string; url: string; initiator: string; start: number; end: number | null };

/**
 * The longest chain of requests in `seen` each starting after the previous one ended: the
 * sequential round trips. Requests sent together (overlapping) count once.
 */
function roundTrips(seen: readonly Seen[]): number {
  const byStart = [...seen].sort((a, b) => a.start - b.start);
  const depth = new Map<Seen, number>();
  let longest = 0;
  for (const item of byStart) {
    let before = 0;
    for (const earlier of byStart) {
      if (earlier === item) break;
      if (earlier.end !== null && earlier.end <= item.start) before = Math.max(before, depth.get(earlier) ?? 0);
    }
    depth.set(item, before + 1);
    longest = Math.max(longest, before + 1);
  }
  return longest;
}

const isApi = (seen: Seen) => new URL(seen.url).pathname.startsWith('/api/');

/**
 * Counts the requests a page sends per user action, and their round trips. Read from the
 * DevTools protocol rather than Playwright's events: it says who started each request
 * (`initiator`: the document's parser or a preload it declares, or the page's script).
 */
class RequestCounter {
  private readonly seen: Seen[] = [];
  private lastEvent = Date.now();

  private constructor(private readonly page: Page, private readonly flow: string) {}

  /** A counter on `page`, whose requests from now on take LATENCY_MS more each. */
  static async on(page: Page, flow: string): Promise<RequestCounter> {
    const counter = new RequestCounter(page, flow);
    const cdp = await page.context().newCDPSession(page);
    cdp.on('Network.requestWillBeSent', (event) => {
      if (!/^https?:/.test(event.request.url) || event.redirectResponse) return;
      counter.seen.push({
        id: event.requestId,
        method: event.request.method,
        url: event.request.url,
        initiator: event.initiator.type,
        start: event.timestamp,
        end: null,
      });
      counter.lastEvent = Date.now();
    });
    const done = (event: { requestId: string; timestamp: number }) => {
      const item = counter.seen.find((s) => s.id === event.requestId && s.end === null);
      if (item) item.end = event.timestamp;
      counter.lastEvent = Date.now();
    };
    cdp.on('Network.loadingFinished', done);
    cdp.on('Network.loadingFailed', done);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: LATENCY_MS,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    return counter;
  }

  /** Runs `act` (the action and the wait for its result), waits until the network is
   * quiet (nothing in flight for 2 latencies), then records the requests it caused. */
  async action(name: string, act: () => Promise<void>): Promise<void> {
    const from = this.seen.length;
    await act();
    const deadline = Date.now() + 15_000;
    const busy = () => this.seen.slice(from).some((s) => s.end === null);
    while ((busy() || Date.now() - this.lastEvent < 2 * LATENCY_MS + 200) && Date.now() < deadline) {
      await this.page.waitForTimeout(100);
    }
    const seen = this.seen.slice(from);
    const api = seen.filter(isApi);
    // What the page's own code asks once the page is there: not the document, nor what
    // its HTML declares (scripts, styles, the wasm and the config it preloads).
    const afterLoad = api.filter((s) => s.initiator === 'script');
    append('requests', {
      flow: this.flow,
      action: name,
      all: seen.length,
      api: api.length,
      trips: roundTrips(seen),
      apiTrips: roundTrips(api),
      tripsAfterLoad: roundTrips(afterLoad),
      latencyMs: LATENCY_MS,
      calls: seen.map((r) => {
        const url = new URL(r.url);
        const where = url.origin === new URL(BASE).origin ? url.pathname + url.search : url.href;
        return `${r.method} ${where} (${r.initiator})`;
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
  const count = await RequestCounter.on(page, 'sign-in');
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
  const count = await RequestCounter.on(page, 'enrollment (quick)');
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

/** A context whose browser is enrolled on enrolled@ (through the API, signed by the key its
 * portal made) and signed in by its session cookie. */
async function enrolledContext(browser: Browser): Promise<BrowserContext> {
  const context = await freshContext(browser);
  const page = await portalPage(context);
  const key = new PageKey(page);
  await (await new ApiClient(context.request, key).signIn('enrolled@demo.test')).enroll(ENROLLED_PHONE, ENROLLED_PIN);
  // Reading the SMS code signed the context's jar into a session of another key: sign in
  // again with the browser's, whose cookie the portal then finds.
  await new ApiClient(context.request, key).signIn('enrolled@demo.test');
  await page.close();
  return context;
}

test('requests: account hub, vehicle removal with the step-up PIN, PIN update (enrolled@)', async ({ browser }) => {
  const context = await enrolledContext(browser);
  const page = await context.newPage();
  // Signed in by the API's session cookie, which the portal restores on load.
  await page.goto('/');
  await expect(page.getByTestId('device-status')).toContainText('This browser is enrolled');

  const hub = await RequestCounter.on(page, 'account hub');
  await hub.action('open the hub (home link)', async () => {
    await page.getByRole('link', { name: 'Manage account security' }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByTestId('events')).toBeVisible();
  });

  const vehicles = await RequestCounter.on(page, 'vehicle removal (step-up PIN)');
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
  const pin = await RequestCounter.on(page, 'PIN update');
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
