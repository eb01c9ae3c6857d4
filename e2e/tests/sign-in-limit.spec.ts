// Password guesses are limited per email: from the 5th consecutive wrong password the
// sign-in waits (30 s, doubling), and the portal says so in plain words, in English and
// French, with the wait. Each test has its own server (flow-fixtures), so no other test's
// account ever waits.
import { text } from './embed-fixtures';
import { expect, test } from './flow-fixtures';

for (const lang of ['en', 'fr'] as const) {
  test(`sign-in: the fifth wrong password makes the email wait, said with the wait (${lang})`, async ({ browser }) => {
    const context = await browser.newContext({ locale: lang === 'fr' ? 'fr-FR' : 'en-US' });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(text(lang, 'sign_in.sign_in'));
    const email = page.getByLabel(text(lang, 'sign_in.email'), { exact: true });
    const password = page.getByLabel(text(lang, 'sign_in.password'), { exact: true });
    const submit = page.getByRole('button', { name: text(lang, 'sign_in.sign_in'), exact: true });
    const error = page.getByTestId('form-error');
    await email.fill('enrolled@demo.test');
    for (let i = 0; i < 5; i++) {
      await password.fill('not-the-password');
      await submit.click();
      // The button is busy until the answer is in, so each text read is this try's.
      await expect(submit).toBeEnabled();
      await expect(error).toHaveText(text(lang, 'sign_in.the_email_or_the_password'));
    }
    // The sixth try, even with the right password, waits 30 seconds and says so (29 when a
    // second of the wait has already passed since the fifth: the server counts down).
    await password.fill('demo-password');
    await submit.click();
    const said = (n: number) =>
      text(lang, 'messages.too_many_attempts_please_wait', { wait: lang === 'fr' ? `${n} secondes` : `${n} seconds` })
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expect(error).toHaveText(new RegExp(`^(${said(30)}|${said(29)})$`));
    await expect(page).toHaveURL(/\/sign-in/);
    await context.close();
  });
}
