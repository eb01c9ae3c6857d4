// Support for the flow tests (`*.spec.ts` next to this file): a private demo server per
// test, the secrets that must never leak, API shortcuts for the state a test starts from,
// and the steps several flows share.
import { expect, type APIRequestContext, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeKey, PageKey, proof, thumbprint, type Signer } from './dpop';
import { DEMO_PASSWORD, latestCode, test as base, type LatestCodeOptions } from './helpers';

export { expect };

/** The PIN of every demo account that has one (`enrolled@`, `blocked@`, `full@`). */
export const DEMO_PIN = '246801';

/** A running `portal-server --demo` with its own fresh database. */
export interface DemoServer {
  url: string;
  /** Everything the server printed so far. */
  log(): string;
  stop(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

function serverBinary(): string {
  if (process.env.PORTAL_SERVER_BIN) return process.env.PORTAL_SERVER_BIN;
  const target = process.env.CARGO_TARGET_DIR
    ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR)
    : path.join(REPO_ROOT, 'target');
  return path.join(target, 'debug', 'portal-server');
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `portal-server --demo` on a free port with a throw-away SQLite database, so the
 * test that uses it finds every demo account in its seeded state and no rate limit spent.
 * The binary is `$PORTAL_SERVER_BIN`, else `target/debug/portal-server` (what
 * `cargo xtask test e2e` builds); the portal is `$PORTAL_STATIC_DIR`, else `dist/`.
 * `extraArgs` go after the defaults (e.g. `--frame-ancestors`, `--cors-origins`); one that
 * names a relaxed flood limit takes its place, so a test can see that limit speak.
 */
export async function startDemoServer(timeoutMs = 60_000, extraArgs: readonly string[] = []): Promise<DemoServer> {
  const binary = serverBinary();
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} is missing: run \`cargo build -p portal-server\` (or \`cargo xtask test e2e\`)`);
  }
  const staticDir = process.env.PORTAL_STATIC_DIR ?? path.join(REPO_ROOT, 'dist');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-e2e-flow-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('PORTAL_')) env[name] = value;
  }
  // Port 0: the server picks a free port and prints it, so no other process can take it
  // first. Under `setpriv --pdeathsig` it dies with the test worker, even a killed one.
  // Every test signs in and guesses from 127.0.0.1 and sends codes to the same demo
  // numbers: the flood limits at their ceilings, as `cargo xtask test e2e` sets them
  // (xtask/src/server.rs). The server refuses a flag given twice.
  const relaxed: [string, string][] = [
    ['--sign-in-per-ip-per-minute', '6000'],
    ['--sms-per-number-per-hour', '1000'],
    ['--sms-per-minute', '10000'],
    ['--wrong-guesses-per-ip-per-hour', '100000'],
  ];
  const args = [
    '--demo',
    '--bind',
    '127.0.0.1:0',
    '--database-url',
    `sqlite://${dir}/portal.db?mode=rwc`,
    '--static-dir',
    staticDir,
    // A test's own value of one of them (`--flag value` or `--flag=value`) replaces it.
    ...relaxed.filter(([flag]) => !extraArgs.some((arg) => arg === flag || arg.startsWith(`${flag}=`))).flat(),
    ...extraArgs,
  ];
  const setpriv = '/usr/bin/setpriv';
  const child = fs.existsSync(setpriv)
    ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(binary, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited (${signal ?? code})`;
      running.delete(child);
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(killer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`portal-server ${exited} before it was ready:\n${output}`);
    }
    const url = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1];
    if (url) {
      try {
        const response = await fetch(`${url}/api/v1/config`);
        if (response.status === 200) return { url, log: () => output, stop };
      } catch {
        // not answering yet
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`portal-server was not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What a test has typed that must never be stored or put in a URL: every PIN and SMS
 * code goes through `track`, and after the test no URL visited or requested, no console
 * message, no `localStorage`/`sessionStorage` entry and no `history.state` may contain one.
 */
export class Secrets {
  private readonly values = new Set<string>([DEMO_PASSWORD]);
  readonly urls: string[] = [];
  readonly consoleMessages: string[] = [];

  /** Registers a secret and returns it. */
  track<T extends string>(value: T): T {
    this.values.add(value);
    return value;
  }

  /** Every value written to web storage or history state, as the page wrote it. */
  readonly writes: string[] = [];

  async watch(context: BrowserContext): Promise<void> {
    // Catches a secret written and removed again before the end of the test, too.
    await context.exposeBinding('__e2eRecordWrite', (_source, text: string) => {
      this.writes.push(text);
    });
    await context.addInitScript(() => {
      const record = (text: string) => {
        (window as unknown as { __e2eRecordWrite?: (t: string) => void }).__e2eRecordWrite?.(text);
      };
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (key: string, value: string) {
        record(`${this === window.sessionStorage ? 'sessionStorage' : 'localStorage'}.setItem ${key}=${value}`);
        return setItem.call(this, key, value);
      };
      for (const name of ['pushState', 'replaceState'] as const) {
        const original = history[name];
        history[name] = function (state: unknown, unused: string, url?: string | URL | null) {
          record(`history.${name} ${JSON.stringify(state)} ${String(url ?? '')}`);
          return original.call(this, state, unused, url);
        };
      }
    });
    const watchPage = (page: Page) => {
      page.on('framenavigated', (frame) => this.urls.push(frame.url()));
      page.on('console', (message) => this.consoleMessages.push(`console.${message.type()}: ${message.text()}`));
      page.on('pageerror', (error) => this.consoleMessages.push(`page error: ${error.message}`));
    };
    context.pages().forEach(watchPage);
    context.on('page', watchPage);
    context.on('request', (request) => this.urls.push(request.url()));
  }

  /** Fails when a tracked secret shows up anywhere the spec forbids. */
  async check(context: BrowserContext): Promise<void> {
    const places: string[] = [
      ...this.writes,
      ...this.urls.map((url) => `URL ${url}`),
      ...this.consoleMessages.map((text) => `console: ${text}`),
    ];
    for (const page of context.pages()) {
      if (page.isClosed()) continue;
      places.push(`URL ${page.url()}`);
      const stored = await page
        .evaluate(() => {
          const entries: string[] = [];
          for (const [name, storage] of [
            ['localStorage', window.localStorage],
            ['sessionStorage', window.sessionStorage],
          ] as const) {
            for (let i = 0; i < storage.length; i++) {
              const key = storage.key(i) ?? '';
              entries.push(`${name} ${key}=${storage.getItem(key) ?? ''}`);
            }
          }
          entries.push(`history.state ${JSON.stringify(window.history.state)}`);
          return entries;
        })
        .catch(() => [] as string[]);
      places.push(...stored);
    }
    const leaks: string[] = [];
    for (const secret of this.values) {
      for (const place of places) {
        if (place.includes(secret)) leaks.push(`${JSON.stringify(secret)} in ${place}`);
      }
    }
    expect(leaks, 'a PIN, SMS code or password leaked into a URL, storage, history state or the console').toEqual([]);
  }
}

/**
 * The flow tests' `test`: every test gets its own fresh demo server (its URL is the
 * `baseURL` of `page`, `context` and `request`), and `secrets`, checked after the test.
 */
export const test = base.extend<{ server: DemoServer; secrets: Secrets; serverArgs: string[] }>({
  // Extra flags for the test's server; a spec overrides this (`test.use`, or a fixture
  // that depends on others, as embed-fixtures.ts does). None by default.
  serverArgs: [[], { option: true }],
  server: [
    async ({ serverArgs }, use, testInfo: TestInfo) => {
      const server = await startDemoServer(60_000, serverArgs);
      await use(server);
      await server.stop();
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('portal-server.log', { body: server.log(), contentType: 'text/plain' });
      }
    },
    { timeout: 90_000 },
  ],
  baseURL: async ({ server }, use) => {
    await use(server.url);
  },
  secrets: [
    async ({ context }, use) => {
      const secrets = new Secrets();
      await secrets.watch(context);
      await use(secrets);
      await secrets.check(context);
    },
    { auto: true },
  ],
});

