// How the page is assembled: uPlot and the client inlined as they are in their files, a CSP whose hashes
// are exactly those of the inline code, and a client script that type-checks against the API's contract
// (shared/metrics/metricsSnapshot.ts), so a change to the contract that the page does not follow fails here.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { acceptsHtml } from '../../shared/dashboard/dashboardAccess';
import { DASHBOARD_ASSET_FILES, readDashboardAssets } from '../../shared/dashboard/dashboardAssets';
import { assembleDashboardPage, dashboardPage } from '../../shared/dashboard/dashboardPage';

const root = path.resolve(__dirname, '..', '..');
const inline = (html: string, tag: 'script' | 'style') =>
  [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

test('inlines uPlot and the client as they are in their files, and nothing else runs or loads', () => {
  const page = dashboardPage('dev');
  const scripts = inline(page.html, 'script');
  expect(scripts).toEqual([
    fs.readFileSync(path.join(root, DASHBOARD_ASSET_FILES.chartScript), 'utf8'),
    fs.readFileSync(path.join(root, DASHBOARD_ASSET_FILES.pageScript), 'utf8'),
  ]);
  expect(scripts[0]).toMatch(/^\/\*! https:\/\/github\.com\/leeoniya\/uPlot \(v1\.6\.\d+\) \*\//);
  const [style] = inline(page.html, 'style');
  expect(style).toContain(fs.readFileSync(path.join(root, DASHBOARD_ASSET_FILES.chartStyle), 'utf8'));
  expect(page.bytes).toBe(Buffer.byteLength(page.html));
  expect(page.html).toContain('<body data-auth-mode="dev"');
  expect(dashboardPage('jwt').html).toContain('<body data-auth-mode="jwt"');
  expect(dashboardPage('dev')).toBe(page); // assembled once
});

test('the policy allows exactly the inline scripts and style, by hash', () => {
  const page = dashboardPage('easyauth');
  const directives = new Map(
    page.contentSecurityPolicy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)] as const),
  );
  expect(directives.get('script-src')).toEqual(inline(page.html, 'script').map(hash));
  expect(directives.get('style-src')).toEqual(inline(page.html, 'style').map(hash));
  expect(directives.get('default-src')).toEqual(["'none'"]);
  expect(directives.get('connect-src')).toEqual(["'self'"]);
  expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
});

test('an asset that would close its own element is refused, not served broken', () => {
  const assets = readDashboardAssets();
  expect(() =>
    assembleDashboardPage('dev', { ...assets, pageScript: 'const s = "</script><img src=x>";' }),
  ).toThrow(/contains <\/script/);
  expect(() => assembleDashboardPage('dev', { ...assets, pageStyle: 'a{}</STYLE>' })).toThrow(/<\/style/);
});

test('the client script type-checks against the metrics contract, the DOM and uPlot (tsc, checkJs)', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  expect(() =>
    execFileSync(process.execPath, [tsc, '-p', 'shared/dashboard/client/tsconfig.json'], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    }),
  ).not.toThrow();
});

test('a browser is told apart from an API client by Accept', () => {
  expect(acceptsHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
  expect(acceptsHtml('*/*')).toBe(false);
  expect(acceptsHtml('application/json')).toBe(false);
  expect(acceptsHtml('text/html;q=0, application/json')).toBe(false);
  expect(acceptsHtml(null)).toBe(false);
});
