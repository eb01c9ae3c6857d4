// Shared steps of the end-to-end tests: sign in through the real form, read SMS codes from
// the demo server's outbox. Specs import `test` and `expect` from here, not from
// '@playwright/test', so a failing test shows what the browser console said.
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import { NodeKey, signedHeaders } from './dpop';

export { expect };

/**
 * Playwright's `test`, plus an automatic fixture that records console errors and warnings,
 * uncaught page errors and failed requests, and attaches them to a failing test (the `list`
 * reporter prints them). A blank page is then explained, not just timed out.
 */
export const test = base.extend<{ browserLog: string[] }>({
  browserLog: [
    async ({ page }, use, testInfo) => {
      const log: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') {
          log.push(`console.${message.type()}: ${message.text()}`);
        }
      });
      page.on('pageerror', (error) => log.push(`page error: ${error.message}`));
      page.on('requestfailed', (request) =>
        log.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`),
      );
      await use(log);
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('browser log', {
          body: log.length ? log.join('\n') : '(nothing logged)',
          contentType: 'text/plain',
        });
      }
    },
    { auto: true },
  ],
});

/** The password of every demo account (see shared spec `enrollment.md`). */
export const DEMO_PASSWORD = 'demo-password';

/** Signs in through the `/sign-in` form and waits until the app has left it. */
export async function signIn(page: Page, email: string, password: string = DEMO_PASSWORD): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).not.toHaveURL(/\/sign-in(\?|$)/);
}

/** One message of `GET /api/v1/dev/outbox` (newest first). */
export interface OutboxMessage {
  to: string;
  text: string;
  purpose:
    | 'phoneNumberCertification'
    | 'enrollment'
    | 'resetPIN'
    | 'removeEnrollments'
    | 'modifyPhoneNumber'
    | 'phoneChangeNotice';
  /** Unix seconds. */
  sentAt: number;
}

export interface LatestCodeOptions {
  /**
   * Only messages sent at or after this moment count (milliseconds since the epoch, as
   * `Date.now()`). Take it just before the action that sends the SMS. The outbox has
   * one-second resolution, so a message sent earlier in the same second also counts.
   */
  since?: number;
  /** Only messages for this purpose count. */
  purpose?: OutboxMessage['purpose'];
  /** How long to wait for a matching message (ms). */
  timeout?: number;
}

/** A session of one account, opened through the API by a key of the test's own. */
interface Reader {
  key: NodeKey;
  token: string;
}

/**
 * Sessions that read the outbox, per request context (one per test server) and email: the
 * outbox shows a signed-in account its own messages only, with a proof like every call.
 */
const readers = new WeakMap<APIRequestContext, Map<string, Reader>>();

/** Absolute URL of `path` on the server `request` talks to (the proof names it). */
async function absolute(request: APIRequestContext, path: string): Promise<string> {
  const origin = new URL((await request.get('/api/v1/config')).url()).origin;
  return origin + path;
}

async function openReader(request: APIRequestContext, email: string): Promise<Reader> {
  const key = new NodeKey();
  const url = await absolute(request, '/api/v1/session');
  const response = await request.post(url, {
    data: { email, password: DEMO_PASSWORD },
    headers: await signedHeaders(key, 'POST', url),
  });
  const body = await response.json();
  expect(body.status, `signing ${email} in to read its outbox: ${JSON.stringify(body)}`).toBe('SUCCEEDED');
  return { key, token: body.result.token as string };
}

/**
 * Reads `email`'s outbox once (the messages sent to that account), signed in as it with
 * the demo password. A session a factor change or "sign out everywhere" ended is opened
 * again.
 */
export async function outbox(request: APIRequestContext, email: string): Promise<OutboxMessage[]> {
  let byEmail = readers.get(request);
  if (!byEmail) {
    byEmail = new Map();
    readers.set(request, byEmail);
  }
  for (let attempt = 1; ; attempt += 1) {
    let reader = byEmail.get(email);
    if (!reader) {
      reader = await openReader(request, email);
      byEmail.set(email, reader);
    }
    const url = await absolute(request, '/api/v1/dev/outbox');
    const response = await request.get(url, { headers: await signedHeaders(reader.key, 'GET', url, reader.token) });
    if (response.status() === 401 && attempt === 1) {
      byEmail.delete(email);
      continue;
    }
    expect(response.status(), `GET /api/v1/dev/outbox as ${email} (is the server in --demo mode?)`).toBe(200);
    const body = await response.json();
    expect(body.status).toBe('SUCCEEDED');
    return body.result.messages as OutboxMessage[];
  }
}

/** The 6-digit code in an SMS text, or undefined. */
export function codeIn(text: string): string | undefined {
  return /(?<!\d)(\d{6})(?!\d)/.exec(text)?.[1];
}

/**
 * The code of the newest SMS sent to the account `email` (to `phone`, in E.164, when
 * given) since `options.since`, polling its outbox until one arrives or `options.timeout`
 * passes.
 */
export async function latestCode(
  request: APIRequestContext,
  email: string,
  phone?: string,
  options: LatestCodeOptions = {},
): Promise<string> {
  const sinceSeconds = Math.floor((options.since ?? 0) / 1000);
  const deadline = Date.now() + (options.timeout ?? 10_000);
  for (;;) {
    const message = (await outbox(request, email)).find(
      (m) =>
        (phone === undefined || m.to === phone) &&
        (options.purpose === undefined || m.purpose === options.purpose) &&
        m.sentAt >= sinceSeconds,
    );
    const code = message && codeIn(message.text);
    if (code) return code;
    if (Date.now() > deadline) {
      throw new Error(
        `no SMS code for ${email}${phone ? ` to ${phone}` : ''}${options.purpose ? ` for ${options.purpose}` : ''} ` +
          `since ${new Date(sinceSeconds * 1000).toISOString()} in the outbox`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
