// The dashboard page in real Chromium against a fixture of GET /api/metrics built from its contract, with
// report routes the test controls: what the page shows for figures chosen here, that API strings stay text
// (a query shape and an index suggestion that would run script as HTML), the breaker and health charts,
// and the report cards when there is no report yet or no storage.
import type { HttpHandler } from '@azure/functions';
import type { Browser, Page } from 'playwright-core';
import { dashboardFunctions } from '../../functions/dashboard';
import { httpFunction, type FunctionDefinition } from '../../functions/functionDefinition';
import { resetSettings } from '../../shared/config/settings';
import { removeTempDirs, startInProcess, type InProcessRunner } from '../runner/runnerHarness';
import {
  chartsOf,
  DESKTOP,
  figure,
  launchChromium,
  PHONE,
  screenshot,
  waitUntilReady,
  watchPage,
} from './browser';
import { costReportFixture, HOSTILE_ADVICE, HOSTILE_SHAPE, metricsFixture } from './metricsFixture';
import { shown } from './pageFormat';

interface Answer {
  status: number;
  body: unknown;
}

const problem = (status: number, code: string, detail: string): Answer => ({
  status,
  body: { type: `urn:lifetracker:problem:${code.toLowerCase()}`, title: 'Problem', status, detail, code },
});

// What the fake routes answer; each test sets them.
const answers: Record<'metrics' | 'cost' | 'health', Answer> = {
  metrics: { status: 200, body: metricsFixture() },
  cost: problem(404, 'REPORT_NOT_FOUND', 'No cost report has been stored yet.'),
  health: problem(503, 'REPORTS_STORAGE_NOT_CONFIGURED', 'Set AzureWebJobsStorage to store reports.'),
};

const serve =
  (name: keyof typeof answers): HttpHandler =>
  async () => ({
    status: answers[name].status,
    headers: {
      'content-type': answers[name].status === 200 ? 'application/json' : 'application/problem+json',
    },
    jsonBody: answers[name].body,
  });

const table: FunctionDefinition[] = [
  ...dashboardFunctions(),
  httpFunction('metrics', 'GET', 'metrics', serve('metrics')),
  httpFunction('reportsCostLatest', 'GET', 'reports/cost/latest', serve('cost')),
  httpFunction('reportsHealthLatest', 'GET', 'reports/health/latest', serve('health')),
];

let runner: InProcessRunner;
let browser: Browser;

