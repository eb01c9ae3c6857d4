// Embedding (shared spec portal.md, "Embedding"): the example host page on one loopback
// origin, the portal on another, talking with postMessage; a third origin that must be
// ignored, and one that must not be able to frame the portal at all.
import { type Frame, type Page } from '@playwright/test';
import { embedTest as test, hostEvents, openHostPage, type StaticServer } from './embed-fixtures';
import { ApiClient, DEMO_PHONE, DEMO_PIN, expect, latestCodeTracked } from './flow-fixtures';
import { PageKey, signedHeaders } from './dpop';

/** Opens the example host on its origin, signs in there, waits for the portal's first screen. */
async function openHost(page: Page, host: StaticServer, portalUrl: string) {
  await openHostPage(page, host, portalUrl);
  // The host's form is prefilled with new@demo.test / demo-password.
  await expect(page.locator('#email')).toHaveValue('new@demo.test');
  await page.getByRole('button', { name: 'Sign in and open security settings' }).click();
  await expect(page.getByRole('heading', { name: 'Security settings', level: 1 })).toBeVisible();
  const frame = page.frameLocator('iframe[name=portal]');
  // new@ has no phone: the probe at /enroll lands on step 3.
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Add a trusted phone number');
  return frame;
}

/**
 * Waits until the portal's embedded start-up is over: it waits up to 2 s for the host's
 * session (EMBED_SESSION_WAIT_MS), then confirms the access check once more. The flows
 * here act at once, inside that window; the test that needs the window over waits here.
 */
async function afterStartUp(page: Page): Promise<void> {
  const portal = portalFrame(page);
  await expect.poll(() => startUpWaitEnds(portal)).toBeGreaterThan(0);
  const ends = await startUpWaitEnds(portal);
  await portal.waitForFunction((at) => performance.now() > at + 300, ends);
}

/**
 * When the portal's 2 s wait for the host's session ends (frame's performance.now()): it
 * starts once the config (which also says who is signed in) has answered; 0 before that.
 */
async function startUpWaitEnds(portal: Frame): Promise<number> {
  return portal.evaluate(() => {
    const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const ends = ['/api/v1/config'].map(
      (path) => entries.find((e) => new URL(e.name).pathname === path)?.responseEnd ?? 0,
    );
    return ends.every((end) => end > 0) ? Math.max(...ends) + 2_000 : 0;
  });
}

/** The portal's frame (for `evaluate`). */
function portalFrame(page: Page): Frame {
  const frame = page.frame({ name: 'portal' });
  expect(frame, 'the host created iframe[name=portal]').toBeTruthy();
  return frame as Frame;
}

async function primaryColour(frame: Frame): Promise<string> {
  return frame.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--color-primary').trim());
}