/**
 * The device id (the key's thumbprint) of the browser `page` belongs to, once its portal
 * has made its key. The page must be on the portal's origin.
 */
export async function deviceIdOf(page: Page): Promise<string> {
  return thumbprint(new PageKey(page));
}

/**
 * A page of `context` on the portal's origin whose key the tests can sign with (as the
 * portal does): it lets the portal make the key, then rests on a static file of the same
 * origin, so no navigation of the app's pulls the page away while it signs.
 */
export async function portalPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/sign-in');
  await thumbprint(new PageKey(page));
  await page.goto('/fr.txt');
  return page;
}

/** A signed-in API client for one device, for setting up the state a test starts from. */
export class ApiClient {
  private token = '';
  private origin = '';
  /** The account signed in, whose outbox `enroll` reads. */
  private email = '';

  /** `signer`: the device it acts as; by default a key of its own (a new device). */
  constructor(
    readonly request: APIRequestContext,
    readonly signer: Signer = new NodeKey(),
  ) {}

  /** This client's device id (its key's thumbprint). */
  deviceId(): Promise<string> {
    return thumbprint(this.signer);
  }

  /** The session token, for tests that replay it from elsewhere. */
  sessionToken(): string {
    return this.token;
  }

  /** Absolute URL of `path` (the proof names it): the request context's base, learnt once. */
  async url(path: string): Promise<string> {
    if (!this.origin) {
      this.origin = new URL((await this.request.get('/api/v1/config')).url()).origin;
    }
    return this.origin + path;
  }

