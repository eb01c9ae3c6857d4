// The server's refusals that protect the account and the SMS budget, as a user meets them:
// a number that cannot receive codes is explained at the phone field, and SMS codes paused
// after 20 wrong codes in a row say for how long; in English and French, each screen with
// 0 axe violations. (The wrong-password wait is in sign-in-limit.spec.ts.)
import type { Page } from '@playwright/test';
import { axeViolations, text, type Lang } from './embed-fixtures';
import { ApiClient, DEMO_PHONE, expect, expectHeading, test } from './flow-fixtures';
import { DEMO_PASSWORD, latestCode, outbox } from './helpers';

const locale = (lang: Lang) => (lang === 'fr' ? 'fr-FR' : 'en-US');

async function signInAs(page: Page, lang: Lang, email: string): Promise<void> {
  await page.goto('/sign-in');
  await expectHeading(page, text(lang, 'sign_in.sign_in'));
  await page.getByLabel(text(lang, 'sign_in.email'), { exact: true }).fill(email);
  await page.getByLabel(text(lang, 'sign_in.password'), { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: text(lang, 'sign_in.sign_in'), exact: true }).click();
  await expect(page).not.toHaveURL(/\/sign-in(\?|$)/);
}

for (const lang of ['en', 'fr'] as const) {
  test.describe(`${lang}`, () => {
    test.use({ locale: locale(lang) });

    test(`a premium-rate number is refused at the phone field, and no SMS leaves (${lang})`, async ({ page, request }) => {
      await signInAs(page, lang, 'new@demo.test');
      await page.goto('/enroll/phone/shortcut');
      await expect(page.locator('#phone')).toBeVisible();
      const phone = page.locator('#phone');
      // 08 99: French premium rate. It has the length of a number, so only the server's
      // check of its kind refuses it.
      await phone.fill('08 99 12 34 56');
      await page.getByRole('button', { name: text(lang, 'account.pin_reset.send_the_code') }).click();
      await expect(page.locator('#phone-error')).toHaveText(text(lang, 'messages.not_a_mobile_number'));
      await expect(phone).toHaveAttribute('aria-invalid', 'true');
      await expect(phone).toBeFocused();
      // What was typed is kept, to be corrected.
      await expect(phone).toHaveValue('08 99 12 34 56');
      expect((await outbox(request, 'new@demo.test')).filter((m) => m.to === '+33899123456')).toEqual([]);
      expect(await axeViolations(page, '/enroll/phone/shortcut')).toEqual([]);
    });

    test.describe('with no resend wait', () => {
      test.use({ serverArgs: ['--sms-resend-cooldown-seconds', '0'] });

      test(`after 20 wrong codes in a row, SMS codes are paused and the portal says for how long (${lang})`, async ({
        page,
        request,
      }) => {
        // The 20 wrong codes from another device of phone@ (the count is the account's,
        // across codes and devices): each code takes 5 tries, so four codes.
        const other = await new ApiClient(request).signIn('phone@demo.test');
        let guess = '';
        for (let wrong = 0; wrong < 20; wrong++) {
          if (wrong % 5 === 0) {
            const since = Date.now();
            await other.call('POST', '/api/v1/pims/authentication/smscode/request', { type: 'enrollment' });
            const code = await latestCode(request, 'phone@demo.test', DEMO_PHONE.phone, { since, purpose: 'enrollment' });
            guess = code === '000000' ? '111111' : '000000';
          }
          await other.call('POST', '/api/v1/pims/authentication/smscode', { action: 'enrollment', smsCode: guess }, 'FAILED');
        }

        await signInAs(page, lang, 'phone@demo.test');
        await page.getByRole('link', { name: text(lang, 'account.hub.enroll_this_browser') }).click();
        await expect(page).toHaveURL(/\/enroll\/sms$/);
        const messages = await outbox(request, 'phone@demo.test');
        await page.getByRole('button', { name: text(lang, 'account.pin_reset.send_the_code') }).click();
        const hours = text(lang, 'plural.hours.other', { n: '24' });
        await expect(page.getByTestId('form-error')).toHaveText(text(lang, 'messages.paused_wrong_codes', { hours }));
        // No code was sent for the refused request.
        expect(await outbox(request, 'phone@demo.test')).toHaveLength(messages.length);
        expect(await axeViolations(page, '/enroll/sms')).toEqual([]);
      });
    });
  });
}