test('the host hands over its session: shortcut enrollment inside the iframe, with ready, step, resize and enrolled', async ({
  page,
  host,
  server,
  request,
  secrets,
}) => {
  const frame = await openHost(page, host, server.url);
  // Embedded: no header of the portal's own (no sign-out, no language switcher).
  await expect(frame.locator('header.site-header')).toHaveCount(0);
  await expect(frame.getByRole('button', { name: 'Sign out' })).toHaveCount(0);

  await expect(frame.getByRole('radio', { name: /Quick enrollment/ })).toBeChecked();
  await frame.getByRole('button', { name: 'Continue' }).click();
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Quick enrollment');
  await frame.getByLabel('Mobile phone number').fill('06 11 22 33 44');
  const since = Date.now();
  await frame.getByRole('button', { name: 'Send the code' }).click();
  const code = await latestCodeTracked(secrets, request, 'new@demo.test', '+33611223344', { since, purpose: 'phoneNumberCertification' });
  await frame.getByLabel('Code received by SMS').fill(code);
  const pin = secrets.track('482915');
  await frame.getByLabel('Choose a PIN').fill(pin);
  await frame.getByLabel('Type the PIN again').fill(pin);
  await frame.getByRole('button', { name: 'Enroll this browser' }).click();
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('This browser is enrolled');
  await expect(frame.getByTestId('enrolled')).toBeVisible();

  // What the host heard.
  await expect.poll(async () => (await hostEvents(page)).some((m) => m.type === 'enrolled')).toBe(true);
  const events = await hostEvents(page);
  for (const message of events) {
    expect(message.source, JSON.stringify(message)).toBe('enrollment-portal');
    expect(message.v, JSON.stringify(message)).toBe(1);
  }
  expect(events[0].type, 'the first message is ready').toBe('ready');
  const steps = events.filter((m) => m.type === 'step').map((m) => m.name);
  expect(steps, 'never the sign-in screen: the host handed over its session').not.toContain('/sign-in');
  const distinct = steps.filter((name, i) => name !== steps[i - 1]);
  const wanted = ['/enroll/phone', '/enroll/phone/shortcut', '/enroll/done'];
  expect(
    distinct.filter((name) => wanted.includes(name ?? '')),
    `a step message for each screen, in order (all steps: ${JSON.stringify(steps)})`,
  ).toEqual(wanted);

  // resize: the last height is the content's, and the host sized the iframe to it.
  const portal = portalFrame(page);
  await expect
    .poll(
      async () => {
        const resizes = (await hostEvents(page)).filter((m) => m.type === 'resize');
        const last = resizes[resizes.length - 1]?.height ?? -1;
        const content = await portal.evaluate(() => document.body.scrollHeight);
        return Math.abs(last - content) <= 2;
      },
      { message: 'the last resize height is document.body.scrollHeight (±2 px)' },
    )
    .toBe(true);
  const resizes = (await hostEvents(page)).filter((m) => m.type === 'resize');
  expect(resizes.length, 'a resize per layout change').toBeGreaterThan(1);
  const last = resizes[resizes.length - 1].height as number;
  const frameHeight = await page.locator('iframe[name=portal]').evaluate((el) => el.getBoundingClientRect().height);
  // The iframe has a 1 px border on each side (host.css).
  expect(Math.abs(frameHeight - 2 - last)).toBeLessThanOrEqual(2);
});

