// The dashboard end to end, in real headless Chromium: the whole app (function table on the local runner,
// the Cosmos test server as its store, Azurite for the reports) after a seeded workload as a few users.
// An admin opens the page as an operator would (dev mode: the identity in the address), it draws every
// chart with data, and what it shows is checked against /api/metrics: exactly against the snapshot it
// drew (the page shows its generatedAt, and the test records every snapshot the page fetched), and against
// a snapshot the test fetches once the page is paused. Then the phone layout, the refusals, and the page's
// load time and weight, printed and written to test-output/dashboard/.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { MetricsSnapshot } from '../../shared/metrics/metricsSnapshot';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { testAzuriteConnectionString } from '../helpers/azurite';
import { testCosmosEndpoint } from '../helpers/cosmosTestSettings';
import {
  chartsOf,
  DESKTOP,
  figure,
  launchChromium,
  OUTPUT_DIR,
  PHONE,
  screenshot,
  waitUntilReady,
  watchPage,
} from './browser';
import { shown } from './pageFormat';
import { generateLoad, type LoadSummary } from './seededLoad';

// Settings startApi does not own (it resets COSMOS_, DATA_, AUTH_ and HEALTH_CHECK_ itself): no timer or
// flush runs on its own during the test, so every store call is one the test caused.
const QUIET = {
  AzureWebJobsStorage: '',
  COST_REPORT_SCHEDULE: '0 0 0 1 1 *',
  USAGE_FLUSH_INTERVAL_MS: '3600000',
};

// The routes the page itself calls: their counts grow while it polls; every other route's count is the
// workload's and stays put.
const DASHBOARD_OPERATIONS = [
  'GET dashboard',
  'GET metrics',
  'GET reports/cost/latest',
  'GET reports/health/latest',
];

let api: ApiUnderTest;
let browser: Browser;
let load: LoadSummary;

const admin = () => api.as('ops', ['admin']);

async function metricsNow(): Promise<MetricsSnapshot> {
  const response = await admin().get('metrics');
  expect(response.status).toBe(200);
  return MetricsSnapshot.parse(response.body);
}

