// The core flows in each engine (the project: `gecko` or `webkit`), against a fresh demo
// server per engine, each account used by one group only. SMS codes are read from the
// on-screen demo phone panel, as a person trying the demo reads them.
import * as path from 'node:path';
import { By } from 'selenium-webdriver';
import { DEMO_PIN, expect, flows, LAPTOP, PHONE, test, testId } from './webdriver';

/**
 * The number new@ types, as people write it. Not one of ARCEP's fiction numbers (06 39 98 xx
 * xx): the server's libphonenumber metadata has no such mobile range and refuses them (2102).
 */
const TYPED_PHONE = '06 11 22 33 45';
const TYPED_PHONE_E164 = '+33611223345';
/** The PIN new@ chooses, then the one it changes to. */
const NEW_PIN = '482915';
const CHANGED_PIN = '527148';
const WRONG_PIN = '135792';

flows('new@ on a phone-sized window', PHONE, ({ browser }) => {
  test('sign-in', async () => {
    const b = browser();
    await b.signIn('new@demo.test');
    await b.expectPath(/^\/$/);
    await b.expectText(testId('device-status'), /^This browser is not enrolled/);
    await b.expectVisibleText('Trusted phone: none yet');
  });

  test('shortcut enrollment: a number, its code and a new PIN on one screen', async ({}, testInfo) => {
    const b = browser();
    await b.clickLink('Enroll this browser');
    await b.expectPath(/^\/enroll\/phone$/);
    await b.expectHeading('Add a trusted phone number');
    await b.clickButton('Continue');

    await b.expectPath(/^\/enroll\/phone\/shortcut$/);
    await b.expectHeading('Quick enrollment');
    await b.fill('Mobile phone number', TYPED_PHONE);
    await b.expectVisibleText(`International form: ${TYPED_PHONE_E164}`);
    await b.clickButton('Send the code');
    await b.expectVisibleText('We sent a 6-digit code to +33 6');
    const code = await b.smsCode(TYPED_PHONE_E164);
    await b.fill('Code received by SMS', code, { secret: true });
    await b.fill('Choose a PIN', NEW_PIN, { secret: true });
    await b.fill('Type the PIN again', NEW_PIN, { secret: true });
    await b.clickButton('Enroll this browser');

    await b.expectPath(/^\/enroll\/done$/);
    await b.expectHeading('This browser is enrolled');
    await b.visible(testId('enrolled'), 'the enrolled notice');
    // The screen as a phone shows it, for a person to look at (the report keeps it).
    const screens = process.env.PORTAL_SCREENS_DIR ?? testInfo.outputDir;
    const file = path.join(screens, `${b.engine}-enroll-done-${PHONE.width}.png`);
    await b.screenshot(file);
    await testInfo.attach(`${b.engine} enrollment done at ${PHONE.width} px`, { path: file, contentType: 'image/png' });
    // Nothing of the page is wider than the phone: no sideways scrolling.
    const widths = (await b.driver.executeScript(
      'return [document.documentElement.scrollWidth, document.documentElement.clientWidth]',
    )) as number[];
    expect(widths[0], 'page width at 390 px (scrollWidth <= clientWidth)').toBeLessThanOrEqual(widths[1]);

    await b.clickLink('Back to home');
    await b.expectText(testId('device-status'), /^This browser is enrolled/);
    await b.expectVisibleText('Trusted phone: +33 6');
    await b.expectNoSecretStored();
  });

  test('the device key survives a reload and cannot be exported', async () => {
    const b = browser();
    const before = await b.deviceKey();
    expect(before.extractable).toBe(false);
    expect(before.algorithm).toBe('ECDSA P-256');
    expect(before.usages).toEqual(['sign']);
    // Neither form gives the private key (WebCrypto: InvalidAccessError).
    expect(before.attempts).toEqual(['jwk: InvalidAccessError', 'pkcs8: InvalidAccessError']);
    expect(before.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);

    await b.driver.navigate().refresh();
    // The server knows the browser by the key each proof is signed with: still enrolled.
    await b.expectText(testId('device-status'), /^This browser is enrolled/);
    const after = await b.deviceKey();
    expect(after.thumbprint, 'the device id after a reload').toBe(before.thumbprint);
    expect(after.extractable).toBe(false);

    // The account page is a page of its own (account.html): same key there; the device list
    // (index.html) shows this browser.
    await b.goto('/account');
    await b.expectHeading('Account security');
    expect((await b.deviceKey()).thumbprint, 'the device id on the account page').toBe(before.thumbprint);
    await b.goto('/devices');
    await b.expectHeading('Your enrolled devices');
    const devices = await b.driver.findElements(By.css('[data-testid="devices"] li'));
    expect(devices).toHaveLength(1);
    await b.expectText(By.css('[data-testid="devices"] li'), /\(this browser\)/);
    // The next flow starts from the hub.
    await b.goto('/account');
    await b.expectHeading('Account security');
  });

  test('vehicle removal with the step-up PIN', async () => {
    const b = browser();
    await b.clickLink('Manage vehicles');
    await b.expectPath(/^\/account\/vehicles$/);
    await b.expectHeading('Your vehicles');
    await expect.poll(async () => (await b.driver.findElements(By.css('[data-testid="vehicles"] li'))).length).toBe(2);
    await b.clickButton('Remove Peugeot 208 (VF3UPHNS0KS123456)');
    const dialog = '//*[@role="dialog"]';
    await b.expectText(By.xpath(`${dialog}//h2`), 'Confirm with your PIN');
    await b.expectVisibleText('Removing vehicle VF3UPHNS0KS123456 needs your PIN.');
    await b.fill('PIN', NEW_PIN, { secret: true, scope: dialog });
    await b.clickButton('Confirm', dialog);
    await expect.poll(async () => (await b.driver.findElements(By.xpath(dialog))).length, { timeout: 20_000 }).toBe(0);
    await b.expectText(testId('notice'), 'Vehicle VF3UPHNS0KS123456 removed from your account.');
    await expect.poll(async () => (await b.driver.findElements(By.css('[data-testid="vehicles"] li'))).length).toBe(1);
    await b.expectText(By.css('[data-testid="vehicles"] li'), /Citroën C3/);
  });

  test('PIN update', async () => {
    const b = browser();
    await b.goto('/account');
    await b.clickLink('Change PIN');
    await b.expectPath(/^\/account\/pin\/update$/);
    await b.expectHeading('Change your PIN');
    await b.fill('Current PIN', NEW_PIN, { secret: true });
    await b.fill('New PIN', CHANGED_PIN, { secret: true });
    await b.fill('Type the new PIN again', CHANGED_PIN, { secret: true });
    await b.clickButton('Change my PIN');
    await b.expectText(testId('success'), 'Your PIN has been changed.');
    await b.goto('/account');
    await b.expectText(testId('events'), /PIN changed/);
    await b.expectText(testId('events'), /Vehicle removed/);
    await b.expectNoSecretStored();
  });
});