test("management inside the iframe: completed and error messages, the host's locale, a reload keeps the session, an ended one says signedOut", async ({
  page,
  host,
  server,
  request,
  secrets,
}) => {
  test.setTimeout(90_000);
  // The sessions the portal obtained (to end the current one later): each is the answer to
  // its trade of an embed token, and the portal then sends it as a bearer token.
  const exchanged: Promise<string | undefined>[] = [];
  const bearers = new Set<string>();
  page.on('response', (r) => {
    if (r.url() === `${server.url}/api/v1/session/exchange`) {
      exchanged.push(r.json().then((body) => body?.result?.token, () => undefined));
    }
  });
  page.on('request', (r) => {
    const authorization = r.headers()['authorization'];
    if (r.frame() !== page.mainFrame() && r.url().startsWith(server.url) && authorization?.startsWith('Bearer ')) {
      bearers.add(authorization.slice('Bearer '.length));
    }
  });
  await openHostPage(page, host, server.url);
  await page.locator('#email').fill('enrolled@demo.test');
  await page.getByRole('button', { name: 'Sign in and open security settings' }).click();
  const frame = page.frameLocator('iframe[name=portal]');
  const heading = frame.getByRole('heading', { level: 1 });

  // enrolled@ has a phone and a PIN: enrollment code, then the PIN (step 8).
  await expect(heading).toHaveText('Confirm it is you');
  const since = Date.now();
  await frame.getByRole('button', { name: 'Send the code' }).click();
  const code = await latestCodeTracked(secrets, request, 'enrolled@demo.test', DEMO_PHONE.enrolled, { since, purpose: 'enrollment' });
  await frame.getByLabel('Code received by SMS').fill(code);
  await frame.getByRole('button', { name: 'Continue' }).click();
  await expect(heading).toHaveText('Enter your PIN');
  await frame.getByLabel('PIN', { exact: true }).fill(secrets.track(DEMO_PIN));
  await frame.getByRole('button', { name: 'Enroll this browser' }).click();
  await expect(heading).toHaveText('This browser is enrolled');
  await expect.poll(async () => (await hostEvents(page)).filter((m) => m.type === 'enrolled').length).toBe(1);

  // C, with a wrong current PIN first: `error` with the API code, then `completed`.
  await frame.getByRole('link', { name: 'Go to account security' }).click();
  await expect(heading).toHaveText('Account security');
  await frame.getByRole('link', { name: 'Change PIN' }).click();
  await expect(heading).toHaveText('Change your PIN');
  const newPin = secrets.track('527148');
  const pinFields = ['Current PIN', 'New PIN', 'Type the new PIN again'];
  const changePin = async (current: string) => {
    await frame.getByLabel('Current PIN').fill(secrets.track(current));
    await frame.getByLabel('New PIN', { exact: true }).fill(newPin);
    await frame.getByLabel('Type the new PIN again').fill(newPin);
    await frame.getByRole('button', { name: 'Change my PIN' }).click();
  };
  await changePin('135792');
  await expect(frame.getByTestId('form-error')).toHaveText('Wrong PIN. 2 tries left before your PIN is blocked.');
  for (const label of pinFields) await expect(frame.getByLabel(label, { exact: true })).toHaveValue('');
  await expect
    .poll(async () => (await hostEvents(page)).filter((m) => m.type === 'error').map((m) => m.code))
    .toEqual([2308]);
  await changePin(DEMO_PIN);
  await expect(frame.getByTestId('success')).toHaveText('Your PIN has been changed.');
  await expect
    .poll(async () => (await hostEvents(page)).filter((m) => m.type === 'completed').map((m) => m.action))
    .toEqual(['pinUpdated']);

  // locale: the host's language, not saved as this browser's choice.
  const portalOrigin = new URL(server.url).origin;
  await page.evaluate(
    ([origin]) => {
      (window.frames as unknown as Record<string, Window>)['portal'].postMessage(
        { source: 'enrollment-host', v: 1, type: 'locale', locale: 'fr-FR' },
        origin,
      );
    },
    [portalOrigin] as const,
  );
  await expect(heading).toHaveText('Changer votre code PIN');
  const portal = portalFrame(page);
  expect(await portal.evaluate(() => document.documentElement.lang)).toBe('fr');
  expect(await portal.evaluate(() => document.cookie)).not.toContain('portal_locale');

  // A reload inside the iframe: `ready` again, the host answers with its token again, and
  // the portal is back on the same screen, still embedded, without a sign-in. (Account
  // management is its own page, so opening it above was already a page load: a second
  // `ready`, answered the same way.)
  const before = await hostEvents(page);
  const readies = (await hostEvents(page)).filter((m) => m.type === 'ready').length;
  expect(readies).toBe(2);
  await portal.evaluate(() => location.reload());
  await expect.poll(async () => (await hostEvents(page)).filter((m) => m.type === 'ready').length).toBe(3);
  await expect(heading).toHaveText('Change your PIN');
  await expect(frame.locator('header.site-header')).toHaveCount(0);
  const after = (await hostEvents(page)).slice(before.length);
  expect(after.filter((m) => m.type === 'step').map((m) => m.name)).not.toContain('/sign-in');
  expect(after.filter((m) => m.type === 'signedOut')).toEqual([]);

  // The session ends on the server (as an expiry would): the next call says signedOut.
  // The token is bound to the iframe's key: only a proof signed in the iframe can end it.
  // One trade per `ready`, each embed token good once: three sessions, the last one current.
  await expect.poll(() => exchanged.length).toBe(3);
  const sessions = await Promise.all(exchanged);
  expect(new Set(sessions).size, 'a fresh session for each trade').toBe(3);
  expect(sessions.some((s) => s !== undefined && bearers.has(s)), 'the portal sends the session it traded for as a bearer token').toBe(true);
  const sessionUrl = `${server.url}/api/v1/session`;
  const token = sessions[2]!;
  const ended = await request.delete(sessionUrl, {
    headers: await signedHeaders(new PageKey(portalFrame(page)), 'DELETE', sessionUrl, token),
  });
  expect(ended.status(), await ended.text()).toBe(200);
  await frame.getByRole('link', { name: /Account security/ }).click();
  await expect.poll(async () => (await hostEvents(page)).filter((m) => m.type === 'signedOut').length).toBe(1);
});