async function runTimer(name: 'healthCheck' | 'costReport'): Promise<void> {
  const response = await fetch(`${api.url}/admin/functions/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"input": ""}',
  });
  expect(response.status).toBe(202);
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

beforeAll(async () => {
  browser = await launchChromium();
  api = await startApi({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: testCosmosEndpoint(),
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: `dashboard-${randomUUID()}`,
    HEALTH_CHECK_SCHEDULE: '0 0 0 1 1 *',
    ...QUIET,
    AzureWebJobsStorage: testAzuriteConnectionString(),
  });
  load = await generateLoad(api, { seed: 11, users: 3 });
  // The workload's GET /health calls made two health checks; the timer makes a third and stores the health
  // report; then the daily cost report. An operator would trigger both the same way. (One timer run at a
  // time: the runner does not start a timer while its previous run is still going.)
  // Other test files share the tests' Azurite and its "reports" container, so a report counts only if this
  // run wrote it (its time is after the timer started), never merely because one exists.
  const checks = (await metricsNow()).health.history.length;
  const started = Date.now() - 1000;
  const fresh = async (kind: 'health' | 'cost', field: 'reportedAt' | 'generatedAt') => {
    const response = await admin().get(`reports/${kind}/latest`);
    return response.status === 200 && Date.parse(String(response.body[field])) >= started ? true : undefined;
  };
  await runTimer('healthCheck');
  await eventually('the health report', () => fresh('health', 'reportedAt'));
  await eventually('the timer health check in the history', async () =>
    (await metricsNow()).health.history.length === checks + 1 ? true : undefined,
  );
  await runTimer('costReport');
  await eventually('the cost report', () => fresh('cost', 'generatedAt'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  for (const name of Object.keys(QUIET)) delete process.env[name];
});

/** Opens the dashboard as the dev-mode admin, recording every /api/metrics snapshot the page receives. */
async function openDashboard(viewport: { width: number; height: number }, isMobile = false) {
  const context = await browser.newContext({ viewport, isMobile, hasTouch: isMobile });
  const page = await context.newPage();
  const problems = watchPage(page, new URL(api.url).origin);
  const snapshots = new Map<string, MetricsSnapshot>();
  const pending: Promise<void>[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname !== '/api/metrics' || response.status() !== 200) return;
    pending.push(
      response.json().then((body: unknown) => {
        const snapshot = MetricsSnapshot.parse(body);
        snapshots.set(snapshot.generatedAt, snapshot);
      }),
    );
  });
  const started = Date.now();
  const response = await page.goto(`${api.url}/api/dashboard?user=ops&roles=admin&refresh=1`);
  expect(response?.status()).toBe(200);
  await waitUntilReady(page);
  const readyMs = Date.now() - started;
  return {
    context,
    page,
    problems,
    snapshots,
    pending,
    readyMs,
    html: (await response?.body()) ?? Buffer.alloc(0),
  };
}

/** The rows of a table body, as the cells' texts. */
async function rows(page: Page, selector: string): Promise<string[][]> {
  return page.evaluate(
    `[...document.querySelectorAll(${JSON.stringify(`${selector} tr`)})].map((row) => [...row.cells].map((c) => c.textContent))`,
  );
}

const routeCells = (r: MetricsSnapshot['requests']['routes'][number]) => [
  r.operation,
  shown.count(r.count),
  shown.count(r.clientErrors),
  shown.count(r.serverErrors),
  shown.ms(r.p50Ms),
  shown.ms(r.p95Ms),
  shown.ms(r.p99Ms),
  shown.ms(r.maxMs),
];

test('an admin sees every chart drawn with data, and the figures of the very snapshot it shows', async () => {
  const { context, page, problems, snapshots, pending, readyMs, html } = await openDashboard(DESKTOP);

  // Every chart has a canvas with points; on the Cosmos store the breaker has a timeline too.
  for (const chart of await chartsOf(page)) {
    expect(chart).toEqual({ id: chart.id, canvas: true, points: expect.any(Number), hidden: false });
    expect([chart.id, chart.points > 0]).toEqual([chart.id, true]);
  }

  // Freeze the page, then compare it with the snapshot it drew, which it names.
  await page.click('#pause');
  await page.waitForSelector('body[data-paused="true"]');
  await Promise.all(pending);
  const generatedAt = await page.getAttribute('body', 'data-generated-at');
  const drawn = snapshots.get(String(generatedAt));
  if (!drawn) throw new Error(`the page shows ${generatedAt}, which it never fetched`);
  expect(await figure(page, 'generatedAt')).toBe(shown.time(drawn.generatedAt));
  expect(await figure(page, 'requests.total')).toBe(shown.count(drawn.requests.total));
  expect(await figure(page, 'requests.perSecond')).toBe(shown.rate(drawn.requests.perSecond));
  expect(await figure(page, 'requests.serverErrors')).toBe(shown.count(drawn.requests.serverErrors));
  expect(await figure(page, 'store.requestCharge')).toBe(shown.ru(drawn.store.requestCharge));
  expect(await figure(page, 'store.calls')).toBe(shown.count(drawn.store.calls));
  expect(await figure(page, 'cache.hitRate')).toBe(shown.percent(drawn.cache.hitRate));
  expect(await figure(page, 'cache.ruSaved')).toBe(shown.ru(drawn.cache.ruSaved));
  expect(await figure(page, 'resilience.retries')).toBe(shown.count(drawn.resilience.retries));
  expect(await figure(page, 'breaker.state')).toBe(drawn.breaker.state);
  expect(await figure(page, 'health.latest')).toBe(drawn.health.latest?.status);
  const byRequests = (a: string[], b: string[]) =>
    Number(b[1].replace(/,/g, '')) - Number(a[1].replace(/,/g, '')) || a[0].localeCompare(b[0]);
  expect(await rows(page, '#routes')).toEqual(drawn.requests.routes.map(routeCells).sort(byRequests));
  expect(await rows(page, '#shapes')).toEqual(
    [...drawn.store.topShapes]
      .sort((a, b) => b.requestCharge - a.requestCharge)
      .map((s) => [
        `${s.container}${s.shape}`,
        shown.ru(s.requestCharge),
        shown.count(s.calls),
        shown.ru(s.avgRu),
        shown.ms(s.avgDurationMs),
        shown.count(s.cachedCalls),
      ]),
  );

  // The workload's own requests, route by route, are what the page shows.
  const pageRoutes = new Map((await rows(page, '#routes')).map((cells) => [cells[0], cells[1]]));
  for (const [operation, count] of load.byOperation)
    expect([operation, pageRoutes.get(operation)]).toEqual([operation, shown.count(count)]);
  expect(drawn.store.topShapes.length).toBeGreaterThan(0);
  expect(drawn.cache.hits).toBeGreaterThan(0);

  // A snapshot fetched now, with the page paused: the workload's routes and the store have not moved; only
  // the page's own polling routes have, and they account for every request since.
  const now = await metricsNow();
  const nowRoutes = new Map(now.requests.routes.map((r) => [r.operation, r]));
  let polled = 0;
  for (const route of drawn.requests.routes) {
    const later = nowRoutes.get(route.operation);
    if (DASHBOARD_OPERATIONS.includes(route.operation)) polled += (later?.count ?? 0) - route.count;
    else expect(routeCells(later ?? route)).toEqual(routeCells(route));
  }
  for (const route of now.requests.routes)
    if (!drawn.requests.routes.some((r) => r.operation === route.operation)) {
      expect(DASHBOARD_OPERATIONS).toContain(route.operation);
      polled += route.count;
    }
  expect(now.requests.total - drawn.requests.total).toBe(polled);
  expect(await figure(page, 'store.calls')).toBe(shown.count(now.store.calls));
  expect(await figure(page, 'store.requestCharge')).toBe(shown.ru(now.store.requestCharge));

  // The reports: the cost report the timer stored, with its advice, and the health report.
  const cost = (await admin().get('reports/cost/latest')).body as {
    cost: { periodUsd: number; projected30DaysUsd: number; mode: string };
    indexAdvice: { suggestions: { text: string }[] };
  };
  expect(await figure(page, 'cost.periodUsd')).toBe(shown.usd(cost.cost.periodUsd));
  expect(await figure(page, 'cost.projected30DaysUsd')).toBe(shown.usd(cost.cost.projected30DaysUsd));
  expect(await figure(page, 'cost.mode')).toBe(cost.cost.mode);
  expect(await page.locator('#index-advice .advice-text').allTextContents()).toEqual(
    cost.indexAdvice.suggestions.map((s) => s.text),
  );
  expect(await figure(page, 'healthReport.status')).toBe('healthy');

  await screenshot(page, 'desktop-1366x768.png', false);
  await screenshot(page, 'desktop-1366x768-full.png');
  expect(problems.list()).toEqual([]);

  // Load time and weight: how long an operator waits, and what the page costs to send.
  const timing = (await page.evaluate(
    `(() => { const n = performance.getEntriesByType('navigation')[0]; return { responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd }; })()`,
  )) as { responseEnd: number; domContentLoaded: number; load: number };
  const figures = {
    htmlBytes: html.length,
    htmlGzipBytes: gzipSync(html).length,
    responseEndMs: Math.round(timing.responseEnd),
    domContentLoadedMs: Math.round(timing.domContentLoaded),
    loadMs: Math.round(timing.load),
    firstSnapshotDrawnMs: readyMs,
  };
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUTPUT_DIR, 'load.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(
    `dashboard page: ${figures.htmlBytes} bytes of HTML (${figures.htmlGzipBytes} gzipped); ` +
      `DOMContentLoaded ${figures.domContentLoadedMs} ms, load ${figures.loadMs} ms, ` +
      `charts drawn with data ${figures.firstSnapshotDrawnMs} ms after navigation started`,
  );
  expect(figures.htmlBytes).toBeLessThan(150_000);
  await context.close();
});

test('reads on a phone: one column, nothing wider than the screen, every chart drawn', async () => {
  const { context, page, problems } = await openDashboard(PHONE, true);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  const charts = await chartsOf(page);
  expect(charts.map((c) => [c.id, c.canvas && c.points > 0])).toEqual(charts.map((c) => [c.id, true]));
  // Charts are stacked: each starts below the previous one, in one column.
  const lefts = (await page.evaluate(
    `[...document.querySelectorAll('[data-chart]')].map((c) => Math.round(c.getBoundingClientRect().left))`,
  )) as number[];
  expect(new Set(lefts).size).toBe(1);
  await screenshot(page, 'phone-390x844.png', false);
  await screenshot(page, 'phone-390x844-full.png');
  expect(problems.list()).toEqual([]);
  await context.close();
});

test('without an identity 401, without the admin role 403: an API client gets a problem, a browser the sign-in panel', async () => {
  const anonymous = await api.anonymous.get('dashboard');
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
  expect(anonymous.body.code).toBe('UNAUTHENTICATED');
  const user = await api.as('dash-user-0').get('dashboard');
  expect(user.status).toBe(403);
  expect(user.body.code).toBe('FORBIDDEN');

  const page = await browser.newPage({ viewport: DESKTOP });
  const refused = await page.goto(`${api.url}/api/dashboard`);
  expect(refused?.status()).toBe(401);
  await page.waitForSelector('#sign-in:not([hidden])');
  expect(await page.locator('#sign-in-reason').textContent()).toBe('No identity reached the API.');
  expect(await page.locator('#content').isHidden()).toBe(true);
  expect(await page.locator('#sign-in-dev').isVisible()).toBe(true);

  const forbidden = await page.goto(`${api.url}/api/dashboard?user=dash-user-0`);
  expect(forbidden?.status()).toBe(403);
  await page.waitForSelector('#sign-in:not([hidden])');
  expect(await page.locator('#sign-in-reason').textContent()).toBe(
    'Signed in, but without the admin role the dashboard needs.',
  );
  expect(await page.locator('#content').isHidden()).toBe(true);

  // The sign-in form opens the page as the identity typed in.
  await page.fill('#sign-in-dev input[name="user"]', 'ops');
  await page.fill('#sign-in-dev input[name="roles"]', 'admin');
  await Promise.all([
    page.waitForURL(/user=ops&roles=admin/),
    page.click('#sign-in-dev button[type="submit"]'),
  ]);
  await waitUntilReady(page);
  expect(await page.locator('#content').isVisible()).toBe(true);
  await page.close();
});

test('the page is self-contained and locked down: one document, inline code allowed by hash only', async () => {
  const response = await fetch(`${api.url}/api/dashboard?user=ops&roles=admin`, {
    headers: { accept: 'text/html' },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const policy = response.headers.get('content-security-policy') ?? '';
  expect(policy).toMatch(/default-src 'none'/);
  expect(policy).toMatch(/script-src 'sha256-[^']+' 'sha256-[^']+'(;|$)/);
  expect(policy).toMatch(/connect-src 'self'/);
  expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  const html = await response.text();
  expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|https?:\/\/(?!github\.com\/leeoniya)/);
});
