import { createHash } from 'node:crypto';
import type { AuthMode } from '../config/settings';
import { readDashboardAssets, type DashboardAssets } from './dashboardAssets';
import { pageMarkup } from './pageMarkup';

/** The assembled page and the policy it is served under. */
export interface DashboardPage {
  html: string;
  /** Content-Security-Policy: only these inline scripts and styles, and fetches to this origin. */
  contentSecurityPolicy: string;
  /** UTF-8 size of html. */
  bytes: number;
}

// Inline code would end its own element if it contained the closing tag; the assets are ours and uPlot's
// minified build, so this never happens today, and if an upgrade ever brought one, the page must not be
// served broken.
function assertInlinable(kind: 'script' | 'style', text: string): void {
  if (new RegExp(`</${kind}`, 'i').test(text))
    throw new Error(`An inline ${kind} of the dashboard contains </${kind}`);
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The page's policy: nothing loads from anywhere (default-src 'none'), scripts and styles run only when they
 * are exactly the inlined ones (by hash, so no 'unsafe-inline'), fetches go to this origin only, and no one
 * may frame the page or point a form or <base> elsewhere. uPlot sizes its elements through element.style
 * (CSSOM), which style-src does not govern, so its charts need nothing more.
 */
export function contentSecurityPolicy(scripts: string[], styles: string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.map(sha256).join(' ')}`,
    `style-src ${styles.map(sha256).join(' ')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Builds the page for an AUTH_MODE from the asset texts: the chart library and the client inlined. */
export function assembleDashboardPage(authMode: AuthMode, assets: DashboardAssets): DashboardPage {
  const style = `${assets.chartStyle}\n${assets.pageStyle}`;
  const scripts = [assets.chartScript, assets.pageScript];
  assertInlinable('style', style);
  for (const script of scripts) assertInlinable('script', script);
  const html = pageMarkup({ authMode, style, scripts });
  return {
    html,
    contentSecurityPolicy: contentSecurityPolicy(scripts, [style]),
    bytes: Buffer.byteLength(html, 'utf8'),
  };
}

// Assembled on first request and kept for the life of the process: the files cannot change under a
// running app, and a ~70 KB string per AUTH_MODE is cheaper than reading four files per request. A
// failure (a missing asset) is not cached, so every request reports it until the app is fixed.
const pages = new Map<AuthMode, DashboardPage>();

/** The page for this AUTH_MODE, assembled once per process. */
export function dashboardPage(authMode: AuthMode): DashboardPage {
  let page = pages.get(authMode);
  if (!page) {
    page = assembleDashboardPage(authMode, readDashboardAssets());
    pages.set(authMode, page);
  }
  return page;
}