  /** The headers of one call: its DPoP proof, and the bearer token once signed in. */
  async headers(method: string, path: string): Promise<Record<string, string>> {
    const url = await this.url(path);
    return {
      DPoP: await proof(this.signer, method, url, this.token || undefined),
      ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
    };
  }

  /** One call; returns the envelope, failing the test unless `expected` is the status. */
  async call(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    data?: unknown,
    expected: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED',
  ): Promise<{ status: string; result?: any; error?: { code: number; remainingAttempts?: number } }> {
    const response = await this.request.fetch(url, { method, data, headers: await this.headers(method, url) });
    const body = await response.json();
    expect(body.status, `${method} ${url}: ${JSON.stringify(body)}`).toBe(expected);
    return body;
  }

  async signIn(email: string, password: string = DEMO_PASSWORD): Promise<this> {
    const body = await this.call('POST', '/api/v1/session', { email, password });
    this.token = body.result.token;
    this.email = email;
    return this;
  }

  /**
   * Steps 5-8 through the API: sends the enrollment SMS, submits its code, enrolls this
   * device with `pin` (the account's PIN, or its first one). Returns the SMS code used.
   */
  async enroll(phone: string, pin: string): Promise<string> {
    const since = Date.now();
    await this.call('POST', '/api/v1/pims/authentication/smscode/request', { type: 'enrollment' });
    const code = await latestCode(this.request, this.email, phone, { since, purpose: 'enrollment' });
    await this.call('POST', '/api/v1/pims/authentication/smscode', { action: 'enrollment', smsCode: code });
    await this.call('POST', '/api/v1/pims/authentication/enrollment', { action: 'enroll', pinCode: pin });
    return code;
  }

  async isDeviceActivated(): Promise<boolean> {
    const body = await this.call('GET', '/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated');
    return body.result.isDeviceActivated;
  }

  async blockState(): Promise<string> {
    const body = await this.call('GET', '/api/v1/pims/authentication/account?actionType=strong&type=isAccountBlocked');
    return body.result.isAccountBlocked;
  }
}

/**
 * Revokes the page's session the way an expiry would: `DELETE /api/v1/session` with the
 * browser's own cookies and device id. The portal's in-memory token is the same session,
 * so its next call gets 2301.
 */
export async function revokeSession(page: Page): Promise<void> {
  const key = new PageKey(page);
  const url = new URL('/api/v1/session', page.url()).href;
  const response = await page.request.delete(url, { headers: { DPoP: await proof(key, 'DELETE', url) } });
  expect(response.status(), 'DELETE /api/v1/session').toBe(200);
  const check = await page.request.get(url, { headers: { DPoP: await proof(key, 'GET', url) } });
  expect(check.status(), 'the session is gone').toBe(401);
}