beforeAll(async () => {
  process.env.AUTH_MODE = 'dev';
  resetSettings();
  [runner, browser] = await Promise.all([startInProcess(table, { logLevel: 'error' }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await runner?.runner.close();
  removeTempDirs();
});

async function openAsAdmin(): Promise<{ page: Page; problems: () => string[] }> {
  const page = await browser.newPage({ viewport: DESKTOP });
  const watched = watchPage(page, new URL(runner.runner.url).origin);
  const response = await page.goto(runner.api('dashboard?user=ops&roles=admin&refresh=1'));
  expect(response?.status()).toBe(200);
  await waitUntilReady(page);
  return { page, problems: watched.list };
}

test('shows the snapshot it was given: figures, routes, shapes, every chart with its points', async () => {
  const snapshot = metricsFixture();
  answers.metrics = { status: 200, body: snapshot };
  const { page, problems } = await openAsAdmin();

  expect(await figure(page, 'generatedAt')).toBe(shown.time(snapshot.generatedAt));
  expect(await figure(page, 'requests.total')).toBe('1,768');
  expect(await figure(page, 'requests.perSecond')).toBe('1.50');
  expect(await figure(page, 'store.requestCharge')).toBe('12,345.67');
  expect(await figure(page, 'cache.hitRate')).toBe('40.0 %');
  expect(await figure(page, 'cache.ruSaved')).toBe('1,234.50');
  expect(await figure(page, 'resilience.timeouts')).toBe('2');
  expect(await figure(page, 'breaker.state')).toBe('closed');
  expect(await figure(page, 'health.latest')).toBe('healthy');

  const routeRow = page.locator('#routes tr[data-operation="GET tasks"] td');
  expect(await routeRow.allTextContents()).toEqual([
    'GET tasks',
    '1,234',
    '0',
    '2',
    '3.3 ms',
    '12.5 ms',
    '40.8 ms',
    '99.5 ms',
  ]);

  // Every chart drew a canvas with the snapshot's points: 30 slots of requests and 5xx, three latency
  // percentiles, two containers, the cache rate; the breaker's three transitions plus both ends; six checks.
  const charts = Object.fromEntries((await chartsOf(page)).map((c) => [c.id, c]));
  expect(charts).toEqual({
    'chart-requests': { id: 'chart-requests', canvas: true, points: 60, hidden: false },
    'chart-latency': { id: 'chart-latency', canvas: true, points: 90, hidden: false },
    'chart-ru': { id: 'chart-ru', canvas: true, points: 60, hidden: false },
    'chart-cache': { id: 'chart-cache', canvas: true, points: 30, hidden: false },
    'chart-breaker': { id: 'chart-breaker', canvas: true, points: 5, hidden: false },
    'chart-health': { id: 'chart-health', canvas: true, points: 6, hidden: false },
  });
  expect(await page.locator('#breaker-history li').allTextContents()).toEqual([
    expect.stringMatching(/→ closed$/),
    expect.stringMatching(/→ half-open$/),
    expect.stringMatching(/→ open$/),
  ]);
  expect(await page.locator('#health-history li').count()).toBe(5);
  expect(problems()).toEqual([]);
  await page.close();
});

test('API strings are text: a query shape and an index suggestion that would run script as HTML', async () => {
  answers.metrics = { status: 200, body: metricsFixture() };
  answers.cost = { status: 200, body: costReportFixture() };
  const { page, problems } = await openAsAdmin();

  expect(await page.locator('#shapes code.shape').first().textContent()).toBe(HOSTILE_SHAPE);
  expect(await page.locator('#index-advice .advice-text').first().textContent()).toBe(HOSTILE_ADVICE);
  expect(await page.locator('#shapes img, #index-advice script').count()).toBe(0);
  expect(await page.evaluate('window.__dashboardInjected')).toBeUndefined();

  // The cost card: the report's figures as the page formats them.
  expect(await figure(page, 'cost.periodUsd')).toBe('$0.0247');
  expect(await figure(page, 'cost.projected30DaysUsd')).toBe('$0.741');
  expect(await figure(page, 'cost.mode')).toBe('serverless');
  expect(await figure(page, 'cost.requestCharge')).toBe('98,765.43 RU (measured)');
  expect(await page.locator('#throughput-advice').textContent()).toBe(
    'Serverless is the cheapest mode for this load (peak 57 RU/s).',
  );
  await screenshot(page, 'fixture-desktop.png');
  await page.setViewportSize(PHONE);
  await screenshot(page, 'fixture-phone.png');
  expect(problems()).toEqual([]);
  await page.close();
});

test('no report yet and no report storage read as such; a local store has no breaker chart', async () => {
  answers.metrics = {
    status: 200,
    body: { ...metricsFixture(), backend: 'local', breaker: { state: 'none', history: [] } },
  };
  answers.cost = problem(404, 'REPORT_NOT_FOUND', 'No cost report has been stored yet.');
  answers.health = problem(
    503,
    'REPORTS_STORAGE_NOT_CONFIGURED',
    'Set AzureWebJobsStorage to store reports.',
  );
  const { page, problems } = await openAsAdmin();

  expect(await page.locator('#cost-note').textContent()).toMatch(
    /^No report stored yet\. .*POST \/admin\/functions\/costReport/,
  );
  expect(await page.locator('#cost').isHidden()).toBe(true);
  expect(await page.locator('#health-report-note').textContent()).toBe(
    'Report storage unavailable: Set AzureWebJobsStorage to store reports.',
  );
  expect(await figure(page, 'breaker.state')).toBe('none (local)');
  expect(await page.locator('#breaker-note').textContent()).toMatch(/no circuit breaker/);
  expect(await page.locator('#chart-breaker').isHidden()).toBe(true);
  expect(problems()).toEqual([]);
  await page.close();
});

test('a failing /api/metrics is reported on the page, which keeps polling and recovers', async () => {
  answers.metrics = problem(503, 'STORE_UNAVAILABLE', 'The store is unavailable.');
  const page = await browser.newPage({ viewport: DESKTOP });
  await page.goto(runner.api('dashboard?user=ops&roles=admin&refresh=1'));
  // A locator, not a string predicate: the page's CSP forbids the eval Playwright would need for one.
  await page.locator('#status', { hasText: '503' }).waitFor();
  expect(await page.locator('#status').textContent()).toBe(
    'GET /api/metrics answered 503: The store is unavailable.',
  );
  answers.metrics = { status: 200, body: metricsFixture() };
  await waitUntilReady(page);
  expect(await figure(page, 'requests.total')).toBe('1,768');
  await page.close();
});
