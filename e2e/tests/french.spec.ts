// French (shared spec portal.md, "Look and language": English and French, every
// user-visible string from the locale files, a switcher in standalone mode). The test
// switches with the header's selector and walks the full method; on every screen the
// heading is the French catalogue's, every visible text is French, and no English text
// (nor a raw catalogue key) shows anywhere.
import { text } from './embed-fixtures';
import { expect, latestCodeTracked, test } from './flow-fixtures';
import { DEMO_PASSWORD } from './helpers';
import { expectScreenIn } from './languages';

const FR = (key: string, args?: Record<string, string>) => text('fr', key, args);
const expectFrenchScreen = (page: import('@playwright/test').Page, headingKey: string) =>
  expectScreenIn(page, 'fr', headingKey);

/** A code that is not `code`. */
function wrong(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

test('French: the switcher on the sign-in page, then the full method for new@, every screen in French', async ({
  page,
  request,
  secrets,
}) => {
  test.setTimeout(90_000);
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByLabel('Language', { exact: true }).selectOption('fr');
  await expectFrenchScreen(page, 'sign_in.sign_in');
  await expect(page.getByLabel(FR('lib.language'), { exact: true })).toHaveValue('fr');
  expect(await page.evaluate(() => document.cookie)).toContain('portal_locale=fr');
  // The choice survives a reload.
  await page.reload();
  await expectFrenchScreen(page, 'sign_in.sign_in');

  // Field errors of the sign-in form, in French.
  await page.getByRole('button', { name: FR('sign_in.sign_in'), exact: true }).click();
  await expect(page.locator('[aria-invalid="true"]').first()).toBeVisible();
  await expectFrenchScreen(page, 'sign_in.sign_in');

  await page.getByLabel(FR('sign_in.email'), { exact: true }).fill('new@demo.test');
  await page.getByLabel(FR('sign_in.password'), { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: FR('sign_in.sign_in'), exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('device-status')).toContainText(FR('home.not_enrolled'));
  await expectFrenchScreen(page, 'home.your_security');

  await page.getByRole('link', { name: FR('account.hub.enroll_this_browser') }).click();
  await expect(page).toHaveURL(/\/enroll\/phone$/);
  await expectFrenchScreen(page, 'enroll.choose_method.add_a_trusted_phone_number');
  await page.getByRole('radio', { name: new RegExp(FR('enroll.choose_method.step_by_step')) }).check();
  await page.getByRole('button', { name: FR('enroll.choose_method.continue') }).click();

  // 4.2: the number, then its code (a wrong one first: the server's answer in French).
  await expect(page).toHaveURL(/\/enroll\/phone\/register$/);
  await expectFrenchScreen(page, 'enroll.register_phone.register_your_phone_number');
  await page.getByLabel(FR('phone_input.mobile_phone_number')).fill('06 55 44 33 22');
  await expect(page.getByText(FR('phone_input.international_form', { number: '+33655443322' }))).toBeVisible();
  let since = Date.now();
  await page.getByRole('button', { name: FR('account.pin_reset.send_the_code') }).click();
  const phoneCode = await latestCodeTracked(secrets, request, 'new@demo.test', '+33655443322', { since, purpose: 'phoneNumberCertification' });
  await expect(page.getByLabel(FR('sms_code_input.code_received_by_sms'))).toBeVisible();
  await expectFrenchScreen(page, 'enroll.register_phone.register_your_phone_number');
  await page.getByLabel(FR('sms_code_input.code_received_by_sms')).fill(secrets.track(wrong(phoneCode)));
  await page.getByRole('button', { name: FR('enroll.register_phone.confirm_the_number') }).click();
  // 2305: the French sentence, with the tries left (French plurals: 0 and 1 singular) when
  // the server says how many.
  const wrongCode = [
    FR('messages.that_code_is_not_right'),
    ...[0, 1, 2, 3, 4, 5].map((n) =>
      FR('messages.code_wrong_tries_left', { tries: FR(`plural.tries.${n <= 1 ? 'one' : 'other'}`, { n: String(n) }) }),
    ),
  ];
  await expect(page.getByTestId('form-error')).toHaveText(
    new RegExp(`^(${wrongCode.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`),
  );
  await expectFrenchScreen(page, 'enroll.register_phone.register_your_phone_number');
  await page.getByLabel(FR('sms_code_input.code_received_by_sms')).fill(phoneCode);
  await page.getByRole('button', { name: FR('enroll.register_phone.confirm_the_number') }).click();

  // 5-6: the enrollment code.
  await expect(page).toHaveURL(/\/enroll\/sms$/);
  await expectFrenchScreen(page, 'enroll.enrollment_code.confirm_it_is_you');
  since = Date.now();
  await page.getByRole('button', { name: FR('account.pin_reset.send_the_code') }).click();
  const enrollmentCode = await latestCodeTracked(secrets, request, 'new@demo.test', '+33655443322', { since, purpose: 'enrollment' });
  await expect(page.getByLabel(FR('sms_code_input.code_received_by_sms'))).toBeVisible();
  await expectFrenchScreen(page, 'enroll.enrollment_code.confirm_it_is_you');
  await page.getByLabel(FR('sms_code_input.code_received_by_sms')).fill(enrollmentCode);
  await page.getByRole('button', { name: FR('enroll.choose_method.continue') }).click();

  // 7: NotEnrolled, choose a PIN (a mismatch first).
  await expect(page).toHaveURL(/\/enroll\/pin\/new$/);
  await expectFrenchScreen(page, 'enroll.new_pin.choose_your_pin');
  const pin = secrets.track('591374');
  await page.getByLabel(FR('enroll.new_pin.choose_a_pin')).fill(pin);
  await page.getByLabel(FR('enroll.new_pin.type_the_pin_again')).fill(secrets.track('591375'));
  await page.getByRole('button', { name: FR('account.hub.enroll_this_browser') }).click();
  await expect(page.getByText(FR('messages.the_two_pins_do_not'))).toBeVisible();
  await expectFrenchScreen(page, 'enroll.new_pin.choose_your_pin');
  await page.getByLabel(FR('enroll.new_pin.choose_a_pin')).fill(pin);
  await page.getByLabel(FR('enroll.new_pin.type_the_pin_again')).fill(pin);
  await page.getByRole('button', { name: FR('account.hub.enroll_this_browser') }).click();

  await expect(page).toHaveURL(/\/enroll\/done$/);
  await expect(page.getByTestId('enrolled')).toBeVisible();
  await expectFrenchScreen(page, 'enroll.done.this_browser_is_enrolled');
  await page.getByRole('link', { name: FR('enroll.done.back_to_home') }).click();
  await expect(page.getByTestId('device-status')).toContainText(FR('home.enrolled'));
  await expectFrenchScreen(page, 'home.your_security');
});

test('English visitors never fetch French; a French one whose catalogue cannot be fetched gets English, and the switcher says so', async ({
  browser,
  baseURL,
}) => {
  const english = await browser.newContext({ baseURL, locale: 'en-US' });
  const asked: string[] = [];
  english.on('request', (request) => asked.push(new URL(request.url()).pathname));
  const page = await english.newPage();
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  expect(asked).not.toContain('/fr.txt');
  await english.close();

  // Offline for the catalogue only: the portal must not show keys, blanks or a mix.
  const french = await browser.newContext({ baseURL, locale: 'fr-FR' });
  await french.route('**/fr.txt', (route) => route.fulfill({ status: 503, body: 'down' }));
  const offline = await french.newPage();
  await offline.goto('/sign-in');
  await expect(offline.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  await expect(offline.locator('html')).toHaveAttribute('lang', 'en');
  const switcher = offline.getByLabel('Language', { exact: true });
  await expect(switcher).toHaveValue('en');
  await switcher.selectOption('fr');
  // The choice did not take: the selector goes back to what is shown.
  await expect(switcher).toHaveValue('en');
  await expect(offline.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  expect(await offline.evaluate(() => document.cookie)).not.toContain('portal_locale');
  // Back online, the same choice works.
  await french.unroute('**/fr.txt');
  await switcher.selectOption('fr');
  await expectFrenchScreen(offline, 'sign_in.sign_in');
  await french.close();
});
