// A session that expires in the middle of a flow: the next action sends the user to sign
// in, with `next` pointing at the step, and signing in again lands back on that step.
// Expiry is simulated by revoking the session (DELETE /api/v1/session with the browser's
// own cookie and device id): the portal's in-memory token is the same session.
import {
  chooseNewPin,
  DEMO_PHONE,
  DEMO_PIN,
  enrolledBrowser,
  expect,
  expectHeading,
  latestCodeTracked,
  revokeSession,
  submitEnrollmentCode,
  submitSignIn,
  test,
} from './flow-fixtures';
import { signIn } from './helpers';
import type { Page } from '@playwright/test';

async function expectSignInFor(page: Page, next: string): Promise<void> {
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in' && url.searchParams.get('next') === next);
  await expectHeading(page, 'Sign in');
}

test('expiry on the enrollment code step: sign in again, back on the step, finish (phone@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'phone@demo.test');
  await page.goto('/enroll');
  await expect(page).toHaveURL(/\/enroll\/sms$/);

  await revokeSession(page);
  await page.getByRole('button', { name: 'Send the code' }).click();
  await expectSignInFor(page, '/enroll/sms');
  await submitSignIn(page, 'phone@demo.test');
  await expect(page).toHaveURL(/\/enroll\/sms$/);

  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.phone);
  await chooseNewPin(page, secrets, '730561');
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await expect(page.getByTestId('enrolled')).toBeVisible();
});

// Step 6's answer (which PIN screen) survives signing in again to the same account.
test('expiry on the new-PIN step: sign in again, back on the step, finish (phone@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'phone@demo.test');
  await page.goto('/enroll');
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.phone);
  await expect(page).toHaveURL(/\/enroll\/pin\/new$/);

  await revokeSession(page);
  await chooseNewPin(page, secrets, '730561');
  await expectSignInFor(page, '/enroll/pin/new');
  await submitSignIn(page, 'phone@demo.test');
  await expect(page).toHaveURL(/\/enroll\/pin\/new$/);
  await expectHeading(page, 'Choose your PIN');
  // The enrollment ticket belongs to this browser, not to the session: finish here.
  await chooseNewPin(page, secrets, '730561');
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await expect(page.getByTestId('enrolled')).toBeVisible();
});

test('expiry on the shortcut screen after the code was sent: back on the shortcut screen after signing in (new@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'new@demo.test');
  await page.goto('/enroll/phone/shortcut');
  await page.getByLabel('Mobile phone number').fill('06 11 22 33 44');
  const since = Date.now();
  await page.getByRole('button', { name: 'Send the code' }).click();
  const code = await latestCodeTracked(secrets, request, 'new@demo.test', '+33611223344', { since, purpose: 'phoneNumberCertification' });
  await page.getByLabel('Code received by SMS').fill(code);
  const pin = secrets.track('482915');
  await page.getByLabel('Choose a PIN').fill(pin);
  await page.getByLabel('Type the PIN again').fill(pin);

  await revokeSession(page);
  await page.getByRole('button', { name: 'Enroll this browser' }).click();
  await expectSignInFor(page, '/enroll/phone/shortcut');
  await submitSignIn(page, 'new@demo.test');
  await expect(page).toHaveURL(/\/enroll\/phone\/shortcut$/);
  await expectHeading(page, 'Quick enrollment');
  // Nothing was enrolled by the refused request.
  await expect(page.getByLabel('Mobile phone number')).toBeVisible();
  await page.goto('/');
  await expect(page.getByTestId('device-status')).toContainText('This browser is not enrolled');
});

test('expiry on the PIN update screen: sign in again, back on it, and the change works', async ({
  page,
  context,
  request,
  secrets,
}) => {
  await enrolledBrowser(context, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/account/pin/update');
  await expectHeading(page, 'Change your PIN');
  const newPin = secrets.track('527148');
  const change = async () => {
    await page.getByLabel('Current PIN').fill(DEMO_PIN);
    await page.getByLabel('New PIN', { exact: true }).fill(newPin);
    await page.getByLabel('Type the new PIN again').fill(newPin);
    await page.getByRole('button', { name: 'Change my PIN' }).click();
  };

  await revokeSession(page);
  await change();
  await expectSignInFor(page, '/account/pin/update');
  await submitSignIn(page, 'enrolled@demo.test');
  await expect(page).toHaveURL(/\/account\/pin\/update$/);
  await expectHeading(page, 'Change your PIN');
  await change();
  await expect(page.getByTestId('success')).toHaveText('Your PIN has been changed.');
});
