// Support for the embedding, accessibility, keyboard and language tests: static servers
// for the example host page and for a third origin, a `test` whose private demo server
// allows the host origin to frame the portal, the locale catalogues, and axe.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { test as flowTest } from './flow-fixtures';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** `examples/host/`: the example customer-account page that embeds the portal. */
export const HOST_DIR = path.join(REPO_ROOT, 'examples', 'host');

/** A static HTTP server on 127.0.0.1 (port 0): one origin of its own. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** Serves `body` at `pathname` from now on (type from the extension). */
  setPage(pathname: string, body: string): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/**
 * A page that frames `?src=` in an `<iframe name="portal">` (no `src`: an empty page), on
 * any static server at `/frame.html`: what another origin does with the portal.
 */
export const FRAME_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Framing page</title></head>
<body><h1>Another site</h1>
<iframe name="portal" title="Portal" style="width:100%;height:600px"></iframe>
<script>
  var src = new URLSearchParams(location.search).get('src');
  var frame = document.querySelector('iframe');
  if (src) frame.src = src; else frame.remove();
</script>
</body></html>`;

/**
 * Serves the files of `dir` (when given) and `pages` (path → HTML), plus `/frame.html`.
 * Anything else is 404. No caching, no directory listing, no `..`.
 */
export async function startStaticServer(
  options: { dir?: string; pages?: Record<string, string> } = {},
): Promise<StaticServer> {
  const pages: Record<string, string> = { '/frame.html': FRAME_PAGE, ...(options.pages ?? {}) };
  const server = http.createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const send = (status: number, type: string, body: string | Buffer) => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      response.end(body);
    };
    if (pages[pathname] !== undefined) {
      return send(200, TYPES[path.extname(pathname)] ?? TYPES['.html'], pages[pathname]);
    }
    if (options.dir && !pathname.includes('..')) {
      const file = path.join(options.dir, pathname === '/' ? 'index.html' : pathname);
      if (file.startsWith(options.dir) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
      }
    }
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    setPage: (pathname, body) => {
      pages[pathname] = body;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The flow tests' `test` with two more origins: `host` serves `examples/host/` (and is
 * the one origin the test's portal server lets frame it and call its API:
 * `--frame-ancestors` and `--cors-origins`), `third` is any other origin.
 */
export const embedTest = flowTest.extend<{ host: StaticServer; third: StaticServer }>({
  host: async ({}, use) => {
    const server = await startStaticServer({ dir: HOST_DIR });
    await use(server);
    await server.close();
  },
  third: async ({}, use) => {
    const server = await startStaticServer();
    await use(server);
    await server.close();
  },
  serverArgs: async ({ host }, use) => {
    await use(['--frame-ancestors', host.origin, '--cors-origins', host.origin]);
  },
});

/**
 * Opens the example host page, configured (its `config.js`, as a deployment would) with
 * the portal at `portalUrl`, starting the iframe at `start`.
 */
export async function openHostPage(page: Page, host: StaticServer, portalUrl: string, start?: string) {
  host.setPage('/config.js', `var PORTAL_ORIGIN = ${JSON.stringify(new URL(portalUrl).origin)};\n`);
  await page.goto(`${host.origin}/index.html${start ? `?start=${start}` : ''}`);
}

/** A message the example host logged in `#events` (what the portal posted it). */
export interface PortalMessage {
  source: string;
  v: number;
  type: string;
  name?: string;
  height?: number;
  action?: string;
  code?: number;
}

/** Every message the host page logged so far, oldest first. */
export async function hostEvents(page: Page): Promise<PortalMessage[]> {
  const texts = await page.getByTestId('host-events').locator('li').allTextContents();
  return texts.map((text) => JSON.parse(text) as PortalMessage);
}

// ---------------------------------------------------------------------------------------
// Catalogues (locales/<lang>.txt), parsed as src/i18n.rs does.

/** Every language of the portal, in the switcher's order (src/i18n.rs `Locale::ALL`). */
export const LANGS = ['en', 'fr', 'de', 'it', 'es', 'pt', 'nl', 'pl'] as const;
export type Lang = (typeof LANGS)[number];

/** Each language's name in itself, as the switcher lists it. */
export const LANGUAGE_NAMES: Record<Lang, string> = {
  en: 'English',
  fr: 'Français',
  de: 'Deutsch',
  it: 'Italiano',
  es: 'Español',
  pt: 'Português',
  nl: 'Nederlands',
  pl: 'Polski',
};