/** Fills and submits the sign-in form of the page already on `/sign-in`. */
export async function submitSignIn(page: Page, email: string, password: string = DEMO_PASSWORD): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).not.toHaveURL(/\/sign-in(\?|$)/);
}

/** The pathname of the page (no origin, no query). */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/** Waits for the step heading (the `<h1>` that every screen has). */
export async function expectHeading(page: Page, name: string | RegExp): Promise<void> {
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
}

/** `latestCode` (from `email`'s outbox), with the code registered as a secret that must not leak. */
export async function latestCodeTracked(
  secrets: Secrets,
  request: APIRequestContext,
  email: string,
  phone: string,
  options: LatestCodeOptions,
): Promise<string> {
  return secrets.track(await latestCode(request, email, phone, options));
}

/** The demo accounts' trusted numbers (shared spec, demo mode). */
export const DEMO_PHONE = {
  phone: '+12015550123',
  enrolled: '+12015550124',
  blocked: '+12015550125',
  full: '+12015550126',
} as const;

/** The demo account whose trusted number `phone` is (one of `DEMO_PHONE`). */
export function demoAccountOf(phone: string): string {
  const entry = Object.entries(DEMO_PHONE).find(([, number]) => number === phone);
  if (!entry) throw new Error(`${phone} is no demo account's number`);
  return `${entry[0]}@demo.test`;
}

/**
 * From the enrollment code screen (`/enroll/sms`): sends the code, reads it from the
 * outbox, submits it. Returns the code.
 */
export async function submitEnrollmentCode(
  page: Page,
  request: APIRequestContext,
  secrets: Secrets,
  phone: string,
): Promise<string> {
  await expect(page).toHaveURL(/\/enroll\/sms$/);
  await expectHeading(page, 'Confirm it is you');
  const since = Date.now();
  await page.getByRole('button', { name: 'Send the code' }).click();
  const code = await latestCodeTracked(secrets, request, demoAccountOf(phone), phone, { since, purpose: 'enrollment' });
  await page.getByLabel('Code received by SMS').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  return code;
}

/** On `/enroll/pin` (step 8): types `pin` and submits it. */
export async function enterPin(page: Page, secrets: Secrets, pin: string): Promise<void> {
  await expect(page).toHaveURL(/\/enroll\/pin$/);
  await page.getByLabel('PIN', { exact: true }).fill(secrets.track(pin));
  await page.getByRole('button', { name: 'Enroll this browser' }).click();
}

/** On `/enroll/pin/new` (step 7): chooses `pin`, confirms it, submits. */
export async function chooseNewPin(page: Page, secrets: Secrets, pin: string): Promise<void> {
  await expect(page).toHaveURL(/\/enroll\/pin\/new$/);
  await expectHeading(page, 'Choose your PIN');
  await page.getByLabel('Choose a PIN').fill(secrets.track(pin));
  await page.getByLabel('Type the PIN again').fill(pin);
  await page.getByRole('button', { name: 'Enroll this browser' }).click();
}

/** Counts the POSTs the page sends to URLs containing `fragment`. */
export function countPosts(page: Page, fragment: string): { count(): number } {
  let count = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes(fragment)) count += 1;
  });
  return { count: () => count };
}

/**
 * Makes `context` a browser already enrolled on `email`: through the API, signed by the key
 * the portal made in this browser (a page of `context` on the portal signs for the client
 * and stays open). Returns the API client of that device, signed in on its own session.
 */
export async function enrolledBrowser(
  context: BrowserContext,
  request: APIRequestContext,
  secrets: Secrets,
  email: string,
  phone: string,
  pin: string,
): Promise<ApiClient> {
  const api = await new ApiClient(request, new PageKey(await portalPage(context))).signIn(email);
  secrets.track(await api.enroll(phone, secrets.track(pin)));
  expect(await api.isDeviceActivated()).toBe(true);
  return api;
}
