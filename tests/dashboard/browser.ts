// Real headless Chromium for the dashboard tests: Debian's chromium package driven by playwright-core,
// which downloads no browser of its own. A missing browser fails the test with what to install; it never
// skips, since a skipped browser test would pass CI without testing anything.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where the browser is: CHROMIUM_PATH, or Debian's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and figures of the dashboard tests (git-ignored). */
export const OUTPUT_DIR = path.resolve(__dirname, '..', '..', 'test-output', 'dashboard');

export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

/** Launches headless Chromium, or fails saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The dashboard's browser test needs it: ` +
        'apt-get update && apt-get install -y --no-install-recommends chromium ' +
        '(.ci/run does this), or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
}

/** What went wrong in a page: script errors, console errors (CSP violations are reported there) and requests to other origins. */
export interface PageProblems {
  list(): string[];
}

/** Records the page's problems from now on; `origin` is the only one it may fetch from. */
export function watchPage(page: Page, origin: string): PageProblems {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every HTTP error answer as "Failed to load resource"; the tests check statuses themselves.
    if (message.type() === 'error' && !/^Failed to load resource: the server responded/.test(message.text()))
      problems.push(`console error: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== origin)
      problems.push(`request to another origin: ${request.url()}`);
  });
  return { list: () => [...problems] };
}

/** Waits until the page says its charts and reports are drawn (body[data-ready]). */
export async function waitUntilReady(page: Page, timeoutMs = 20_000): Promise<void> {
  await page.waitForSelector('body[data-ready="true"]', { timeout: timeoutMs });
}

/** The text of the element showing one figure (data-figure). */
export async function figure(page: Page, key: string): Promise<string> {
  return ((await page.locator(`[data-figure="${key}"]`).first().textContent()) ?? '').trim();
}

/** The page's charts: id, whether a canvas was drawn, how many data points the client plotted, visibility. */
export async function chartsOf(
  page: Page,
): Promise<{ id: string; canvas: boolean; points: number; hidden: boolean }[]> {
  return page.evaluate(`[...document.querySelectorAll('[data-chart]')].map((host) => ({
    id: host.id,
    canvas: Boolean(host.querySelector('canvas')) && host.querySelector('canvas').width > 0,
    points: Number(host.dataset.points),
    hidden: host.hidden,
  }))`);
}

/** Saves a screenshot under test-output/dashboard/: the whole page, or what the screen shows first. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, name);
  await page.screenshot({ path: file, fullPage });
  return file;
}
