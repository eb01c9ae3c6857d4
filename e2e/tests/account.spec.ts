// Account management from an enrolled browser: C (update the PIN), D (change the phone
// number), E (remove a vehicle, with the step-up PIN dialog).
import {
  countPosts,
  DEMO_PHONE,
  DEMO_PIN,
  enrolledBrowser,
  expect,
  expectHeading,
  latestCodeTracked,
  test,
} from './flow-fixtures';
import { signIn } from './helpers';

test('C: an enrolled browser changes the PIN with the current one; a wrong current PIN counts', async ({
  page,
  context,
  request,
  secrets,
}) => {
  const api = await enrolledBrowser(context, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  await signIn(page, 'enrolled@demo.test');
  await expect(page.getByTestId('device-status')).toContainText('This browser is enrolled');
  await page.getByRole('link', { name: 'Manage account security' }).click();
  await page.getByRole('link', { name: 'Change PIN' }).click();
  await expect(page).toHaveURL(/\/account\/pin\/update$/);
  await expectHeading(page, 'Change your PIN');

  const newPin = secrets.track('527148');
  const fill = async (current: string) => {
    await page.getByLabel('Current PIN').fill(secrets.track(current));
    await page.getByLabel('New PIN', { exact: true }).fill(newPin);
    await page.getByLabel('Type the new PIN again').fill(newPin);
    await page.getByRole('button', { name: 'Change my PIN' }).click();
  };
  await fill('135792');
  await expect(page.getByTestId('form-error')).toHaveText('Wrong PIN. 2 tries left before your PIN is blocked.');
  for (const label of ['Current PIN', 'New PIN', 'Type the new PIN again']) {
    await expect(page.getByLabel(label, { exact: true })).toHaveValue('');
  }
  await fill(DEMO_PIN);
  await expect(page.getByTestId('success')).toHaveText('Your PIN has been changed.');

  // The new PIN is the account's PIN now, the old one is not.
  const stepUp = (pinCode: string, expected: 'SUCCEEDED' | 'FAILED') =>
    api.call('POST', '/api/v1/pims/authentication/otp', { action: 'withPIN', pinCode }, expected);
  expect((await stepUp(DEMO_PIN, 'FAILED')).error?.code).toBe(2308);
  expect((await stepUp(newPin, 'SUCCEEDED')).result.otp).toBeTruthy();
  await page.goto('/account');
  await expect(page.getByTestId('events')).toContainText('PIN changed');
});

test('D: an enrolled browser replaces the trusted phone number after proving it holds the new one', async ({
  page,
  context,
  request,
  secrets,
}) => {
  const api = await enrolledBrowser(context, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/account');
  await expect(page.getByTestId('masked-phone')).toHaveText(/^\+33 6.*79$/);
  await page.getByRole('link', { name: 'Change phone number' }).click();
  await expect(page).toHaveURL(/\/account\/phone$/);
  await expectHeading(page, 'Change your phone number');
  await expect(page.getByTestId('current-phone')).toHaveText(/^\+33 6.*79$/);

  await page.getByLabel('Mobile phone number').fill('07 81 23 45 67');
  const since = Date.now();
  await page.getByRole('button', { name: 'Send a code to this number' }).click();
  // The code goes to the NEW number.
  const code = await latestCodeTracked(secrets, request, '+33781234567', { since, purpose: 'phoneNumberCertification' });
  await expect(page.getByText('New number: +33781234567')).toBeVisible();
  await page.getByLabel('Code received by SMS').fill(code);
  await page.getByRole('button', { name: 'Confirm the new number' }).click();
  await expect(page.getByTestId('success')).toHaveText(/^Your trusted phone is now \+33 7.*67\.$/);

  const trusted = await api.call('GET', '/api/v1/pims/authentication/trustedphonenumber');
  expect(trusted.result.phoneNumber).toBe('+33781234567');
  await page.goto('/account');
  await expect(page.getByTestId('masked-phone')).toHaveText(/^\+33 7.*67$/);
  await expect(page.getByTestId('events')).toContainText('Phone number changed');
});

test('E: removing a vehicle asks for the PIN (step-up), refuses a VIN of another account, removes our own', async ({
  page,
  context,
  request,
  secrets,
}) => {
  await enrolledBrowser(context, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  const vehiclePosts = countPosts(page, '/api/v1/pims/subscription/vehicle');
  const stepUps = countPosts(page, '/api/v1/pims/authentication/otp');
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/account');
  await page.getByRole('link', { name: 'Manage vehicles' }).click();
  await expect(page).toHaveURL(/\/account\/vehicles$/);
  await expectHeading(page, 'Your vehicles');
  const vehicles = page.getByTestId('vehicles').getByRole('listitem');
  await expect(vehicles).toHaveCount(1);
  await expect(vehicles).toContainText('Renault Clio');

  // A VIN that belongs to new@: the server wants the PIN first, then says it is not ours.
  await page.getByLabel('Vehicle identification number (VIN)').fill('vf3uphns0ks123456');
  await expect(page.getByLabel('Vehicle identification number (VIN)')).toHaveValue('VF3UPHNS0KS123456');
  await page.getByRole('button', { name: 'Remove this vehicle' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm with your PIN' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Removing vehicle VF3UPHNS0KS123456 needs your PIN.');
  await dialog.getByLabel('PIN', { exact: true }).fill(secrets.track(DEMO_PIN));
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('form-error')).toHaveText('This vehicle is not linked to your account.');
  await expect(vehicles).toHaveCount(1);

  // Our own vehicle, from the list: a wrong PIN first (tries left), then the right one.
  await page.getByRole('button', { name: 'Remove Renault Clio (VF1RJA00X68123456)' }).click();
  await expect(dialog).toContainText('Removing vehicle VF1RJA00X68123456 needs your PIN.');
  await dialog.getByLabel('PIN', { exact: true }).fill(secrets.track('135792'));
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog).toContainText('Wrong PIN. 2 tries left before your PIN is blocked.');
  await expect(dialog.getByLabel('PIN', { exact: true })).toHaveValue('');
  await dialog.getByLabel('PIN', { exact: true }).fill(DEMO_PIN);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('notice')).toHaveText('Vehicle VF1RJA00X68123456 removed from your account.');
  await expect(page.getByText('No vehicle is linked to your account.')).toBeVisible();
  // Each removal: once without proof (2302), once with it; one otp per PIN typed.
  expect(vehiclePosts.count()).toBe(4);
  expect(stepUps.count()).toBe(3);

  await page.goto('/account');
  await expect(page.getByTestId('events')).toContainText('Vehicle removed');
});
