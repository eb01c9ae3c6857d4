// French (shared spec portal.md, "Look and language": English and French, every
// user-visible string from the locale files, a switcher in standalone mode). The test
// switches with the header's selector and walks the full method; on every screen the
// heading is the French catalogue's, every visible text is French, and no English text
// (nor a raw catalogue key) shows anywhere.
import { type Page } from '@playwright/test';
import { catalogue, text, textPattern } from './embed-fixtures';
import { expect, latestCodeTracked, test } from './flow-fixtures';
import { DEMO_PASSWORD } from './helpers';

const fr = catalogue('fr');
const en = catalogue('en');
const FR = (key: string, args?: Record<string, string>) => text('fr', key, args);

/** English texts that differ from their French one: none of them may show. */
const englishOnly = [...en.entries()]
  .filter(([key, value]) => fr.get(key) !== value)
  .map(([key, value]) => ({ key, value, pattern: textPattern(value) }));
const frenchPatterns = [...fr.values()].map((value) => textPattern(value));
const frenchValues = [...fr.values()];
const keys = new Set([...en.keys()]);

/** What is shown: every visible text node (screen-reader-only ones too), the lines of
 * `innerText`, the accessible names given by attributes, and the document title. */
async function shownTexts(page: Page): Promise<{ nodes: string[]; lines: string[]; attributes: string[]; title: string }> {
  return page.evaluate(() => {
    const nodes: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const value = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (!parent || !value || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(parent.tagName)) continue;
      const option = parent.closest('option');
      if (!option && !parent.checkVisibility({ visibilityProperty: true, opacityProperty: false })) continue;
      nodes.push(value);
    }
    const attributes: string[] = [];
    for (const element of Array.from(document.body.querySelectorAll('[aria-label], [placeholder], [title], [alt]'))) {
      for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
        const value = element.getAttribute(name)?.trim();
        if (value) attributes.push(value);
      }
    }
    const lines = document.body.innerText
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    return { nodes, lines, attributes, title: document.title };
  });
}

/** Data rather than words: numbers, phone numbers, codes, times, e-mail addresses, the
 * countries of the phone field (region and calling code), the languages named in
 * themselves in the switcher. */
function isData(value: string): boolean {
  if (!/\p{L}/u.test(value)) return true;
  if (/^[\w.+-]+@[\w.-]+$/.test(value)) return true;
  if (/^[A-Z]{2} \+\d{1,3}$/.test(value)) return true;
  return ['English', 'Français'].includes(value);
}

function isFrench(value: string): boolean {
  if (frenchPatterns.some((pattern) => pattern.test(value))) return true;
  // A piece of a French text that markup split (a label, then a <strong> value).
  return value.length >= 2 && frenchValues.some((french) => french.includes(value));
}

/** On the screen titled by `headingKey`: the French heading, and no text that is not French. */
async function expectFrenchScreen(page: Page, headingKey: string): Promise<void> {
  const heading = FR(headingKey);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
  await expect(page.locator('.loading')).toHaveCount(0);
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  const shown = await shownTexts(page);
  expect(shown.title, 'the document title').toBe(FR('lib.document_title', { title: heading }));
  const everything = [...shown.nodes, ...shown.lines, ...shown.attributes, shown.title];
  const english = everything
    .map((value) => ({ value, match: englishOnly.find((e) => e.pattern.test(value)) }))
    .filter(({ match }) => match)
    .map(({ value, match }) => `${JSON.stringify(value)} is en:${match?.key}`);
  const rawKeys = everything.filter((value) => keys.has(value));
  const notFrench = [...shown.nodes, ...shown.attributes].filter((value) => !isData(value) && !isFrench(value));
  expect(
    { english, rawKeys, notFrench },
    `on "${heading}": English text, raw keys, or text in no French catalogue entry`,
  ).toEqual({ english: [], rawKeys: [], notFrench: [] });
}

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
  expect(await page.evaluate(() => localStorage.getItem('portal.locale'))).toBe('fr');
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
  expect(await offline.evaluate(() => localStorage.getItem('portal.locale'))).toBeNull();
  // Back online, the same choice works.
  await french.unroute('**/fr.txt');
  await switcher.selectOption('fr');
  await expectFrenchScreen(offline, 'sign_in.sign_in');
  await french.close();
});
