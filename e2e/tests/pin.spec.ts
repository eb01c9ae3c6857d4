// Step 8 with the account's PIN: wrong PINs and the lockout, step A (remove all
// enrollments) as the way out, and forgot-PIN (B) from the enter-PIN screen.
import {
  ApiClient,
  chooseNewPin,
  DEMO_PHONE,
  DEMO_PIN,
  enterPin,
  expect,
  expectHeading,
  latestCodeTracked,
  submitEnrollmentCode,
  test,
} from './flow-fixtures';
import { PageKey, signedHeaders } from './dpop';
import { outbox, signIn } from './helpers';

test('enrolled@ on a new browser: a wrong PIN says how many tries are left, the right one enrolls', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'enrolled@demo.test');
  await expect(page.getByTestId('device-status')).toContainText('This browser is not enrolled');
  await page.getByRole('link', { name: 'Enroll this browser' }).click();
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.enrolled);

  // AlreadyEnrolled: the account has a PIN, enter it (step 8).
  await expect(page).toHaveURL(/\/enroll\/pin$/);
  await expectHeading(page, 'Enter your PIN');
  await enterPin(page, secrets, '135792');
  await expect(page.getByTestId('form-error')).toHaveText('Wrong PIN. 2 tries left before your PIN is blocked.');
  await expect(page).toHaveURL(/\/enroll\/pin$/);
  // The PIN field is cleared after each submit.
  await expect(page.getByLabel('PIN', { exact: true })).toHaveValue('');

  await enterPin(page, secrets, DEMO_PIN);
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await expect(page.getByTestId('enrolled')).toBeVisible();

  // Two devices now: the seeded one and this browser.
  await page.getByRole('link', { name: 'Go to account security' }).click();
  await page.getByRole('link', { name: 'See your devices, remove one' }).click();
  const devices = page.getByTestId('devices').getByRole('listitem');
  await expect(devices).toHaveCount(2);
  await expect(devices.filter({ hasText: '(this browser)' })).toHaveCount(1);
});

test.describe('one address guessing PINs on many accounts', () => {
  // One wrong PIN an hour from an address, whatever the account (the default is 60).
  test.use({ serverArgs: ['--wrong-guesses-per-ip-per-hour', '1'] });

  test('past its wrong guesses, an address is told how long to wait', async ({
    page,
    request,
    secrets,
  }) => {
    await signIn(page, 'enrolled@demo.test');
    await page.getByRole('link', { name: 'Enroll this browser' }).click();
    // A right SMS code is not a wrong guess: it costs the address nothing.
    await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.enrolled);
    await expect(page).toHaveURL(/\/enroll\/pin$/);
    await enterPin(page, secrets, '135792');
    await expect(page.getByTestId('form-error')).toHaveText('Wrong PIN. 2 tries left before your PIN is blocked.');

    // The address's one wrong guess is spent: the next PIN is not compared, and says how
    // long in minutes, not as 3,600 seconds.
    await enterPin(page, secrets, '135793');
    await expect(page.getByTestId('form-error')).toHaveText('Too many attempts. Please wait 60 minutes and try again.');
    await expect(page).toHaveURL(/\/enroll\/pin$/);
    await expect(page.getByLabel('PIN', { exact: true })).toHaveValue('');
    // That the refused PIN took none of the account's tries is the server suite's to show
    // (floods.rs): from one address, the browser cannot try again to see it.
  });
});

