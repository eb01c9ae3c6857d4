// The engines suite's support: Gecko (Firefox ESR through geckodriver) and WebKit (WebKitGTK's
// MiniBrowser through WebKitWebDriver), driven over W3C WebDriver by selenium-webdriver, against
// the `portal-server --demo` that `cargo xtask test engines` starts for each engine (PORTAL_URL).
// Playwright is only the test runner here: no Playwright browser is launched.
import { test as base, expect, type TestInfo } from '@playwright/test';
import { Builder, By, Capabilities, Key, type WebDriver, type WebElement } from 'selenium-webdriver';
import * as firefox from 'selenium-webdriver/firefox';
import * as remote from 'selenium-webdriver/remote';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';

export { expect, Key };

/** The password of every demo account. */
export const DEMO_PASSWORD = 'demo-password';
/** The PIN of the demo accounts that have one. */
export const DEMO_PIN = '246801';

const FIREFOX = '/usr/bin/firefox-esr';
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

export type Engine = 'gecko' | 'webkit';

/** A phone-sized window (an iPhone 12 to 15's CSS width) or a laptop's. */
export const PHONE = { width: 390, height: 844 };
export const LAPTOP = { width: 1280, height: 900 };

function baseUrl(): string {
  const url = process.env.PORTAL_URL;
  if (!url) {
    throw new Error('PORTAL_URL is not set: run `cargo xtask test engines` (it starts a fresh demo server per engine)');
  }
  return url.replace(/\/$/, '');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A running WebDriver server for one engine. */
export interface DriverServer {
  engine: Engine;
  url: string;
  /** Directory for the engine's own files (the browser's chrome settings, the driver's log). */
  dir: string;
}

function which(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, binary);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function startDriver(engine: Engine): Promise<{ server: DriverServer; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `portal-engines-${engine}-`));
  let executable: string;
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  if (engine === 'gecko') {
    executable = which('geckodriver') ?? '';
    if (!executable) throw new Error('geckodriver is not on PATH (cargo xtask bootstrap installs it)');
    // Firefox's own toolbars hold its window at 500 px or wider; a phone's 390 px needs them
    // allowed narrower (the profile's userChrome.css styles the browser's chrome, never the
    // page). Headless, its screen is as large as the X server's of WebKit below.
    fs.mkdirSync(path.join(dir, 'profile', 'chrome'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'profile', 'chrome', 'userChrome.css'),
      ':root, #main-window, #navigator-toolbox, toolbar, #nav-bar, #TabsToolbar, #urlbar-container, ' +
        '#urlbar, #browser, #tabbrowser-tabbox { min-width: 0 !important; }\n',
    );
    env.MOZ_HEADLESS_WIDTH = '1280';
    env.MOZ_HEADLESS_HEIGHT = '1024';
  } else {
    executable = '/usr/bin/WebKitWebDriver';
    if (!env.DISPLAY) throw new Error('WebKitGTK needs an X display: run this project under xvfb-run (cargo xtask test engines does)');
    // MiniBrowser's own toolbar holds its window at 447 px or wider; a phone's 390 px needs
    // its GTK widgets smaller. This styles the browser's chrome only, never the page (WebKit
    // draws the page's form controls itself), and WebDriver's screenshot is the page alone.
    fs.mkdirSync(path.join(dir, 'gtk-3.0'));
    fs.writeFileSync(
      path.join(dir, 'gtk-3.0', 'gtk.css'),
      '* { min-width: 0; min-height: 0; padding: 0; margin: 0; font-size: 4px; }\n',
    );
    env.XDG_CONFIG_HOME = dir;
  }
  const service = new remote.DriverService(executable, {
    port,
    args: [`--port=${port}`],
    loopback: true,
    env,
    stdio: ['ignore', fs.openSync(path.join(dir, 'driver.log'), 'a'), fs.openSync(path.join(dir, 'driver.log'), 'a')],
  } as unknown as remote.ServiceOptions);
  const url = await service.start(30_000);
  return {
    server: { engine, url, dir },
    stop: async () => {
      await service.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function capabilities(server: DriverServer): Capabilities {
  if (server.engine === 'gecko') {
    return new firefox.Options()
      .setBinary(FIREFOX)
      .addArguments('-headless')
      .setProfile(path.join(server.dir, 'profile'))
      .setPreference('toolkit.legacyUserProfileCustomizations.stylesheets', true);
  }
  return new Capabilities({
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
  });
}

/** A new browser session (a fresh profile: no key, no cookie) with its window at `size`. */
export async function openBrowser(server: DriverServer, size: { width: number; height: number }): Promise<Browser> {
  const driver = await new Builder().usingServer(server.url).withCapabilities(capabilities(server)).build();
  await driver.manage().setTimeouts({ script: 30_000, pageLoad: 60_000 });
  const browser = new Browser(driver, server.engine);
  await browser.resizeViewport(size);
  return browser;
}

/** Every SMS text already read, across the sessions of one engine's run (one server). */
const readTexts = new Set<string>();

/** The element with this `data-testid`. */
export function testId(id: string): By {
  return By.css(`[data-testid="${id}"]`);
}

/** The 6-digit code in an SMS text, or undefined. */
export function codeIn(text: string): string | undefined {
  return /(?<!\d)(\d{6})(?!\d)/.exec(text)?.[1];
}

const POLL = { intervals: [100, 250, 500], timeout: 20_000 };

function xpathLiteral(text: string): string {
  if (!text.includes('"')) return `"${text}"`;
  return `concat(${text
    .split('"')
    .map((part) => `"${part}"`)
    .join(`, '"', `)})`;
}

/**
 * One WebDriver session and the steps of a person using the portal in it: find by what the
 * screen says (labels, button and link names), type, click, wait for what the screen shows.
 */
export class Browser {
  /** PINs, codes and the password typed: never to be seen in a URL or web storage. */
  readonly secrets = new Set<string>([DEMO_PASSWORD]);

  constructor(
    readonly driver: WebDriver,
    readonly engine: Engine,
  ) {}

  async quit(): Promise<void> {
    await this.driver.quit().catch(() => undefined);
  }

  /** Sets the page's viewport (`innerWidth` x `innerHeight`), whatever the window's chrome takes. */
  async resizeViewport(size: { width: number; height: number }): Promise<void> {
    let { width, height } = size;
    for (let attempt = 0; attempt < 6; attempt += 1) {
      await this.driver.manage().window().setRect({ width, height });
      // WebKitGTK under xvfb can answer setRect before the page has its new size: a
      // correction computed from the old size overshoots. Read until two reads agree.
      const [innerWidth, innerHeight] = await this.settledViewport();
      if (innerWidth === size.width && innerHeight === size.height) return;
      width += size.width - innerWidth;
      height += size.height - innerHeight;
    }
    const inner = await this.driver.executeScript('return [innerWidth, innerHeight]');
    throw new Error(`${this.engine}: the viewport stays ${JSON.stringify(inner)}, not ${size.width}x${size.height}`);
  }

  /** The viewport once it has stopped changing (two reads 100 ms apart agree, within 2 s). */
  private async settledViewport(): Promise<number[]> {
    const read = async () => (await this.driver.executeScript('return [innerWidth, innerHeight]')) as number[];
    let last = await read();
    for (let i = 0; i < 20; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await read();
      if (now[0] === last[0] && now[1] === last[1]) return now;
      last = now;
    }
    return last;
  }

  async goto(pathname: string): Promise<void> {
    await this.driver.get(`${baseUrl()}${pathname}`);
  }

  async pathname(): Promise<string> {
    return new URL(await this.driver.getCurrentUrl()).pathname;
  }

  async expectPath(pattern: RegExp): Promise<void> {
    await expect.poll(() => this.pathname(), { ...POLL, message: `URL path ${pattern}` }).toMatch(pattern);
  }

  /** The first element `locator` finds that is displayed, waiting for one. */
  async visible(locator: By, what = String(locator)): Promise<WebElement> {
    let found: WebElement | undefined;
    await expect
      .poll(
        async () => {
          for (const element of await this.driver.findElements(locator)) {
            if (await element.isDisplayed().catch(() => false)) {
              found = element;
              return true;
            }
          }
          return false;
        },
        { ...POLL, message: `${what} is visible` },
      )
      .toBe(true);
    return found!;
  }

  /** The visible text of `locator`'s first displayed element, once it matches `expected`. */
  async expectText(locator: By, expected: string | RegExp): Promise<void> {
    await expect
      .poll(
        async () => {
          for (const element of await this.driver.findElements(locator)) {
            if (await element.isDisplayed().catch(() => false)) return (await element.getText()).trim();
          }
          return '(not shown)';
        },
        { ...POLL, message: `text of ${locator}` },
      )
      .toEqual(typeof expected === 'string' ? expected : expect.stringMatching(expected));
  }

  async expectHeading(text: string): Promise<void> {
    await this.expectText(By.css('h1'), text);
  }

  /** Waits until `text` is shown somewhere on the page. */
  async expectVisibleText(text: string): Promise<void> {
    await this.visible(By.xpath(`//*[not(self::script)][contains(normalize-space(.), ${xpathLiteral(text)})][not(*[contains(normalize-space(.), ${xpathLiteral(text)})])]`), `"${text}"`);
  }

  /** The form field whose `<label>` says exactly `label` (within `scope` when given). */
  async field(label: string, scope = ''): Promise<WebElement> {
    const labelElement = await this.visible(By.xpath(`${scope}//label[normalize-space(.)=${xpathLiteral(label)}]`), `label "${label}"`);
    const id = await labelElement.getAttribute('for');
    const input = id
      ? await this.driver.findElement(By.id(id))
      : await labelElement.findElement(By.css('input, select, textarea'));
    await expect.poll(() => input.isEnabled(), { ...POLL, message: `field "${label}" is enabled` }).toBe(true);
    return input;
  }

  /** Types `text` into the (empty) field labelled `label`; `secret` keeps it out of URLs and storage. */
  async fill(label: string, text: string, options: { secret?: boolean; scope?: string } = {}): Promise<void> {
    if (options.secret) this.secrets.add(text);
    const input = await this.field(label, options.scope);
    expect(await input.getAttribute('value'), `field "${label}" starts empty`).toBe('');
    await input.sendKeys(text);
    await expect.poll(() => input.getAttribute('value'), { ...POLL, message: `field "${label}" holds what was typed` }).not.toBe('');
  }

  async fieldValue(label: string, scope = ''): Promise<string> {
    return (await (await this.field(label, scope)).getAttribute('value')) ?? '';
  }

  /** Clicks the enabled button named `name` (its text, or its `aria-label`). */
  async clickButton(name: string, scope = ''): Promise<void> {
    const literal = xpathLiteral(name);
    const button = await this.visible(
      By.xpath(`${scope}//button[normalize-space(.)=${literal} or @aria-label=${literal}]`),
      `button "${name}"`,
    );
    await expect.poll(() => button.isEnabled(), { ...POLL, message: `button "${name}" is enabled` }).toBe(true);
    await button.click();
  }

  async clickLink(name: string): Promise<void> {
    const link = await this.visible(By.xpath(`//a[normalize-space(.)=${xpathLiteral(name)}]`), `link "${name}"`);
    await link.click();
  }

  /** Signs in through the `/sign-in` form and waits until the app has left it. */
  async signIn(email: string): Promise<void> {
    await this.goto('/sign-in');
    await this.expectHeading('Sign in');
    // The heading above may be the page's shell, drawn before the app: wait for the app's
    // screen and for the focus its heading takes in the next frame, which would take the
    // rest of an address being typed.
    await expect
      .poll(
        () =>
          this.driver.executeScript(
            "return !document.getElementById('shell') && document.activeElement?.tagName === 'H1'",
          ),
        { ...POLL, message: "the app's sign-in screen, its heading focused" },
      )
      .toBe(true);
    await this.fill('Email', email);
    await this.fill('Password', DEMO_PASSWORD, { secret: true });
    await this.clickButton('Sign in');
    await expect.poll(() => this.pathname(), { ...POLL, message: 'left /sign-in' }).not.toMatch(/^\/sign-in/);
  }

  /**
   * The code of the SMS the portal just had sent, read as a person trying the demo reads it:
   * from the on-screen demo phone panel (opened when closed), the newest message not read yet.
   * With `to`, that message must have gone to this number (E.164).
   */
  async smsCode(to?: string): Promise<string> {
    const details = await this.visible(By.css('aside.demo-phone details'), 'the demo phone panel');
    if ((await details.getAttribute('open')) === null) {
      await details.findElement(By.css('summary')).click();
    }
    let code: string | undefined;
    await expect
      .poll(
        async () => {
          await this.clickButton('Refresh', `//aside[contains(@class, "demo-phone")]`);
          const messages = await this.driver.findElements(By.css('[data-testid="demo-messages"] li'));
          for (const message of messages) {
            const text = (await message.findElement(By.css('.text')).getText()).trim();
            if (readTexts.has(text) || !codeIn(text)) continue;
            const recipient = (await message.findElement(By.css('.to')).getText()).trim();
            if (to !== undefined && recipient !== to) continue;
            readTexts.add(text);
            code = codeIn(text);
            return true;
          }
          return false;
        },
        { intervals: [500, 1000], timeout: 20_000, message: `a new SMS code in the demo phone panel${to ? ` to ${to}` : ''}` },
      )
      .toBe(true);
    this.secrets.add(code!);
    return code!;
  }

  /** Fails when a PIN, code or the password typed in this session is in the URL, web storage or history state. */
  async expectNoSecretStored(): Promise<void> {
    const places = (await this.driver.executeScript(`
      const entries = ['URL ' + location.href, 'history.state ' + JSON.stringify(history.state)];
      for (const [name, storage] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]]) {
        for (let i = 0; i < storage.length; i++) {
          const key = storage.key(i);
          entries.push(name + ' ' + key + '=' + storage.getItem(key));
        }
      }
      return entries;`)) as string[];
    const leaks = [...this.secrets].flatMap((secret) =>
      places.filter((place) => place.includes(secret)).map((place) => `${JSON.stringify(secret)} in ${place}`),
    );
    expect(leaks, 'a PIN, SMS code or password in a URL, web storage or history state').toEqual([]);
  }

  /**
   * What a script of the page can do with the device key the portal keeps in IndexedDB
   * (database `portal`, store `keys`, record `device`): export each half (the private one
   * must refuse) and compute the public key's RFC 7638 thumbprint, the server's device id.
   */
  async deviceKey(): Promise<{
    attempts: string[];
    extractable: boolean;
    usages: string[];
    algorithm: string;
    thumbprint: string;
  }> {
    const result = (await this.driver.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      (async () => {
        const pair = await new Promise((resolve, reject) => {
          const open = indexedDB.open('portal');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const get = db.transaction('keys').objectStore('keys').get('device');
            get.onerror = () => reject(get.error);
            get.onsuccess = () => { db.close(); resolve(get.result); };
          };
        });
        if (!pair) return { error: 'no device record in IndexedDB portal/keys' };
        const attempts = [];
        for (const format of ['jwk', 'pkcs8']) {
          try {
            await crypto.subtle.exportKey(format, pair.privateKey);
            attempts.push(format + ': exported');
          } catch (error) {
            attempts.push(format + ': ' + error.name);
          }
        }
        const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
        const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
        const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)));
        const thumbprint = btoa(String.fromCharCode(...hash)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
        return {
          attempts,
          extractable: pair.privateKey.extractable,
          usages: pair.privateKey.usages,
          algorithm: pair.privateKey.algorithm.name + ' ' + pair.privateKey.algorithm.namedCurve,
          thumbprint,
        };
      })().then(done, (error) => done({ error: String(error) }));
    `)) as Record<string, unknown>;
    expect(result.error, 'reading the device key in the page').toBeUndefined();
    return result as never;
  }

  /** A PNG of the viewport, saved to `file`. */
  async screenshot(file: string): Promise<void> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(await this.driver.takeScreenshot(), 'base64'));
  }

  /** On a failed test: the screen, the page's HTML and its URL, for the report. */
  async attachState(testInfo: TestInfo): Promise<void> {
    try {
      const png = Buffer.from(await this.driver.takeScreenshot(), 'base64');
      await testInfo.attach(`${this.engine} screen`, { body: png, contentType: 'image/png' });
      await testInfo.attach(`${this.engine} page`, {
        body: `${await this.driver.getCurrentUrl()}\n\n${await this.driver.getPageSource()}`,
        contentType: 'text/plain',
      });
    } catch (error) {
      await testInfo.attach(`${this.engine} state`, { body: String(error), contentType: 'text/plain' });
    }
  }
}

/**
 * The suite's `test`: `driverServer` is the project's engine's WebDriver server, started once
 * per worker (the project name, `gecko` or `webkit`, says which engine).
 */
export const test = base.extend<Record<string, never>, { driverServer: DriverServer }>({
  driverServer: [
    async ({}, use, workerInfo) => {
      const engine = workerInfo.project.name as Engine;
      if (engine !== 'gecko' && engine !== 'webkit') throw new Error(`unknown engine project ${engine}`);
      const { server, stop } = await startDriver(engine);
      await use(server);
      await stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

/**
 * A group of flows run in order in one browser session (one profile, so one device key),
 * as one person would: each flow is a test of its own (its own line and time in the report),
 * and a failure skips the rest of the group.
 */
export function flows(
  title: string,
  size: { width: number; height: number },
  body: (session: { browser: () => Browser }) => void,
): void {
  test.describe.serial(title, () => {
    let browser: Browser | undefined;
    test.beforeAll(async ({ driverServer }) => {
      browser = await openBrowser(driverServer, size);
    });
    test.afterEach(async ({}, testInfo) => {
      if (browser && testInfo.status !== testInfo.expectedStatus) await browser.attachState(testInfo);
    });
    test.afterAll(async () => {
      await browser?.quit();
    });
    body({
      browser: () => {
        if (!browser) throw new Error('no browser session');
        return browser;
      },
    });
  });
}
