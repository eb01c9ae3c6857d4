// `/sign-in` paints before its wasm (issue 18: LCP): the server sends a shell of the
// sign-in screen in the visitor's language (`shell/sign-in.html`), the wasm is fetched
// after that first paint, and the app takes the shell's place when it draws.
import type { BrowserContext, Page, Route } from '@playwright/test';
import { text, type Lang } from './embed-fixtures';
import { expect, test } from './helpers';

/** Holds every request to `pattern` (the wasm by default) until the returned function is called. */
async function holdWasm(context: BrowserContext, pattern = '**/*.wasm'): Promise<() => Promise<void>> {
  const held: Route[] = [];
  let released = false;
  await context.route(pattern, (route) => (released ? route.continue() : void held.push(route)));
  return async () => {
    released = true;
    await Promise.all(held.splice(0).map((route) => route.continue()));
  };
}

async function expectShell(page: Page, lang: Lang): Promise<void> {
  const T = (key: string) => text(lang, key);
  await expect(page.locator('#shell')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await expect(page).toHaveTitle(text(lang, 'lib.document_title', { title: T('sign_in.sign_in') }));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(T('sign_in.sign_in'));
  await expect(page.locator('#shell p').first()).toHaveText(T('sign_in.sign_in_with_your_customer'));
  await expect(page.locator('#shell .brand')).toHaveText(T('lib.enrollment_portal'));
  const switcher = page.getByLabel(T('lib.language'), { exact: true });
  await expect(switcher).toBeDisabled();
  await expect(switcher).toHaveValue(lang);
  // Nothing of the app yet, and nothing preloads the wasm ahead of the paint.
  await expect(page.locator('form')).toHaveCount(0);
  await expect(page.locator('#shell-failed')).toBeHidden();
  await expect(page.locator('link[rel=preload][type="application/wasm"], link[rel=modulepreload]')).toHaveCount(0);
}

test('a French visitor sees the sign-in screen in French before the wasm, then the app in its place', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ baseURL, locale: 'fr-FR', viewport: { width: 412, height: 823 } });
  const release = await holdWasm(context);
  const releaseCatalogue = await holdWasm(context, '**/fr.txt');
  const page = await context.newPage();
  await page.goto('/sign-in');
  await expectShell(page, 'fr');
  await page.screenshot({ path: test.info().outputPath('shell-fr.png') });
  const heading = await page.getByRole('heading', { level: 1 }).boundingBox();

  // The app runs, its French texts still on their way: the shell stays, in French.
  await release();
  await page.waitForFunction(() => 'wasmBindings' in window);
  await expect(page.locator('#shell')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.locator('form')).toHaveCount(0);
  await releaseCatalogue();
  const FR = (key: string) => text('fr', key);
  await expect(page.getByLabel(FR('sign_in.email'), { exact: true })).toBeVisible();
  await expect(page.locator('#shell')).toHaveCount(0);
  // One screen: the app's heading, text and switcher, where the shell's were.
  await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(FR('sign_in.sign_in'));
  expect(await page.getByRole('heading', { level: 1 }).boundingBox()).toEqual(heading);
  await expect(page.locator('main')).toHaveCount(1);
  await expect(page.getByText(FR('sign_in.sign_in_with_your_customer'))).toHaveCount(1);
  await expect(page.getByLabel(FR('lib.language'), { exact: true })).toBeEnabled();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await context.close();
});

test("the language chosen in the portal is the next shell's; an embedded sign-in gets no shell", async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ baseURL, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await expect(page.getByLabel('Email', { exact: true })).toBeVisible();
  await page.getByLabel('Language', { exact: true }).selectOption('de');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(text('de', 'sign_in.sign_in'));

  await holdWasm(context);
  await page.goto('/sign-in?next=%2Fdevices');
  await expectShell(page, 'de');

  // Embedded, the host gives the language and the portal has no header: the plain page.
  await page.goto('/sign-in?embed=1');
  await expect(page.locator('body')).toBeAttached();
  await expect(page.locator('#shell')).toHaveCount(0);
  await expect(page.locator('link[rel=preload][type="application/wasm"]')).toHaveCount(1);
  await context.close();
});

test('when the app cannot be fetched, the shell says so instead of waiting for ever', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, locale: 'fr-FR' });
  await context.route('**/*.wasm', (route) => route.abort('internetdisconnected'));
  const page = await context.newPage();
  await page.goto('/sign-in');
  const failed = page.getByRole('alert');
  await expect(failed).toHaveText(text('fr', 'messages.we_could_not_reach_the'));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(text('fr', 'sign_in.sign_in'));
  await page.screenshot({ path: test.info().outputPath('shell-failed.png') });
  await context.close();
});
