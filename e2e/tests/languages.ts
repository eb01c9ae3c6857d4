// What "this screen is in language X" means to the language tests: the heading is the
// catalogue's, `<html lang>` says X, the document title is X's, no English text (nor a raw
// catalogue key) shows, and every visible text, screen-reader-only ones and accessible
// names included, is one of X's catalogue texts or data (numbers, codes, addresses).
import { type Page } from '@playwright/test';
import { catalogue, LANGUAGE_NAMES, text, textPattern, type Lang } from './embed-fixtures';
import { expect } from './flow-fixtures';

/** A catalogue's texts, each plural form on its own (Polish `.other` is "few|many"). */
function texts(lang: Lang): string[] {
  return [...catalogue(lang).values()].flatMap((value) => value.split('|'));
}

/** What is shown: every visible text node (screen-reader-only ones too), the lines of
 * `innerText`, the accessible names given by attributes, and the document title. */
async function shownTexts(page: Page): Promise<{ nodes: string[]; lines: string[]; attributes: string[]; title: string }> {
  return page.evaluate(() => {
    const nodes: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const value = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (!parent || !value || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(parent.tagName)) continue;
      const option = parent.closest('option');
      if (!option && !parent.checkVisibility({ visibilityProperty: true, opacityProperty: false })) continue;
      nodes.push(value);
    }
    const attributes: string[] = [];
    for (const element of Array.from(document.body.querySelectorAll('[aria-label], [placeholder], [title], [alt]'))) {
      for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
        const value = element.getAttribute(name)?.trim();
        if (value) attributes.push(value);
      }
    }
    const lines = document.body.innerText
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    return { nodes, lines, attributes, title: document.title };
  });
}

/** Data rather than words: numbers, phone numbers, codes, times, e-mail addresses, the
 * countries of the phone field (region and calling code), the languages named in
 * themselves in the switcher. */
function isData(value: string): boolean {
  if (!/\p{L}/u.test(value)) return true;
  if (/^[\w.+-]+@[\w.-]+$/.test(value)) return true;
  if (/^[A-Z]{2} \+\d{1,3}$/.test(value)) return true;
  return Object.values(LANGUAGE_NAMES).includes(value);
}

/** On the screen titled by `headingKey`: `lang`'s heading, and no text that is not `lang`'s. */
export async function expectScreenIn(page: Page, lang: Lang, headingKey: string): Promise<void> {
  const own = texts(lang);
  const ownPatterns = own.map((value) => textPattern(value));
  const en = catalogue('en');
  const mine = catalogue(lang);
  // English texts that differ from this language's: none of them may show. A text with no
  // word of its own (a date's order, "{month} {day}, {year}, {time}") is no English.
  const englishOnly = [...en.entries()]
    .filter(([key, value]) => mine.get(key) !== value)
    .filter(([, value]) => /\p{L}/u.test(value.replace(/\{\w+\}/g, '')))
    .map(([key, value]) => ({ key, pattern: textPattern(value) }));
  const keys = new Set([...en.keys()]);
  const isOwn = (value: string) =>
    ownPatterns.some((pattern) => pattern.test(value)) ||
    // A piece of a text that markup split (a label, then a <strong> value).
    (value.length >= 2 && own.some((whole) => whole.includes(value)));

  const heading = text(lang, headingKey);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
  await expect(page.locator('.loading')).toHaveCount(0);
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  const shown = await shownTexts(page);
  expect(shown.title, 'the document title').toBe(text(lang, 'lib.document_title', { title: heading }));
  const everything = [...shown.nodes, ...shown.lines, ...shown.attributes, shown.title];
  const english = everything
    .map((value) => ({ value, match: englishOnly.find((e) => e.pattern.test(value)) }))
    .filter(({ match }) => match)
    .map(({ value, match }) => `${JSON.stringify(value)} is en:${match?.key}`);
  const rawKeys = everything.filter((value) => keys.has(value));
  const foreign = [...shown.nodes, ...shown.attributes].filter((value) => !isData(value) && !isOwn(value));
  expect(
    { english, rawKeys, foreign },
    `on "${heading}" (${lang}): English text, raw keys, or text in no ${lang} catalogue entry`,
  ).toEqual({ english: [], rawKeys: [], foreign: [] });
}
