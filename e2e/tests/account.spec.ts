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
import { PageKey, signedHeaders } from './dpop';
import { codeIn, outbox, signIn } from './helpers';

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

  // A change of PIN ends the account's other sessions: the API client's session, opened
  // before, is gone. Signed in again, the new PIN is the account's PIN, the old one is not.
  expect((await api.call('GET', '/api/v1/session', undefined, 'FAILED')).error?.code).toBe(2301);
  await api.signIn('enrolled@demo.test');
  const stepUp = (pinCode: string, expected: 'SUCCEEDED' | 'FAILED') =>
    api.call('POST', '/api/v1/pims/authentication/otp', { action: 'withPIN', pinCode, operation: 'removeProperty' }, expected);
  expect((await stepUp(DEMO_PIN, 'FAILED')).error?.code).toBe(2308);
  expect((await stepUp(newPin, 'SUCCEEDED')).result.otp).toBeTruthy();
  await page.goto('/account');
  await expect(page.getByTestId('events')).toContainText('PIN changed');
});

test('D: an enrolled browser confirms the PIN, then replaces the trusted phone number after proving it holds the new one; the old number is told', async ({
  page,
  context,
  request,
  secrets,
}) => {
  const api = await enrolledBrowser(context, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/account');
  await expect(page.getByTestId('masked-phone')).toHaveText(/^\+1 2.*24$/);
  await page.getByRole('link', { name: 'Change phone number' }).click();
  await expect(page).toHaveURL(/\/account\/phone$/);
  await expectHeading(page, 'Change your phone number');
  await expect(page.getByTestId('current-phone')).toHaveText(/^\+1 2.*24$/);

  // The PIN comes first: no number field, so no code can leave, before it.
  await expect(page.getByLabel('Mobile phone number')).toHaveCount(0);
  await page.getByLabel('PIN', { exact: true }).fill(secrets.track('135792'));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('Wrong PIN. 2 tries left before your PIN is blocked.')).toBeVisible();
  await expect(page.getByLabel('Mobile phone number')).toHaveCount(0);
  await page.getByLabel('PIN', { exact: true }).fill(secrets.track(DEMO_PIN));
  await page.getByRole('button', { name: 'Confirm' }).click();

  await page.getByLabel('Mobile phone number').fill('07 81 23 45 67');
  const since = Date.now();
  await page.getByRole('button', { name: 'Send a code to this number' }).click();
  // The code goes to the NEW number.
  const code = await latestCodeTracked(secrets, request, 'enrolled@demo.test', '+33781234567', { since, purpose: 'modifyPhoneNumber' });
  await expect(page.getByText('New number: +33781234567')).toBeVisible();
  await page.getByLabel('Code received by SMS').fill(code);
  await page.getByRole('button', { name: 'Confirm the new number' }).click();
  await expect(page.getByTestId('success')).toContainText(/Your trusted phone is now \+33 7.*67\./);
  await expect(page.getByTestId('success')).toContainText('We also sent a notice to your previous number.');

  // The change ended the account's other sessions (the API client's among them).
  expect((await api.call('GET', '/api/v1/session', undefined, 'FAILED')).error?.code).toBe(2301);
  await api.signIn('enrolled@demo.test');
  const trusted = await api.call('GET', '/api/v1/pims/authentication/trustedphonenumber');
  expect(trusted.result.phoneNumber).toBe('+33781234567');
  // The previous number got a notice, with no code in it.
  const notices = (await outbox(request, 'enrolled@demo.test')).filter(
    (m) => m.to === DEMO_PHONE.enrolled && m.purpose === 'phoneChangeNotice',
  );
  expect(notices).toHaveLength(1);
  expect(notices[0].text).toContain('+33 7');
  expect(codeIn(notices[0].text)).toBeUndefined();
  await page.goto('/account');
  await expect(page.getByTestId('masked-phone')).toHaveText(/^\+33 7.*67$/);
  await expect(page.getByTestId('events')).toContainText('Phone number changed');

  // B now waits a day: the screen says why and until when.
  await page.goto('/account/pin/reset');
  await page.getByRole('button', { name: 'Send the code' }).click();
  await expect(page.getByTestId('form-error')).toContainText(
    'Your phone number was changed recently. For your security, your PIN can be reset by SMS again in 24 hours.',
  );
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
  // One request per PIN typed, the PIN in it: no removal without it first, no otp call.
  expect(vehiclePosts.count()).toBe(3);
  expect(stepUps.count()).toBe(0);

  await page.goto('/account');
  await expect(page.getByTestId('events')).toContainText('Vehicle removed');
});

test('sessions: the hub lists where the account is signed in; "sign out everywhere else" ends the other browser\'s session', async ({
  page,
  browser,
}) => {
  // A second browser (another context: its own cookies and storage) signed in first.
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await signIn(other, 'enrolled@demo.test');
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/account');
  const sessions = page.getByTestId('sessions').getByRole('listitem');
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: '(this session)' })).toHaveCount(1);
  await expect(sessions.first()).toContainText('last active');

  await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await expect(page.getByTestId('sessions-notice')).toHaveText('1 session signed out.');
  await expect(sessions).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Sign out everywhere else' })).toHaveCount(0);
  await expect(page.getByTestId('events')).toContainText('Other sessions signed out');

  // The other browser's next call answers 2301, and the portal shows the sign-in screen.
  const url = new URL('/api/v1/session', other.url()).href;
  const check = await other.request.get(url, { headers: await signedHeaders(new PageKey(other), 'GET', url) });
  expect(check.status()).toBe(401);
  await other.goto('/account');
  await expect(other).toHaveURL(/\/sign-in/);
  await elsewhere.close();
});