// Was a bug (fixed in 06302e7): when the 2 s wait for the host's session ended, the
// portal confirmed the access check again and RequireSignIn redrew the screen from
// scratch, throwing away what the user had chosen or typed, and any error shown.
test('the screen is not redrawn when the embedded start-up ends: what the user chose in the first seconds stays', async ({
  page,
  host,
  server,
}) => {
  await openHostPage(page, host, server.url, '/enroll/phone');
  await page.getByRole('button', { name: 'Sign in and open security settings' }).click();
  const frame = page.frameLocator('iframe[name=portal]');
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Add a trusted phone number');
  const portal = portalFrame(page);
  await portal.evaluate(() => {
    (document.querySelector('h1') as HTMLElement & { marked?: boolean }).marked = true;
  });
  await frame.getByRole('radio', { name: /Step by step/ }).check();
  const checkedAt = await portal.evaluate(() => performance.now());
  expect(checkedAt, 'chosen before the 2 s wait ends (else this test proves nothing)').toBeLessThan(
    await startUpWaitEnds(portal),
  );
  await afterStartUp(page);
  await expect(frame.getByRole('radio', { name: /Step by step/ })).toBeChecked();
  expect(
    await portal.evaluate(() => (document.querySelector('h1') as HTMLElement & { marked?: boolean }).marked === true),
    'the same heading element: the screen was not drawn again',
  ).toBe(true);
});

// Was a bug (fixed in 49ae04d): the last child's bottom margin collapsed through <body>,
// so the height in `resize` left the iframe 16 px to scroll.
test('the iframe sized to the last resize height has nothing left to scroll', async ({ page, host, server }) => {
  await openHost(page, host, server.url);
  const portal = portalFrame(page);
  await expect
    .poll(async () => {
      const resizes = (await hostEvents(page)).filter((m) => m.type === 'resize');
      const last = resizes[resizes.length - 1]?.height ?? -1;
      return Math.abs(last - (await portal.evaluate(() => document.body.scrollHeight))) <= 2;
    })
    .toBe(true);
  const scroll = await portal.evaluate(() => ({
    scrollHeight: document.documentElement.scrollHeight,
    clientHeight: document.documentElement.clientHeight,
  }));
  expect(scroll.scrollHeight, 'no vertical scrollbar inside the iframe').toBeLessThanOrEqual(scroll.clientHeight + 2);
});

// Was a bug (fixed in 49ae04d): the first screen's `step` went out before the allowlist
// was known, to no origin, so a host opening the portal on a screen never heard of it.
test('the first screen is announced to the host with a step message', async ({ page, host, server }) => {
  await openHostPage(page, host, server.url, '/enroll/phone');
  await page.getByRole('button', { name: 'Sign in and open security settings' }).click();
  const frame = page.frameLocator('iframe[name=portal]');
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Add a trusted phone number');
  await expect
    .poll(async () => (await hostEvents(page)).filter((m) => m.type === 'step').map((m) => m.name))
    .toEqual(['/enroll/phone']);
});

