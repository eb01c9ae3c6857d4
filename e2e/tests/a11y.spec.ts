// Accessibility (shared spec portal.md, "Look and language": WCAG 2.1 AA): axe-core with the
// wcag2a, wcag2aa, wcag21a and wcag21aa rules on every route, in every language (light;
// English and French in dark too). One private server per language × scheme; each account
// in a browser context of its own. A test collects every violation on every route, then
// fails listing them all.
import { type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { axeViolations, BROWSER_LOCALES, catalogue, LANGS, NATIONAL_MOBILES, text, type Lang, type Violation } from './embed-fixtures';
import { DEMO_PHONE, DEMO_PIN, demoAccountOf, expect, latestCodeTracked, test, type Secrets } from './flow-fixtures';
import { DEMO_PASSWORD } from './helpers';

type Scheme = 'light' | 'dark';

interface Run {
  lang: Lang;
  scheme: Scheme;
  browser: Browser;
  baseURL: string;
  request: import('@playwright/test').APIRequestContext;
  secrets: Secrets;
  violations: Violation[];
  contexts: BrowserContext[];
}

async function newPage(run: Run): Promise<Page> {
  const context = await run.browser.newContext({
    baseURL: run.baseURL,
    locale: BROWSER_LOCALES[run.lang],
    colorScheme: run.scheme,
    reducedMotion: 'reduce',
    viewport: { width: 1280, height: 720 },
  });
  run.contexts.push(context);
  // PINs and codes typed here must not leak either (checked after the test).
  await run.secrets.watch(context);
  return context.newPage();
}

/** Waits for the screen titled by `headingKey` to settle, checks <html lang>, runs axe. */
async function audit(run: Run, page: Page, route: string, headingKey: string): Promise<void> {
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(text(run.lang, headingKey));
  await expect(page.locator('.loading')).toHaveCount(0);
  await expect(page.locator('html')).toHaveAttribute('lang', run.lang);
  run.violations.push(...(await axeViolations(page, route)));
}

async function signIn(run: Run, page: Page, email: string): Promise<void> {
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(text(run.lang, 'sign_in.sign_in'));
  await page.getByLabel(text(run.lang, 'sign_in.email'), { exact: true }).fill(email);
  await page.getByLabel(text(run.lang, 'sign_in.password'), { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: text(run.lang, 'sign_in.sign_in'), exact: true }).click();
  await expect(page).not.toHaveURL(/\/sign-in(\?|$)/);
}

/** From /enroll/sms: sends the enrollment code and submits it. */
async function enrollmentCode(run: Run, page: Page, phone: string, auditAfterSending: boolean): Promise<void> {
  const since = Date.now();
  await page.getByRole('button', { name: text(run.lang, 'account.pin_reset.send_the_code') }).click();
  const codeField = page.getByLabel(text(run.lang, 'sms_code_input.code_received_by_sms'));
  await expect(codeField).toBeVisible();
  if (auditAfterSending) {
    await audit(run, page, '/enroll/sms (code sent)', 'enroll.enrollment_code.confirm_it_is_you');
    // The demo phone panel, opened: the SMS just sent.
    const demoPhone = page.locator('.demo-phone summary');
    await demoPhone.click();
    await expect(page.locator('.demo-phone details')).toHaveAttribute('open', '');
    await expect(page.locator('.demo-phone li').first()).toBeVisible();
    await audit(run, page, '/enroll/sms (demo phone open)', 'enroll.enrollment_code.confirm_it_is_you');
  }
  const code = await latestCodeTracked(run.secrets, run.request, demoAccountOf(phone), phone, { since, purpose: 'enrollment' });
  await codeField.fill(code);
  await page.getByRole('button', { name: text(run.lang, 'enroll.choose_method.continue') }).click();
}

function report(violations: Violation[]): string {
  return violations
    .map((v) => `${v.route}: ${v.rule} (${v.impact}) ${v.help}\n    targets: ${v.targets.join(' | ')}\n    ${v.summary}`)
    .join('\n');
}

async function everyRoute(run: Run, testInfo: TestInfo): Promise<void> {
  const { lang } = run;
  const t = (key: string, args?: Record<string, string>) => text(lang, key, args);

  // Signed out: sign-in and a page that does not exist.
  const anonymous = await newPage(run);
  await anonymous.goto('/sign-in');
  await audit(run, anonymous, '/sign-in', 'sign_in.sign_in');
  await anonymous.getByRole('button', { name: t('sign_in.sign_in'), exact: true }).click();
  await expect(anonymous.getByLabel(t('sign_in.email'), { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await audit(run, anonymous, '/sign-in (errors)', 'sign_in.sign_in');
  await anonymous.goto('/no/such/page');
  await audit(run, anonymous, '/no/such/page (not found)', 'not_found.page_not_found');

  // new@: no phone, no PIN. Home, the probe, the method choice, both phone screens.
  const fresh = await newPage(run);
  await signIn(run, fresh, 'new@demo.test');
  await fresh.goto('/');
  await audit(run, fresh, '/', 'home.your_security');
  await fresh.goto('/enroll');
  await expect(fresh).toHaveURL(/\/enroll\/phone$/);
  await audit(run, fresh, '/enroll → /enroll/phone', 'enroll.choose_method.add_a_trusted_phone_number');
  await fresh.goto('/enroll/phone/register');
  await audit(run, fresh, '/enroll/phone/register', 'enroll.register_phone.register_your_phone_number');
  await fresh.goto('/enroll/phone/shortcut');
  await audit(run, fresh, '/enroll/phone/shortcut (number)', 'enroll.shortcut.quick_enrollment');
  await fresh.getByLabel(t('phone_input.mobile_phone_number')).fill(NATIONAL_MOBILES[lang].typed);
  await fresh.getByRole('button', { name: t('account.pin_reset.send_the_code') }).click();
  await expect(fresh.getByLabel(t('sms_code_input.code_received_by_sms'))).toBeVisible();
  await audit(run, fresh, '/enroll/phone/shortcut (code and PIN)', 'enroll.shortcut.quick_enrollment');
  // The same stage with every field in error (submitted empty).
  await fresh.getByRole('button', { name: t('account.hub.enroll_this_browser') }).click();
  await expect(fresh.getByLabel(t('sms_code_input.code_received_by_sms'))).toHaveAttribute('aria-invalid', 'true');
  await audit(run, fresh, '/enroll/phone/shortcut (code and PIN, errors)', 'enroll.shortcut.quick_enrollment');

  // phone@: a number, no PIN: the enrollment code, then step 7.
  const withPhone = await newPage(run);
  await signIn(run, withPhone, 'phone@demo.test');
  await withPhone.goto('/enroll');
  await expect(withPhone).toHaveURL(/\/enroll\/sms$/);
  await audit(run, withPhone, '/enroll/sms', 'enroll.enrollment_code.confirm_it_is_you');
  await enrollmentCode(run, withPhone, DEMO_PHONE.phone, true);
  await expect(withPhone).toHaveURL(/\/enroll\/pin\/new$/);
  await audit(run, withPhone, '/enroll/pin/new', 'enroll.new_pin.choose_your_pin');

  // enrolled@: a PIN on another device: step 8, done, then every account page.
  const enrolled = await newPage(run);
  await signIn(run, enrolled, 'enrolled@demo.test');
  await enrolled.goto('/enroll');
  await expect(enrolled).toHaveURL(/\/enroll\/sms$/);
  await enrollmentCode(run, enrolled, DEMO_PHONE.enrolled, false);
  await expect(enrolled).toHaveURL(/\/enroll\/pin$/);
  await audit(run, enrolled, '/enroll/pin', 'enroll.enter_pin.enter_your_pin');
  // One wrong PIN (two tries stay): the error with the tries left.
  await enrolled.getByLabel(t('stepper.pin'), { exact: true }).fill(run.secrets.track('135792'));
  await enrolled.getByRole('button', { name: t('account.hub.enroll_this_browser') }).click();
  await expect(enrolled.getByTestId('form-error')).not.toBeEmpty();
  await audit(run, enrolled, '/enroll/pin (wrong PIN)', 'enroll.enter_pin.enter_your_pin');
  await enrolled.getByLabel(t('stepper.pin'), { exact: true }).fill(run.secrets.track(DEMO_PIN));
  await enrolled.getByRole('button', { name: t('account.hub.enroll_this_browser') }).click();
  await expect(enrolled).toHaveURL(/\/enroll\/done$/);
  await audit(run, enrolled, '/enroll/done', 'enroll.done.this_browser_is_enrolled');
  await enrolled.goto('/account');
  await audit(run, enrolled, '/account', 'lib.account_security');
  await enrolled.goto('/account/pin/update');
  await audit(run, enrolled, '/account/pin/update', 'account.pin_update.change_your_pin');
  await enrolled.goto('/account/pin/reset');
  await audit(run, enrolled, '/account/pin/reset', 'account.pin_reset.reset_your_pin');
  await enrolled.goto('/account/phone');
  await audit(run, enrolled, '/account/phone', 'account.change_phone.change_your_phone_number');
  await enrolled.goto('/account/vehicles');
  await audit(run, enrolled, '/account/vehicles', 'account.vehicles.your_vehicles');
  await enrolled
    .getByRole('button', { name: t('account.vehicles.remove_label', { label: 'Renault Clio', vin: 'VF1RJA00X68123456' }) })
    .click();
  await expect(enrolled.getByRole('dialog', { name: t('account.vehicles.confirm_with_your_pin') })).toBeVisible();
  await audit(run, enrolled, '/account/vehicles (step-up dialog)', 'account.vehicles.your_vehicles');
  await enrolled.keyboard.press('Escape');
  await expect(enrolled.getByRole('dialog')).toHaveCount(0);
  await enrolled.goto('/account/enrollments/remove');
  await audit(run, enrolled, '/account/enrollments/remove', 'account.hub.remove_all_enrollments');
  await enrolled.goto('/devices');
  await audit(run, enrolled, '/devices', 'devices.your_devices');
  await enrolled.getByTestId('devices').getByRole('listitem').filter({ hasText: t('account.hub.this_browser') }).getByRole('button').click();
  const confirm = enrolled.getByRole('form', { name: t('account.vehicles.confirm_with_your_pin') });
  await expect(confirm).toBeVisible();
  await audit(run, enrolled, '/devices (PIN to remove a device)', 'devices.your_devices');
  await confirm.getByRole('button', { name: t('account.remove_enrollments.cancel') }).click();
  await expect(confirm).toHaveCount(0);

  // blocked@: the blocked screen.
  const blocked = await newPage(run);
  await signIn(run, blocked, 'blocked@demo.test');
  await blocked.goto('/enroll');
  await expect(blocked).toHaveURL(/\/enroll\/blocked$/);
  await audit(run, blocked, '/enroll → /enroll/blocked', 'enroll.blocked.your_account_is_blocked_2');

  // full@ on a new browser: the device limit, on home and on the device list.
  const full = await newPage(run);
  await signIn(run, full, 'full@demo.test');
  await expect(full.getByTestId('standing')).toBeVisible();
  await audit(run, full, '/ (device limit)', 'home.your_security');
  await full.goto('/devices');
  await expect(full.getByTestId('device-limit')).toBeVisible();
  await audit(run, full, '/devices (device limit)', 'devices.your_devices');

  await testInfo.attach(`axe-${run.lang}-${run.scheme}.json`, {
    body: JSON.stringify(run.violations, null, 2),
    contentType: 'application/json',
  });
}

// Dark in English and French only: the colours are the same in every language, the words
// (and so the names, labels and lengths axe checks) are not.
for (const lang of LANGS) {
  for (const scheme of lang === 'en' || lang === 'fr' ? (['light', 'dark'] as const) : (['light'] as const)) {
    test(`axe, WCAG 2.1 A/AA: no violation on any route (${lang}, ${scheme})`, async (
      { browser, server, request, secrets },
      testInfo,
    ) => {
      test.setTimeout(240_000);
      expect(catalogue(lang).size).toBeGreaterThan(100);
      const run: Run = { lang, scheme, browser, baseURL: server.url, request, secrets, violations: [], contexts: [] };
      try {
        await everyRoute(run, testInfo);
      } finally {
        for (const context of run.contexts) await context.close();
      }
      expect(run.violations.length, `axe violations (${lang}, ${scheme}):\n${report(run.violations)}\n`).toBe(0);
    });
  }
}
