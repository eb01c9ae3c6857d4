// Shared steps of the end-to-end tests: sign in through the real form, read SMS codes from
// the demo server's outbox. Specs import `test` and `expect` from here, not from
// '@playwright/test', so a failing test shows what the browser console said.
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';

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

/** Reads the outbox once. */
export async function outbox(request: APIRequestContext): Promise<OutboxMessage[]> {
  const response = await request.get('/api/v1/dev/outbox');
  expect(response.status(), 'GET /api/v1/dev/outbox (is the server in --demo mode?)').toBe(200);
  const body = await response.json();
  expect(body.status).toBe('SUCCEEDED');
  return body.result.messages as OutboxMessage[];
}

/** The 6-digit code in an SMS text, or undefined. */
export function codeIn(text: string): string | undefined {
  return /(?<!\d)(\d{6})(?!\d)/.exec(text)?.[1];
}

/**
 * The code of the newest SMS (to `phone`, in E.164, when given) sent since `options.since`,
 * polling the outbox until one arrives or `options.timeout` passes.
 */
export async function latestCode(
  request: APIRequestContext,
  phone?: string,
  options: LatestCodeOptions = {},
): Promise<string> {
  const sinceSeconds = Math.floor((options.since ?? 0) / 1000);
  const deadline = Date.now() + (options.timeout ?? 10_000);
  for (;;) {
    const message = (await outbox(request)).find(
      (m) =>
        (phone === undefined || m.to === phone) &&
        (options.purpose === undefined || m.purpose === options.purpose) &&
        m.sentAt >= sinceSeconds,
    );
    const code = message && codeIn(message.text);
    if (code) return code;
    if (Date.now() > deadline) {
      throw new Error(
        `no SMS code${phone ? ` to ${phone}` : ''}${options.purpose ? ` for ${options.purpose}` : ''} ` +
          `since ${new Date(sinceSeconds * 1000).toISOString()} in the outbox`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