test('a theme message from the host changes the primary colour; theme and session messages from a third origin are ignored', async ({
  page,
  host,
  third,
  server,
  request,
}) => {
  const frame = await openHost(page, host, server.url);
  const portal = portalFrame(page);
  const continueButton = frame.getByRole('button', { name: 'Continue' });
  expect(await primaryColour(portal)).toBe('#0b5cad');
  await expect(continueButton).toHaveCSS('background-color', 'rgb(11, 92, 173)');

  // Every request the portal sends from now on, with its Authorization header.
  const authorizations: string[] = [];
  page.on('request', (r) => {
    const header = r.headers()['authorization'];
    if (header) authorizations.push(header);
  });

  // A frame of a third origin (another port) inside the host page posts to the portal.
  await page.evaluate((src) => {
    const iframe = document.createElement('iframe');
    iframe.name = 'third';
    iframe.src = src;
    document.body.appendChild(iframe);
  }, `${third.origin}/frame.html`);
  await expect.poll(() => page.frame({ name: 'third' })?.url() ?? '').toBe(`${third.origin}/frame.html`);
  const thirdFrame = page.frame({ name: 'third' }) as Frame;
  await thirdFrame.waitForLoadState('load');
  const green = { source: 'enrollment-host', v: 1, type: 'theme', properties: { '--color-primary': '#00ff00' } };
  const delivered = await thirdFrame.evaluate((message) => {
    const target = (window.parent as unknown as Record<string, Window>)['portal'];
    if (!target) return false;
    target.postMessage(message, '*');
    return true;
  }, green);
  expect(delivered, 'the third-origin frame reached the portal window').toBe(true);

  // A real session token of another account, offered by the third origin.
  const otherToken = (await new ApiClient(request).signIn('enrolled@demo.test')).sessionToken();
  expect(otherToken.length).toBeGreaterThan(15);
  await thirdFrame.evaluate((token) => {
    const target = (window.parent as unknown as Record<string, Window>)['portal'];
    target.postMessage({ source: 'enrollment-host', v: 1, type: 'session', token }, '*');
  }, otherToken);

  // A frame of the host's own origin that is not the portal's parent (an ad or widget the
  // host page loads, say): its origin is allowlisted, its window is not window.parent.
  await page.evaluate((src) => {
    const iframe = document.createElement('iframe');
    iframe.name = 'sibling';
    iframe.src = src;
    document.body.appendChild(iframe);
  }, `${host.origin}/frame.html`);
  await expect.poll(() => page.frame({ name: 'sibling' })?.url() ?? '').toBe(`${host.origin}/frame.html`);
  const sibling = page.frame({ name: 'sibling' }) as Frame;
  await sibling.waitForLoadState('load');
  await sibling.evaluate(
    ([message, origin]) => {
      const target = (window.parent as unknown as Record<string, Window>)['portal'];
      target.postMessage(message, origin);
    },
    [green, new URL(server.url).origin] as const,
  );

  // Give the portal ample time to (wrongly) act on them.
  await page.waitForTimeout(1_500);
  expect(await primaryColour(portal), 'a theme from a third origin, or from a window not the parent, is ignored').toBe(
    '#0b5cad',
  );
  await expect(continueButton).toHaveCSS('background-color', 'rgb(11, 92, 173)');
  expect(
    authorizations.filter((h) => h.includes(otherToken)),
    'the portal never used a token from a third origin',
  ).toEqual([]);
  // Still new@'s flow (enrolled@ has a phone: it would be on /enroll/sms).
  await frame.getByRole('button', { name: 'Continue' }).click();
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Quick enrollment');

  // The host's own theme applies.
  await page.getByRole('button', { name: "Use the host's red theme" }).click();
  await expect.poll(() => primaryColour(portal)).toBe('#b00020');
  expect(await portal.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--radius').trim())).toBe(
    '2px',
  );
  await expect(frame.getByRole('button', { name: 'Send the code' })).toHaveCSS('background-color', 'rgb(176, 0, 32)');

  // Control: the very message the third origin sent is accepted from the host origin.
  await page.evaluate(
    ([message, origin]) => {
      (window.frames as unknown as Record<string, Window>)['portal'].postMessage(message, origin);
    },
    [green, new URL(server.url).origin] as const,
  );
  await expect.poll(() => primaryColour(portal)).toBe('#00ff00');
});

test('frame-ancestors: a page on a non-allowed origin cannot frame the portal; the host origin can', async ({
  page,
  host,
  third,
  server,
  request,
}) => {
  const response = await request.get('/sign-in');
  expect(response.status()).toBe(200);
  const csp = response.headers()['content-security-policy'] ?? '';
  expect(csp).toContain(`frame-ancestors 'self' ${host.origin}`);
  expect(csp).not.toContain(third.origin);

  const src = encodeURIComponent(`${server.url}/sign-in`);
  // Control: the allowed host origin frames the portal, which renders (signed out: sign-in).
  await page.goto(`${host.origin}/frame.html?src=${src}`);
  await expect(page.frameLocator('iframe[name=portal]').getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible({
    timeout: 15_000,
  });

  // The same page on another origin: the browser refuses to render the portal in it.
  const refusals: string[] = [];
  page.on('console', (m) => {
    if (/frame-ancestors/.test(m.text())) refusals.push(m.text());
  });
  await page.goto(`${third.origin}/frame.html?src=${src}`);
  await expect(page.getByRole('heading', { name: 'Another site' })).toBeVisible();
  await expect.poll(() => refusals.length, { message: 'Chromium reports the frame-ancestors refusal' }).toBeGreaterThan(0);
  const frame = page.frame({ name: 'portal' });
  // Longer than the allowed case took: the portal would have drawn its sign-in by now.
  await page.waitForTimeout(3_000);
  expect(frame?.url() ?? '', 'the frame is not the portal').not.toContain(server.url);
  await expect(page.frameLocator('iframe[name=portal]').getByRole('heading', { name: 'Sign in' })).toHaveCount(0);
  const portalScripts = frame ? await frame.evaluate(() => document.querySelectorAll('script[src*=portal], link[href*=portal]').length).catch(() => 0) : 0;
  expect(portalScripts, 'nothing of the portal loaded in the refused frame').toBe(0);
});
