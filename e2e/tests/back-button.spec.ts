// The back button never re-submits: after a step succeeded, going back shows a screen
// that re-reads the server's state (and redirects where that state calls for), and no
// POST goes out again.
import {
  chooseNewPin,
  countPosts,
  DEMO_PHONE,
  DEMO_PIN,
  enrolledBrowser,
  expect,
  expectHeading,
  latestCodeTracked,
  submitEnrollmentCode,
  test,
} from './flow-fixtures';
import { signIn } from './helpers';
import type { Page } from '@playwright/test';

const API = '/api/v1/pims/';

/** Every POST to the API the page sends, as `path` strings. */
function recordPosts(page: Page): string[] {
  const posts: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes(API)) posts.push(new URL(request.url()).pathname);
  });
  return posts;
}

/** Every URL path the main frame goes to from now on. */
function recordPaths(page: Page): string[] {
  const paths: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) paths.push(new URL(frame.url()).pathname);
  });
  return paths;
}

/** Waits until the page has been quiet on the network (the guard's reads are done). */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
}

test('after enrolling (full method), back and back again land on "enrolled" without a new POST (phone@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'phone@demo.test');
  await page.getByRole('link', { name: 'Enroll this browser' }).click();
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.phone);
  await chooseNewPin(page, secrets, '730561');
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await settle(page);
  const posts = recordPosts(page);
  const paths = recordPaths(page);

  await page.goBack();
  // Back on the new-PIN step: the guard sees the browser is enrolled and says so.
  await expect.poll(() => paths).toContain('/enroll/pin/new');
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await expectHeading(page, 'This browser is enrolled');
  await expect(page.getByLabel('Choose a PIN')).toHaveCount(0);
  await settle(page);
  await page.goBack();
  await expect.poll(() => paths).toContain('/enroll/sms');
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await expect(page.getByRole('button', { name: 'Send the code' })).toHaveCount(0);
  await settle(page);
  expect(posts).toEqual([]);
});

test('after the shortcut enrollment, back shows "enrolled" instead of the form, and nothing is sent again (new@)', async ({
  page,
  request,
  secrets,
}) => {
  const enrollments = countPosts(page, `${API}authentication/enrollment`);
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
  await page.getByRole('button', { name: 'Enroll this browser' }).click();
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await settle(page);
  expect(enrollments.count()).toBe(1);
  const posts = recordPosts(page);
  const paths = recordPaths(page);

  await page.goBack();
  await expect.poll(() => paths).toContain('/enroll/phone/shortcut');
  await expect(page).toHaveURL(/\/enroll\/done$/);
  await expect(page.getByTestId('enrolled')).toBeVisible();
  await expect(page.getByLabel('Mobile phone number')).toHaveCount(0);
  await settle(page);
  expect(posts).toEqual([]);
  expect(enrollments.count()).toBe(1);
});

test('after a PIN change, back and forward show the hub and a fresh form; the change is not sent again', async ({
  page,
  context,
  request,
  secrets,
}) => {
  await enrolledBrowser(context, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/account');
  await page.getByRole('link', { name: 'Change PIN' }).click();
  await expect(page).toHaveURL(/\/account\/pin\/update$/);
  const pinPosts = countPosts(page, `${API}authentication/pincode`);
  const newPin = secrets.track('527148');
  await page.getByLabel('Current PIN').fill(DEMO_PIN);
  await page.getByLabel('New PIN', { exact: true }).fill(newPin);
  await page.getByLabel('Type the new PIN again').fill(newPin);
  await page.getByRole('button', { name: 'Change my PIN' }).click();
  await expect(page.getByTestId('success')).toHaveText('Your PIN has been changed.');
  await settle(page);
  const posts = recordPosts(page);

  await page.goBack();
  await expect(page).toHaveURL(/\/account$/);
  await expectHeading(page, 'Account security');
  await settle(page);
  await page.goForward();
  await expect(page).toHaveURL(/\/account\/pin\/update$/);
  await expect(page.getByTestId('success')).toHaveCount(0);
  await expect(page.getByLabel('Current PIN')).toHaveValue('');
  await settle(page);
  expect(posts).toEqual([]);
  expect(pinPosts.count()).toBe(1);
});

test('after a PIN reset, back shows the reset screen afresh without sending a code or the reset again', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/enroll');
  await submitEnrollmentCode(page, request, secrets, DEMO_PHONE.enrolled);
  await expect(page).toHaveURL(/\/enroll\/pin$/);
  await page.getByRole('link', { name: 'Forgot your PIN?' }).click();
  const since = Date.now();
  await page.getByRole('button', { name: 'Send the code' }).click();
  const code = await latestCodeTracked(secrets, request, 'enrolled@demo.test', DEMO_PHONE.enrolled, { since, purpose: 'resetPIN' });
  await page.getByLabel('Code received by SMS').fill(code);
  const newPin = secrets.track('602413');
  await page.getByLabel('New PIN', { exact: true }).fill(newPin);
  await page.getByLabel('Type the new PIN again').fill(newPin);
  await page.getByRole('button', { name: 'Reset my PIN' }).click();
  await expect(page).toHaveURL(/\/enroll\/pin$/);
  await settle(page);
  const posts = recordPosts(page);

  await page.goBack();
  await expect(page).toHaveURL(/\/account\/pin\/reset$/);
  await expectHeading(page, 'Reset your PIN');
  await expect(page.getByRole('button', { name: 'Send the code' })).toBeVisible();
  await settle(page);
  expect(posts).toEqual([]);
});

test('after removing all enrollments (A), back shows the confirmation unticked and removes nothing again (blocked@)', async ({
  page,
  request,
  secrets,
}) => {
  await signIn(page, 'blocked@demo.test');
  await page.goto('/enroll');
  await expect(page).toHaveURL(/\/enroll\/blocked$/);
  await expect(page.getByTestId('blocked-reason')).toContainText('entered wrongly too many times');
  await page.getByRole('link', { name: 'Remove all enrollments' }).click();
  await page.getByRole('checkbox', { name: 'I understand: remove all enrollments' }).check();
  const since = Date.now();
  await page.getByRole('button', { name: 'Send the code' }).click();
  const code = await latestCodeTracked(secrets, request, 'blocked@demo.test', DEMO_PHONE.blocked, { since, purpose: 'removeEnrollments' });
  await page.getByLabel('Code received by SMS').fill(code);
  const removals = countPosts(page, `${API}authentication/enrollment`);
  await page.getByRole('button', { name: 'Remove all enrollments' }).click();
  await expect(page).toHaveURL(/\/enroll\/sms$/);
  await settle(page);
  expect(removals.count()).toBe(1);
  const posts = recordPosts(page);

  await page.goBack();
  await expect(page).toHaveURL(/\/account\/enrollments\/remove$/);
  await expect(page.getByRole('checkbox', { name: 'I understand: remove all enrollments' })).not.toBeChecked();
  await settle(page);
  expect(posts).toEqual([]);
});
