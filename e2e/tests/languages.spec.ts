// Every language besides English and French (French has its own, longer walk in
// french.spec.ts): chosen in the header's switcher, which names each language in itself,
// then the shortcut enrollment of new@ with the phone field on that language's country.
// On every screen the heading is the language's, every visible text is one of its
// catalogue's, and no English text or raw key shows (languages.ts).
import { BROWSER_LOCALES, LANGS, LANGUAGE_NAMES, NATIONAL_MOBILES, text, type Lang } from './embed-fixtures';
import { expect, latestCodeTracked, test } from './flow-fixtures';
import { DEMO_PASSWORD } from './helpers';
import { expectScreenIn } from './languages';

test('the switcher lists every language in its own name, and a browser in one of them starts in it', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ baseURL, locale: BROWSER_LOCALES.nl });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await expectScreenIn(page, 'nl', 'sign_in.sign_in');
  const options = page.getByLabel(text('nl', 'lib.language'), { exact: true }).locator('option');
  await expect(options).toHaveText(LANGS.map((lang) => LANGUAGE_NAMES[lang]));
  for (const lang of LANGS) {
    await expect(options.filter({ hasText: LANGUAGE_NAMES[lang] })).toHaveAttribute('lang', lang);
  }
  await context.close();
});

for (const lang of LANGS.filter((l) => l !== 'en' && l !== 'fr') as Lang[]) {
  test(`${lang}: the shortcut enrollment, every screen in ${LANGUAGE_NAMES[lang]}`, async ({ page, request, secrets }) => {
    const T = (key: string, args?: Record<string, string>) => text(lang, key, args);
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto('/sign-in');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
    await page.getByLabel('Language', { exact: true }).selectOption(lang);
    await expectScreenIn(page, lang, 'sign_in.sign_in');
    // Fetched on demand, its own catalogue only.
    expect(asked.filter((p) => p.endsWith('.txt'))).toEqual([`/${lang}.txt`]);
    expect(await page.evaluate(() => document.cookie)).toContain(`portal_locale=${lang}`);

    await page.getByLabel(T('sign_in.email'), { exact: true }).fill('new@demo.test');
    await page.getByLabel(T('sign_in.password'), { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: T('sign_in.sign_in'), exact: true }).click();
    await expect(page.getByTestId('device-status')).toContainText(T('home.not_enrolled'));
    await expectScreenIn(page, lang, 'home.your_security');

    await page.getByRole('link', { name: T('account.hub.enroll_this_browser') }).click();
    await expect(page).toHaveURL(/\/enroll\/phone$/);
    await expectScreenIn(page, lang, 'enroll.choose_method.add_a_trusted_phone_number');
    await expect(page.getByRole('radio', { name: T('enroll.choose_method.quick_enrollment_recommended') })).toBeChecked();
    await page.getByRole('button', { name: T('enroll.choose_method.continue') }).click();

    await expect(page).toHaveURL(/\/enroll\/phone\/shortcut$/);
    await expectScreenIn(page, lang, 'enroll.shortcut.quick_enrollment');
    // The phone field starts on the language's country: a number typed as people there
    // write it is understood.
    const mobile = NATIONAL_MOBILES[lang];
    await expect(page.getByLabel(T('phone_input.country'), { exact: true })).toHaveValue(mobile.region);
    await page.getByLabel(T('phone_input.mobile_phone_number')).fill(mobile.typed);
    await expect(page.getByText(T('phone_input.international_form', { number: mobile.e164 }))).toBeVisible();
    const since = Date.now();
    await page.getByRole('button', { name: T('account.pin_reset.send_the_code') }).click();
    const code = await latestCodeTracked(secrets, request, 'new@demo.test', mobile.e164, {
      since,
      purpose: 'phoneNumberCertification',
    });
    await expect(page.getByLabel(T('sms_code_input.code_received_by_sms'))).toBeVisible();
    await expectScreenIn(page, lang, 'enroll.shortcut.quick_enrollment');
    // Submitted with nothing else typed: every field's error in the language.
    await page.getByRole('button', { name: T('account.hub.enroll_this_browser') }).click();
    await expect(page.getByLabel(T('sms_code_input.code_received_by_sms'))).toHaveAttribute('aria-invalid', 'true');
    await expectScreenIn(page, lang, 'enroll.shortcut.quick_enrollment');
    await page.getByLabel(T('sms_code_input.code_received_by_sms')).fill(code);
    const pin = secrets.track('582914');
    await page.getByLabel(T('enroll.new_pin.choose_a_pin')).fill(pin);
    await page.getByLabel(T('enroll.new_pin.type_the_pin_again')).fill(pin);
    await page.getByRole('button', { name: T('account.hub.enroll_this_browser') }).click();

    await expect(page).toHaveURL(/\/enroll\/done$/);
    await expect(page.getByTestId('enrolled')).toBeVisible();
    await expectScreenIn(page, lang, 'enroll.done.this_browser_is_enrolled');
    await page.getByRole('link', { name: T('enroll.done.back_to_home') }).click();
    await expect(page.getByTestId('device-status')).toContainText(T('home.enrolled'));
    await expectScreenIn(page, lang, 'home.your_security');
  });
}
