// The device is its key, not anything the page stores: a copy of all of it is not the device.
import { ApiClient, DEMO_PHONE, DEMO_PIN, enrolledBrowser, expect, test } from './flow-fixtures';
import { PageKey, thumbprint } from './dpop';
import { signIn } from './helpers';

test('a second browser given a copy of everything the enrolled one stored is not enrolled, and every enrolled-only call from it is refused', async ({
  page,
  context,
  browser,
  request,
  secrets,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const enrolled = await enrolledBrowser(context, request, secrets, 'enrolled@demo.test', DEMO_PHONE.enrolled, DEMO_PIN);
  await signIn(page, 'enrolled@demo.test');
  await page.goto('/account');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Account security');

  // In the enrolled browser, a script of the page can use the key but never read it.
  const exported = await page.evaluate(async () => {
    const pair = await new Promise<CryptoKeyPair>((resolve, reject) => {
      const open = indexedDB.open('portal');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const get = open.result.transaction('keys').objectStore('keys').get('device');
        get.onerror = () => reject(get.error);
        get.onsuccess = () => resolve(get.result);
      };
    });
    const attempts: string[] = [];
    for (const format of ['jwk', 'pkcs8'] as const) {
      try {
        await crypto.subtle.exportKey(format, pair.privateKey);
        attempts.push(`${format}: exported`);
      } catch (error) {
        attempts.push(`${format}: ${(error as Error).name}`);
      }
    }
    return { attempts, extractable: pair.privateKey.extractable };
  });
  expect(exported).toEqual({ attempts: ['jwk: InvalidAccessError', 'pkcs8: InvalidAccessError'], extractable: false });

  // Everything the page stored, as far as the page can export it: web storage, cookies (the
  // HttpOnly session cookie too: a copied profile has it), and every IndexedDB record with
  // each key exported where the browser allows it (only the public half).
  const stored = await page.evaluate(async () => {
    const records: Record<string, unknown> = {};
    const databases = await indexedDB.databases();
    for (const { name } of databases) {
      if (!name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<{ keys: IDBValidKey[]; values: unknown[] }>((resolve, reject) => {
          const tx = db.transaction(store);
          const keys = tx.objectStore(store).getAllKeys();
          const values = tx.objectStore(store).getAll();
          tx.oncomplete = () => resolve({ keys: keys.result, values: values.result });
          tx.onerror = () => reject(tx.error);
        });
        for (let i = 0; i < all.keys.length; i += 1) {
          const value = all.values[i] as Record<string, unknown>;
          const copy: Record<string, unknown> = {};
          for (const [field, part] of Object.entries(value)) {
            if (part instanceof CryptoKey) {
              copy[field] = await crypto.subtle.exportKey('jwk', part).catch(() => ({ unexportable: part.type }));
            } else {
              copy[field] = part;
            }
          }
          records[`${name}/${store}/${String(all.keys[i])}`] = copy;
        }
      }
      db.close();
    }
    return {
      local: Object.fromEntries(Object.entries(localStorage)),
      session: Object.fromEntries(Object.entries(sessionStorage)),
      records,
    };
  });
  expect(Object.keys(stored.records)).toEqual(['portal/keys/device']);
  expect((stored.records['portal/keys/device'] as Record<string, unknown>).privateKey).toEqual({ unexportable: 'private' });
  const cookies = await context.cookies();
  expect(cookies.map((c) => c.name)).toContain('portal_session');

  const copyContext = await browser.newContext({ baseURL });
  await copyContext.addCookies(cookies);
  await copyContext.addInitScript((copied) => {
    if (sessionStorage.getItem('copied')) return;
    for (const [name, value] of Object.entries(copied.local)) localStorage.setItem(name, value as string);
    for (const [name, value] of Object.entries(copied.session)) sessionStorage.setItem(name, value as string);
    sessionStorage.setItem('copied', '1');
    // The records as exported (the public key's JWK) into the same database and store.
    const open = indexedDB.open('portal', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onsuccess = () => {
      const tx = open.result.transaction('keys', 'readwrite');
      tx.objectStore('keys').put(copied.records['portal/keys/device'], 'copied-device');
      tx.oncomplete = () => open.result.close();
    };
  }, stored);
  const copy = await copyContext.newPage();
  await copy.goto('/account');
  // The copied session cookie is bound to the other key: the copy is asked to sign in.
  await expect(copy).toHaveURL(/\/sign-in/);
  await expect(copy.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await copy.waitForLoadState('load');
  const copyKey = new PageKey(copy);
  expect(await thumbprint(copyKey)).not.toBe(await enrolled.deviceId());

  // The server cleared the copied cookie on its first 2301 there; put it back: with it (no
  // token of its own), each enrolled-only call is still refused as unauthenticated.
  await copyContext.addCookies(cookies);
  const withCookie = new ApiClient(copy.request, copyKey);
  const enrolledOnly: [method: 'POST' | 'GET', path: string, body: unknown][] = [
    ['POST', '/api/v1/pims/authentication/otp', { action: 'withPIN', pinCode: DEMO_PIN, operation: 'removeProperty' }],
    ['POST', '/api/v1/pims/authentication/pincode', { action: 'update', oldPIN: DEMO_PIN, newPIN: '527148' }],
    ['POST', '/api/v1/pims/authentication/smscode/request', { type: 'phoneNumberCertification', phoneNumber: '+33698765432' }],
    ['POST', '/api/v1/pims/subscription/vehicle', { action: 'removeProperty', vin: 'VF1RJA00X68123456' }],
    ['GET', '/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated', undefined],
  ];
  for (const [method, path, body] of enrolledOnly) {
    const answer = await withCookie.call(method, path, body, 'FAILED');
    expect(answer.error?.code, `${method} ${path} with the copied cookie`).toBe(2301);
  }

  // Even signed in with the password (its own session, bound to its own key), the copy is
  // a new, unenrolled device: the PIN step-up, C, D and E are refused.
  const signedIn = await new ApiClient(request, copyKey).signIn('enrolled@demo.test');
  expect(await signedIn.isDeviceActivated()).toBe(false);
  for (const [method, path, body] of enrolledOnly.slice(0, 4)) {
    const answer = await signedIn.call(method, path, body, 'FAILED');
    // 2302: not an enrolled device (so the right PIN is not even checked, nor counted).
    expect(answer.error?.code, `${method} ${path} signed in on the copy: ${JSON.stringify(answer)}`).toBe(2302);
  }
  // Nothing of that changed the account: the enrolled browser's PIN and phone still work.
  await enrolled.signIn('enrolled@demo.test');
  const stepUp = await enrolled.call('POST', '/api/v1/pims/authentication/otp', {
    action: 'withPIN',
    pinCode: DEMO_PIN,
    operation: 'removeProperty',
  });
  expect(stepUp.result.otp).toBeTruthy();
  const phone = await enrolled.call('GET', '/api/v1/pims/authentication/trustedphonenumber');
  expect(phone.result.phoneNumber).toBe(DEMO_PHONE.enrolled);
  await copyContext.close();
});

test('a browser that cannot keep a device key is told so, on either page, instead of a form that would fail', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ baseURL });
  // As in a window whose storage is refused: no IndexedDB at all.
  await context.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined });
  });
  const page = await context.newPage();
  for (const start of ['/sign-in', '/account']) {
    await page.goto(start);
    await expect(page).toHaveURL(/\/unsupported$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('This browser cannot be used here');
    await expect(page.getByText('cannot keep a protected device key')).toBeVisible();
    await expect(page.getByLabel('Email', { exact: true })).toHaveCount(0);
  }
  await context.close();
});
