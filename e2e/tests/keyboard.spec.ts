// Keyboard only (shared spec portal.md, "Look and language": keyboard-only completion of
// every flow; "What every step screen has": focus moves to the step heading on each step
// change). Tab, Shift+Tab, Enter and Space move and act; text is typed into the focused
// field. No mouse, no `.click()`, no `.fill()`.
import { type Locator, type Page } from '@playwright/test';
import { expectHeadingFocused, tabTo } from './embed-fixtures';
import { ApiClient, expect, latestCodeTracked, test } from './flow-fixtures';
import { PageKey } from './dpop';
import { DEMO_PASSWORD } from './helpers';

/** The focused element shows it: an outline or a focus ring (`:focus-visible`). */
async function expectVisibleFocus(page: Page): Promise<void> {
  const style = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const s = getComputedStyle(el);
    return { outline: `${s.outlineStyle} ${s.outlineWidth}`, shadow: s.boxShadow, what: el.outerHTML.slice(0, 80) };
  });
  const ring = !style.outline.startsWith('none') && !style.outline.endsWith(' 0px');
  expect(ring || style.shadow !== 'none', `visible focus on ${style.what} (${JSON.stringify(style)})`).toBe(true);
}

/** Tabs to `target` and checks that the focus shows. */
async function focus(page: Page, target: Locator, options: { backwards?: boolean; max?: number } = {}): Promise<void> {
  await tabTo(page, target, options);
  await expectVisibleFocus(page);
}

/** Types into the focused element, after checking that it is `label`'s field. */
async function typeInto(page: Page, label: string, value: string): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await focus(page, field);
  await page.keyboard.type(value);
  await expect(field).toHaveValue(value);
}

test('keyboard only: new@ signs in, completes the shortcut enrollment, then changes the PIN', async ({
  page,
  request,
  secrets,
}) => {
  test.setTimeout(90_000);
  await page.goto('/sign-in');
  await expectHeadingFocused(page, 'Sign in');

  await typeInto(page, 'Email', 'new@demo.test');
  await typeInto(page, 'Password', DEMO_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/$/);
  await expectHeadingFocused(page, 'Your security');
  await expect(page.getByTestId('device-status')).toContainText('This browser is not enrolled');

  await focus(page, page.getByRole('link', { name: 'Enroll this browser' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/enroll\/phone$/);
  await expectHeadingFocused(page, 'Add a trusted phone number');

  // The shortcut is the default; Tab reaches the checked radio of the group, then Continue.
  await focus(page, page.getByRole('radio', { name: /Quick enrollment/ }));
  await expect(page.getByRole('radio', { name: /Quick enrollment/ })).toBeChecked();
  await focus(page, page.getByRole('button', { name: 'Continue' }));
  await page.keyboard.press('Space');
  await expect(page).toHaveURL(/\/enroll\/phone\/shortcut$/);
  await expectHeadingFocused(page, 'Quick enrollment');

  await typeInto(page, 'Mobile phone number', '0611223344');
  await expect(page.getByText('International form: +33611223344')).toBeVisible();
  const since = Date.now();
  await page.keyboard.press('Enter');
  const codeField = page.getByLabel('Code received by SMS');
  await expect(codeField).toBeVisible();
  const code = await latestCodeTracked(secrets, request, 'new@demo.test', '+33611223344', { since, purpose: 'phoneNumberCertification' });
  await typeInto(page, 'Code received by SMS', code);

  const pin = secrets.track('482915');
  await typeInto(page, 'Type the PIN again', pin);
  // Back with Shift+Tab to the first PIN field, skipping nothing on the way.
  const firstPin = page.getByLabel('Choose a PIN', { exact: true });
  await focus(page, firstPin, { backwards: true, max: 6 });
  await page.keyboard.type(pin);
  // Its "Show PIN" toggle works with Space, both ways.
  await focus(page, page.getByRole('button', { name: 'Show PIN' }).first(), { max: 2 });
  await page.keyboard.press('Space');
  await expect(firstPin).toHaveAttribute('type', 'text');
  await expect(firstPin).toHaveValue(pin);
  await expect(page.getByRole('button', { name: 'Hide PIN' })).toBeFocused();
  await page.keyboard.press('Space');
  await expect(firstPin).toHaveAttribute('type', 'password');
  await focus(page, page.getByRole('button', { name: 'Enroll this browser' }));
  await page.keyboard.press('Enter');

  await expect(page).toHaveURL(/\/enroll\/done$/);
  await expectHeadingFocused(page, 'This browser is enrolled');
  await expect(page.getByTestId('enrolled')).toBeVisible();

  // C: the PIN update, from the done screen through the account hub.
  await focus(page, page.getByRole('link', { name: 'Go to account security' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/account$/);
  await expectHeadingFocused(page, 'Account security');
  await focus(page, page.getByRole('link', { name: 'Change PIN' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/account\/pin\/update$/);
  await expectHeadingFocused(page, 'Change your PIN');

  const newPin = secrets.track('527148');
  await typeInto(page, 'Current PIN', pin);
  await typeInto(page, 'New PIN', newPin);
  await typeInto(page, 'Type the new PIN again', newPin);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('success')).toHaveText('Your PIN has been changed.');

  // The server agrees: the new PIN confirms a step-up from this browser, the old one not.
  const api = await new ApiClient(request, new PageKey(page)).signIn('new@demo.test');
  const stepUp = (pinCode: string, expected: 'SUCCEEDED' | 'FAILED') =>
    api.call('POST', '/api/v1/pims/authentication/otp', { action: 'withPIN', pinCode, operation: 'removeProperty' }, expected);
  expect((await stepUp(pin, 'FAILED')).error?.code).toBe(2308);
  expect((await stepUp(newPin, 'SUCCEEDED')).result.otp).toBeTruthy();
});
