// The hub's devices, one by one (issue 19): the device limit explained with the list one
// step away, a device removed with the PIN (step-up), and whoever held it signed out.
import {
  DEMO_PHONE,
  DEMO_PIN,
  enrolledBrowser,
  enterPin,
  expect,
  expectHeading,
  submitEnrollmentCode,
  test,
} from './flow-fixtures';
import { PageKey, signedHeaders } from './dpop';
import { signIn } from './helpers';

test('full@ on a new browser: the limit explained, one device removed with the PIN, then this browser enrolled', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'full@demo.test');
  await page.getByRole('link', { name: 'Choose a device to remove' }).click();
  await expect(page).toHaveURL(/\/devices$/);
  await expectHeading(page, 'Your enrolled devices');
  await expect(page.getByTestId('device-limit')).toHaveText(
    '5 devices are enrolled, the most your account can have. Remove one to enroll this browser.',
  );
  const devices = page.getByTestId('devices').getByRole('listitem');
  await expect(devices).toHaveCount(5);
  // Relative times, the exact date and time in the tooltip.
  await expect(devices.first().locator('.hint')).toHaveAttribute('title', /\d/);
  await expect(devices.first()).toContainText(/enrolled \S+/);
  await expect(devices.first()).toContainText(/last used \S+/);
  await expect(page.getByRole('link', { name: 'Enroll this browser' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Remove Safari on macOS' }).click();
  const confirm = page.getByRole('form', { name: 'Confirm with your PIN' });
  await expect(confirm).toContainText('Removing Safari on macOS needs your PIN.');
  await expect(confirm.getByLabel('PIN', { exact: true })).toBeFocused();
  // A wrong PIN first: it counts, and the form says how many tries are left.
  await confirm.getByLabel('PIN', { exact: true }).fill(secrets.track('135792'));
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirm).toContainText('Wrong PIN. 2 tries left before your PIN is blocked.');
  await expect(devices).toHaveCount(5);
  await confirm.getByLabel('PIN', { exact: true }).fill(secrets.track(DEMO_PIN));
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('devices-notice')).toHaveText('Safari on macOS was removed.');
  await expect(devices).toHaveCount(4);
  await expect(page.getByTestId('device-limit')).toHaveCount(0);

  // Room for this browser: the PIN it kept enrolls it.
  await page.getByRole('link', { name: 'Enroll this browser' }).click();
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.full);
  await enterPin(page, secrets, DEMO_PIN);
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await page.goto('/account');
  await expect(page.getByTestId('events')).toContainText('A device was removed');
  // The hub lists them too, this browser marked, each with when it was last used.
  const onHub = page.getByTestId('hub-devices').getByRole('listitem');
  await expect(onHub).toHaveCount(5);
  await expect(onHub.filter({ hasText: '(this browser)' })).toHaveCount(1);
  await expect(onHub.filter({ hasText: 'Safari on macOS' })).toHaveCount(0);
  await expect(onHub.first()).toContainText(/last used \S+/);
  await page.getByRole('link', { name: 'See your devices, remove one' }).click();
  await expect(page).toHaveURL(/\/devices$/);
  await expect(devices).toHaveCount(5);
  await expect(devices.filter({ hasText: '(this browser)' })).toHaveCount(1);
  await expect(page.getByTestId('device-limit')).toHaveCount(0);
});

test('an enrolled browser removes another one: the PIN and the other devices stay, the removed one is signed out', async ({
  page,
  context,
  browser,
  request,
  secrets,
}) => {
  const api = await enrolledBrowser(context, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  const elsewhere = await browser.newContext();
  // One account, two enrollment codes: the second waits out the account's resend cooldown.
  await page.waitForTimeout(31_000);
  await enrolledBrowser(elsewhere, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  const other = await elsewhere.newPage();
  await signIn(other, 'enrolled@demo.test');
  await expect(other.getByTestId('device-status')).toContainText('This browser is enrolled');

  await signIn(page, 'enrolled@demo.test');
  await page.goto('/devices');
  await expectHeading(page, 'Your enrolled devices');
  const devices = page.getByTestId('devices').getByRole('listitem');
  await expect(devices).toHaveCount(3);
  // Oldest first: the seeded device, this browser, then the other one (all three are
  // "Chrome on Windows": Playwright's desktop Chrome says so in its User-Agent).
  await expect(devices.nth(1)).toContainText('(this browser)');
  const theOther = devices.nth(2);
  await expect(theOther).not.toContainText('(this browser)');
  const label = (await theOther.locator('strong').textContent()) ?? '';
  await theOther.getByRole('button', { name: `Remove ${label}` }).click();
  const confirm = page.getByRole('form', { name: 'Confirm with your PIN' });
  await confirm.getByLabel('PIN', { exact: true }).fill(secrets.track(DEMO_PIN));
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('devices-notice')).toHaveText(`${label} was removed.`);
  await expect(devices).toHaveCount(2);
  await expect(devices.filter({ hasText: '(this browser)' })).toHaveCount(1);

  // The removed browser's session is over: its next call answers 2301 and it signs in again.
  const url = new URL('/api/v1/session', other.url()).href;
  const check = await other.request.get(url, { headers: await signedHeaders(new PageKey(other), 'GET', url) });
  expect(check.status()).toBe(401);
  await other.goto('/account');
  await expect(other).toHaveURL(/\/sign-in/);
  // Signed in again, it is no longer enrolled; the PIN is the account's, unchanged.
  await signIn(other, 'enrolled@demo.test');
  await expect(other.getByTestId('device-status')).toContainText('This browser is not enrolled');
  const proof = await api.call('POST', '/api/v1/pims/authentication/otp', {
    action: 'withPIN',
    pinCode: DEMO_PIN,
    operation: 'removeProperty',
  });
  expect(proof.result.otp).toBeTruthy();
  await elsewhere.close();
});