test('three wrong PINs block the account; step A removes all enrollments; enrolling again sets a new PIN', async ({
  page,
  request,
  secrets,
}) => {
  test.setTimeout(120_000);
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/enroll');
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.enrolled);

  await enterPin(page, secrets, '135792');
  await expect(page.getByTestId('form-error')).toHaveText('Wrong PIN. 2 tries left before your PIN is blocked.');
  await enterPin(page, secrets, '975318');
  await expect(page.getByTestId('form-error')).toHaveText('Wrong PIN. 1 try left before your PIN is blocked.');
  await enterPin(page, secrets, '864209');

  // The third wrong PIN blocks: the blocked screen explains why and offers step A.
  await expect(page).toHaveURL(/\/enroll\/blocked$/);
  await expectHeading(page, 'Your account is blocked');
  await expect(page.getByTestId('blocked-reason')).toHaveText(
    'Your PIN was entered wrongly too many times, so it is blocked.',
  );
  // From now on even the right PIN answers 2317.
  const enrollUrl = new URL('/api/v1/pims/authentication/enrollment', page.url()).href;
  const refused = await page.request.post(enrollUrl, {
    headers: await signedHeaders(new PageKey(page), 'POST', enrollUrl),
    data: { action: 'enroll', pinCode: DEMO_PIN },
  });
  expect(refused.status()).toBe(423);
  expect((await refused.json()).error.code).toBe(2317);
  // A reload keeps the user on the blocked screen.
  await page.reload();
  await expect(page).toHaveURL(/\/enroll\/blocked$/);
  await expect(page.getByTestId('blocked-reason')).toContainText('entered wrongly too many times');

  // Step A, with its confirmation.
  await page.getByRole('link', { name: 'Remove all enrollments' }).click();
  await expect(page).toHaveURL(/\/account\/enrollments\/remove$/);
  await expectHeading(page, 'Remove all enrollments');
  await expect(page.getByText('remove the 1 enrolled device of your account,')).toBeVisible();
  const sendCode = page.getByRole('button', { name: 'Send the code' });
  await sendCode.click();
  await expect(page.getByTestId('form-error')).toHaveText(
    'Tick the box to confirm that you want to remove all enrollments.',
  );
  await expect(page).toHaveURL(/\/account\/enrollments\/remove$/);
  await page.getByRole('checkbox', { name: 'I understand: remove all enrollments' }).check();
  // The password is not enough: a code to the trusted phone confirms it.
  const since = Date.now();
  await sendCode.click();
  const removalCode = await latestCodeTracked(secrets, request, 'enrolled@demo.test', DEMO_PHONE.enrolled, {
    since,
    purpose: 'removeEnrollments',
  });
  await page.getByLabel('Code received by SMS').fill(removalCode);
  await page.getByRole('button', { name: 'Remove all enrollments' }).click();

  // Enrollment restarts at step 3: the phone stays, so step 5. The enrollment code of a
  // few seconds ago holds the resend cooldown: the screen says how long to wait.
  await expect(page).toHaveURL(/\/enroll\/sms$/);
  await page.getByRole('button', { name: 'Send the code' }).click();
  const wait = page.getByTestId('form-error');
  await expect(wait).toHaveText(/^Too many attempts\. Please wait \d+ seconds? and try again\.$/);
  const seconds = Number(/(\d+) second/.exec((await wait.textContent()) ?? '')?.[1]);
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(30);
  await page.waitForTimeout((seconds + 1) * 1000);
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.enrolled);

  // No PIN any more: NotEnrolled, choose a new one.
  await chooseNewPin(page, secrets, '318604');
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await page.goto('/devices');
  const devices = page.getByTestId('devices').getByRole('listitem');
  await expect(devices).toHaveCount(1);
  await expect(devices).toContainText('(this browser)');
  await page.goto('/account');
  await expect(page.getByTestId('events')).toContainText('All enrollments were removed');
  await expect(page.getByTestId('events')).toContainText('PIN blocked after too many wrong tries');
});

test('forgot PIN: from the enter-PIN screen, reset it with a resetPIN code, then enter the new PIN to enroll', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/enroll');
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.enrolled);
  await expect(page).toHaveURL(/\/enroll\/pin$/);

  await page.getByRole('link', { name: 'Forgot your PIN?' }).click();
  await expect(page).toHaveURL(/\/account\/pin\/reset$/);
  await expectHeading(page, 'Reset your PIN');
  const since = Date.now();
  await page.getByRole('button', { name: 'Send the code' }).click();
  const code = await latestCodeTracked(secrets, request, 'enrolled@demo.test', DEMO_PHONE.enrolled, { since, purpose: 'resetPIN' });
  await page.getByLabel('Code received by SMS').fill(code);
  const newPin = secrets.track('602413');
  await page.getByLabel('New PIN', { exact: true }).fill(newPin);
  await page.getByLabel('Type the new PIN again').fill(newPin);
  await page.getByRole('button', { name: 'Reset my PIN' }).click();

  // This browser is not enrolled yet: back to step 8 with the new PIN.
  await expect(page).toHaveURL(/\/enroll\/pin$/);
  await expectHeading(page, 'Enter your PIN');
  await enterPin(page, secrets, DEMO_PIN);
  await expect(page.getByTestId('form-error')).toHaveText('Wrong PIN. 2 tries left before your PIN is blocked.');
  await enterPin(page, secrets, newPin);
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await expect(page.getByTestId('enrolled')).toBeVisible();
});

test('full@ is at the device limit: a new browser is told why and offered the device list, never enrollment', async ({ page, request }) => {
  await signIn(page, 'full@demo.test');
  await expect(page.getByTestId('standing')).toHaveText(
    '5 devices are enrolled, the most your account can have. Remove one to enroll this browser.',
  );
  await expect(page.getByRole('link', { name: 'Enroll this browser' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Choose a device to remove' })).toHaveAttribute('href', '/devices');
  // The enrollment reached by its address says the same, with the same way out.
  await page.goto('/enroll');
  await expect(page).toHaveURL(/\/enroll\/blocked$/);
  await expectHeading(page, 'Your account is blocked');
  await expect(page.getByTestId('blocked-reason')).toHaveText(
    'Your account already has the maximum number of enrolled devices, so this browser cannot be added.',
  );
  await expect(page.getByRole('link', { name: 'Choose a device to remove' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Remove all enrollments' })).toHaveCount(0);
  // The blocked screen is reached without an SMS.
  expect((await outbox(request, 'full@demo.test')).filter((m) => m.to === DEMO_PHONE.full)).toEqual([]);
  const api = await new ApiClient(request).signIn('full@demo.test');
  expect(await api.blockState()).toBe('AccountBlocked');
});