flows('enrolled@ on a laptop-sized window', LAPTOP, ({ browser }) => {
  test('full method with the existing PIN, one wrong PIN first', async () => {
    const b = browser();
    await b.signIn('enrolled@demo.test');
    await b.expectText(testId('device-status'), /^This browser is not enrolled/);
    await b.clickLink('Enroll this browser');
    // A number on file: straight to the enrollment code.
    await b.expectPath(/^\/enroll\/sms$/);
    await b.expectHeading('Confirm it is you');
    await b.clickButton('Send the code');
    const code = await b.smsCode();
    await b.fill('Code received by SMS', code, { secret: true });
    await b.clickButton('Continue');

    await b.expectPath(/^\/enroll\/pin$/);
    await b.expectHeading('Enter your PIN');
    await b.fill('PIN', WRONG_PIN, { secret: true });
    await b.clickButton('Enroll this browser');
    await b.expectText(testId('form-error'), 'Wrong PIN. 2 tries left before your PIN is blocked.');
    await b.expectPath(/^\/enroll\/pin$/);
    // The field is emptied after each try; the right PIN enrolls.
    await expect.poll(() => b.fieldValue('PIN')).toBe('');
    await b.fill('PIN', DEMO_PIN, { secret: true });
    await b.clickButton('Enroll this browser');
    await b.expectPath(/^\/enroll\/done$/);
    await b.visible(testId('enrolled'), 'the enrolled notice');

    await b.clickLink('Go to account security');
    await b.expectHeading('Account security');
    await b.clickLink('See your devices, remove one');
    await b.expectHeading('Your enrolled devices');
    await expect.poll(async () => (await b.driver.findElements(By.css('[data-testid="devices"] li'))).length).toBe(2);
    await b.expectNoSecretStored();
  });
});

flows('blocked@ on a phone-sized window', PHONE, ({ browser }) => {
  test('blocked account to A: remove all enrollments', async () => {
    const b = browser();
    await b.signIn('blocked@demo.test');
    await b.expectVisibleText('PIN blocked: it was entered wrongly too many times.');

    await b.clickLink('Remove all enrollments');
    await b.expectPath(/^\/account\/enrollments\/remove$/);
    await b.expectHeading('Remove all enrollments');
    await b.clickButton('Send the code');
    await b.expectText(testId('form-error'), 'Tick the box to confirm that you want to remove all enrollments.');
    const confirm = await b.field('I understand: remove all enrollments');
    await confirm.click();
    await expect.poll(() => confirm.isSelected()).toBe(true);
    await b.clickButton('Send the code');
    const code = await b.smsCode();
    await b.fill('Code received by SMS', code, { secret: true });
    await b.clickButton('Remove all enrollments');

    // Enrollment starts again; the phone stays, so the enrollment code step.
    await b.expectPath(/^\/enroll\/sms$/);
    await b.expectHeading('Confirm it is you');
    await b.goto('/');
    await b.expectVisibleText('Account: not blocked');
    await b.expectNoSecretStored();
  });
});
