// A reload in the middle of a flow keeps the user on a sensible step, still signed in
// (the session rides on the HttpOnly cookie; nothing secret is kept in the page).
import {
  chooseNewPin,
  DEMO_PHONE,
  DEMO_PIN,
  enrolledBrowser,
  enterPin,
  expect,
  expectHeading,
  latestCodeTracked,
  submitEnrollmentCode,
  test,
} from './flow-fixtures';
import { signIn } from './helpers';
import type { Page } from '@playwright/test';

/** Reloads and checks we are on `path`, still signed in as `email`, on the screen `heading`. */
async function reloadStays(page: Page, path: RegExp, heading: string, email: string): Promise<void> {
  await page.reload();
  await expect(page).toHaveURL(path);
  await expectHeading(page, heading);
  await expect(page.getByTestId('login')).toHaveText(email);
}

test('the session survives a reload on an HttpOnly cookie, not in web storage', async ({ page, context }) => {
  await signIn(page, 'phone@demo.test');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'portal_session');
  expect(session, 'the session cookie').toBeTruthy();
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Strict');
  const stored = await page.evaluate(() => JSON.stringify({ ...window.localStorage, ...window.sessionStorage }));
  expect(stored).not.toContain(session!.value);
  await reloadStays(page, /\/$/, 'Your security', 'phone@demo.test');
});

test('reloads on the method choice, the shortcut screen and the register screen stay there (new@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'new@demo.test');
  await page.goto('/enroll');
  await expect(page).toHaveURL(/\/enroll\/phone$/);
  await reloadStays(page, /\/enroll\/phone$/, 'Add a trusted phone number', 'new@demo.test');

  await page.getByRole('radio', { name: /Step by step/ }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/enroll\/phone\/register$/);
  await reloadStays(page, /\/enroll\/phone\/register$/, 'Register your phone number', 'new@demo.test');

  await page.goto('/enroll/phone/shortcut');
  await reloadStays(page, /\/enroll\/phone\/shortcut$/, 'Quick enrollment', 'new@demo.test');
  // After the code was sent, a reload comes back to the same screen: nothing typed
  // (number, code, PIN) was kept anywhere, so the form starts again.
  await page.getByLabel('Mobile phone number').fill('06 11 22 33 44');
  const since = Date.now();
  await page.getByRole('button', { name: 'Send the code' }).click();
  await latestCodeTracked(secrets, request, 'new@demo.test', '+33611223344', { since, purpose: 'phoneNumberCertification' });
  await page.getByLabel('Choose a PIN').fill(secrets.track('482915'));
  await reloadStays(page, /\/enroll\/phone\/shortcut$/, 'Quick enrollment', 'new@demo.test');
  await expect(page.getByLabel('Mobile phone number')).toHaveValue('');
  await expect(page.getByRole('button', { name: 'Send the code' })).toBeVisible();
});

test('reloads on the enrollment code, new PIN and done screens keep the flow going (phone@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'phone@demo.test');
  await page.goto('/enroll');
  await expect(page).toHaveURL(/\/enroll\/sms$/);
  await reloadStays(page, /\/enroll\/sms$/, 'Confirm it is you', 'phone@demo.test');
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.phone);
  await expect(page).toHaveURL(/\/enroll\/pin\/new$/);
  // The enrollment ticket is the server's: a reload on step 7 still lets the user finish.
  await reloadStays(page, /\/enroll\/pin\/new$/, 'Choose your PIN', 'phone@demo.test');
  await chooseNewPin(page, secrets, '730561');
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await reloadStays(page, /\/enroll\/done$/, 'This browser is enrolled', 'phone@demo.test');
  await expect(page.getByTestId('enrolled')).toBeVisible();
});

test('a reload on the enter-PIN screen keeps step 8 and the right PIN still enrolls (enrolled@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/enroll');
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.enrolled);
  await expect(page).toHaveURL(/\/enroll\/pin$/);
  await page.getByLabel('PIN', { exact: true }).fill(secrets.track(DEMO_PIN));
  await reloadStays(page, /\/enroll\/pin$/, 'Enter your PIN', 'enrolled@demo.test');
  await expect(page.getByLabel('PIN', { exact: true })).toHaveValue('');
  await enterPin(page, secrets, DEMO_PIN);
  await expect(page).toHaveURL(/\/enroll\/done$/);
});

test('a reload on the PIN update screen keeps it, empty, and the change still works', async ({
  page,
  context,
  request,
  secrets,
}) => {
  await enrolledBrowser(context, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/account/pin/update');
  await page.getByLabel('Current PIN').fill(DEMO_PIN);
  await reloadStays(page, /\/account\/pin\/update$/, 'Change your PIN', 'enrolled@demo.test');
  await expect(page.getByLabel('Current PIN')).toHaveValue('');
  const newPin = secrets.track('527148');
  await page.getByLabel('Current PIN').fill(DEMO_PIN);
  await page.getByLabel('New PIN', { exact: true }).fill(newPin);
  await page.getByLabel('Type the new PIN again').fill(newPin);
  await page.getByRole('button', { name: 'Change my PIN' }).click();
  await expect(page.getByTestId('success')).toHaveText('Your PIN has been changed.');
});

// Step 6's answer decides between the two PIN screens: a PIN step entered by URL must not
// show the other one (on an account with a PIN, "Choose your PIN" would burn a PIN try).
test('a bookmark to the new-PIN step of an account that has a PIN does not offer to choose one (enrolled@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/enroll');
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.enrolled);
  await expect(page).toHaveURL(/\/enroll\/pin$/);
  // An old bookmark of step 7 (or the URL typed): the account has a PIN, so "Choose your
  // PIN" would be a form the server treats as a PIN check.
  await page.goto('/enroll/pin/new');
  await expect(page).not.toHaveURL(/\/enroll\/pin\/new$/);
  // The PIN screen step 6 called for, or the code step when the answer is not known.
  await expect(page).toHaveURL(/\/enroll\/(pin|sms)$/);
  await expect(page.getByLabel('Choose a PIN')).toHaveCount(0);
});

// And on an account without a PIN, "Enter your PIN" would set whatever is typed as the
// new PIN, unconfirmed.
test('a bookmark to the enter-PIN step of an account without a PIN does not take a PIN unconfirmed (phone@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'phone@demo.test');
  await page.goto('/enroll');
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.phone);
  await expect(page).toHaveURL(/\/enroll\/pin\/new$/);
  await page.goto('/enroll/pin');
  await expect(page).not.toHaveURL(/\/enroll\/pin$/);
  await expect(page).toHaveURL(/\/enroll\/(pin\/new|sms)$/);
  await expect(page.getByText('Your account already has a PIN.', { exact: false })).toHaveCount(0);
});