/** A browser locale of each language, for `newContext({ locale })`. */
export const BROWSER_LOCALES: Record<Lang, string> = {
  en: 'en-US',
  fr: 'fr-FR',
  de: 'de-DE',
  it: 'it-IT',
  es: 'es-ES',
  pt: 'pt-PT',
  nl: 'nl-NL',
  pl: 'pl-PL',
};

/**
 * A mobile number as a visitor of each language types it in the phone field, which starts
 * on that language's country (English keeps the server's, FR), and its E.164 form.
 */
export const NATIONAL_MOBILES: Record<Lang, { region: string; typed: string; e164: string }> = {
  en: { region: 'FR', typed: '06 11 22 33 44', e164: '+33611223344' },
  fr: { region: 'FR', typed: '06 11 22 33 44', e164: '+33611223344' },
  de: { region: 'DE', typed: '0151 23456789', e164: '+4915123456789' },
  it: { region: 'IT', typed: '347 123 4567', e164: '+393471234567' },
  es: { region: 'ES', typed: '612 34 56 78', e164: '+34612345678' },
  pt: { region: 'PT', typed: '912 345 678', e164: '+351912345678' },
  nl: { region: 'NL', typed: '06 12345678', e164: '+31612345678' },
  pl: { region: 'PL', typed: '512 345 678', e164: '+48512345678' },
};

/** `key → text` of one catalogue: `#` comments, the first `=` splits, both sides trimmed. */
export function catalogue(lang: Lang): Map<string, string> {
  const source = fs.readFileSync(path.join(REPO_ROOT, 'locales', `${lang}.txt`), 'utf8');
  const table = new Map<string, string>();
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at < 0) continue;
    table.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return table;
}

/** The text of `key` in `lang`; fails the test on an unknown key. */
export function text(lang: Lang, key: string, args: Record<string, string> = {}): string {
  const value = catalogue(lang).get(key);
  if (value === undefined) throw new Error(`no key ${key} in locales/${lang}.txt`);
  return Object.entries(args).reduce((t, [name, arg]) => t.split(`{${name}}`).join(arg), value);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A catalogue text as a whole-string pattern, each `{placeholder}` matching anything. */
export function textPattern(value: string): RegExp {
  const pieces = value.split(/\{[a-z_]+\}/);
  return new RegExp(`^${pieces.map(escapeRegExp).join('.+?')}$`, 's');
}

// ---------------------------------------------------------------------------------------
// Accessibility.

/** The WCAG 2.1 A and AA rules the spec requires. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** One axe violation, flattened to what a report needs. */
export interface Violation {
  route: string;
  rule: string;
  impact: string;
  help: string;
  targets: string[];
  summary: string;
}

/** Runs axe (WCAG 2.1 A/AA) on the page as it is; returns one entry per rule violated. */
export async function axeViolations(page: Page, route: string): Promise<Violation[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return results.violations.map((v) => ({
    route,
    rule: v.id,
    impact: v.impact ?? '',
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
    summary: v.nodes[0]?.failureSummary?.replace(/\s+/g, ' ').trim() ?? '',
  }));
}

// ---------------------------------------------------------------------------------------
// Keyboard.

/** Whether `locator` is the focused element. */
export async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement).catch(() => false);
}

/** A short description of the focused element, for failure messages. */
export async function focusedDescription(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return '(nothing)';
    const label = el.getAttribute('aria-label') ?? (el as HTMLInputElement).labels?.[0]?.textContent ?? '';
    return `<${el.tagName.toLowerCase()}${el.id ? ` id=${el.id}` : ''}> ${label || (el.textContent ?? '').trim().slice(0, 60)}`;
  });
}

/**
 * Presses Tab (or Shift+Tab with `backwards`) until `target` has the focus; fails after
 * `max` presses, listing where the focus went.
 */
export async function tabTo(page: Page, target: Locator, options: { backwards?: boolean; max?: number } = {}): Promise<number> {
  const key = options.backwards ? 'Shift+Tab' : 'Tab';
  const max = options.max ?? 40;
  const visited: string[] = [];
  for (let presses = 0; presses <= max; presses++) {
    if (await isFocused(target)) return presses;
    if (presses === max) break;
    await page.keyboard.press(key);
    visited.push(await focusedDescription(page));
  }
  expect(false, `${key} ×${max} never reached ${target}; focus went: ${visited.join(' → ')}`).toBe(true);
  return max;
}

/** The step heading has the focus (the portal moves it there on each step change). */
export async function expectHeadingFocused(page: Page, name: string): Promise<void> {
  const heading = page.getByRole('heading', { level: 1 });
  await expect(heading).toHaveText(name);
  await expect(heading, `focus on the step heading "${name}"`).toBeFocused();
}
