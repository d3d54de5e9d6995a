// GET /api/reports/{cost,health}/latest end to end (the API harness over real HTTP, real Azurite), and the
// health-check timer storing the report those routes serve — also when storage is missing or down.
// Other test files write reports to the shared test Azurite, so this file runs its own Azurite: "before
// any report" and "the newest" must mean this file's reports only.
import { InvocationContext, type Timer } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { buildFunctionTable } from '../../functions/functionTable';
import type { TimerFunctionDefinition } from '../../functions/functionDefinition';
import { getSettings, loadSettings } from '../../shared/config/settings';
import { getReportStore, latestReport, saveReport } from '../../shared/reports/reportStore';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { freePort } from '../helpers/freePort';
import { azuriteConnectionString, startTestAzurite, type TestAzurite } from '../helpers/azurite';

let azurite: TestAzurite;
let connectionString: string;

beforeAll(async () => {
  azurite = await startTestAzurite();
  connectionString = azurite.connectionString;
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});
const ADMIN = ['admin'];
// The timers of the app under test must not run on their own here: only when a test runs them.
const QUIET = { HEALTH_CHECK_SCHEDULE: '0 0 0 1 1 *', COST_REPORT_SCHEDULE: '0 0 0 1 1 *' };
const ROUTES = ['reports/cost/latest', 'reports/health/latest'];

async function clearReports(): Promise<void> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('reports');
  if (!(await container.exists())) return;
  for await (const blob of container.listBlobsFlat()) await container.deleteBlob(blob.name);
}

interface LogEntry {
  level: string;
  message: string;
  properties: Record<string, unknown>;
}

/** Runs the healthCheck timer's handler as the host would, with a context whose log lines are kept. */
async function runHealthTimer(): Promise<LogEntry[]> {
  const timer = buildFunctionTable(getSettings()).find(
    (f): f is TimerFunctionDefinition => f.name === 'healthCheck',
  );
  if (!timer) throw new Error('no healthCheck timer in the function table');
  const entries: LogEntry[] = [];
  const context = new InvocationContext({
    functionName: 'healthCheck',
    logHandler: (level, message, properties) =>
      entries.push({
        level,
        message: String(message),
        properties: (properties ?? {}) as Record<string, unknown>,
      }),
  });
  const trigger: Timer = {
    isPastDue: false,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: '', next: '', lastUpdated: '' },
  };
  await timer.handler(trigger, context);
  return entries;
}

describe('with Azurite', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({ AzureWebJobsStorage: connectionString, ...QUIET });
    await clearReports();
  });
  afterAll(async () => api.close());

  test('no identity is 401, a signed-in user without the admin role 403', async () => {
    for (const route of ROUTES) {
      const anonymous = await api.anonymous.get(route);
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
      const user = await api.as('report-reader', ['reader']).get(route);
      expect([user.status, user.body.code]).toEqual([403, 'FORBIDDEN']);
    }
  });

  test('before any report: 404 REPORT_NOT_FOUND for both kinds', async () => {
    for (const [route, kind] of [
      ['reports/cost/latest', 'cost'],
      ['reports/health/latest', 'health'],
    ]) {
      const response = await api.as('ops', ADMIN).get(route);
      expect([response.status, response.body.code]).toEqual([404, 'REPORT_NOT_FOUND']);
      expect(response.body.detail).toBe(`No ${kind} report has been stored yet.`);
    }
  });

  test('an unknown format is 400, before storage is asked', async () => {
    const response = await api.as('ops', ADMIN).get('reports/cost/latest?format=pdf');
    expect([response.status, response.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'format' })]);
  });

  test('the newest cost report, as JSON by default and as Markdown on request', async () => {
    // What the daily cost-report timer does: saveReport(kind, at, json, markdown).
    await saveReport('cost', new Date('2026-11-25T00:30:00Z'), { day: 25 }, '# Cost 25\n');
    await saveReport('cost', new Date('2026-11-27T00:30:00Z'), { day: 27, shapes: [] }, '# Cost 27\n');
    await saveReport('cost', new Date('2026-11-26T00:30:00Z'), { day: 26 }, '# Cost 26\n');
    const admin = api.as('ops', ADMIN);

    const json = await admin.get('reports/cost/latest');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(json.headers.get('cache-control')).toBe('no-store');
    expect(json.headers.get('last-modified')).toMatch(/GMT$/);
    expect(json.body).toEqual({ day: 27, shapes: [] });

    const markdown = await admin.get('reports/cost/latest?format=markdown');
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(markdown.text).toBe('# Cost 27\n');

    const accepted = await admin.get('reports/cost/latest', { accept: 'text/markdown, */*;q=0.1' });
    expect(accepted.text).toBe('# Cost 27\n');
    // The query wins over Accept; Accept that refuses Markdown (q=0) or prefers JSON gets JSON.
    expect((await admin.get('reports/cost/latest?format=json', { accept: 'text/markdown' })).body).toEqual({
      day: 27,
      shapes: [],
    });
    for (const accept of ['text/markdown;q=0, */*', 'application/json, text/markdown']) {
      const response = await admin.get('reports/cost/latest', { accept });
      expect([accept, response.headers.get('content-type')]).toEqual([
        accept,
        'application/json; charset=utf-8',
      ]);
    }
  });

  test('the health timer (POST /admin/functions/healthCheck) stores a report that GET .../health/latest serves', async () => {
    const admin = api.as('ops', ADMIN);
    const before = Date.now();
    const run = await fetch(`${api.url}/admin/functions/healthCheck`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input": ""}',
    });
    expect(run.status).toBe(202);
    // The run goes on in the background after the 202: poll the route until it has stored its report.
    let response = await admin.get('reports/health/latest');
    for (const deadline = Date.now() + 10_000; response.status === 404 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      response = await admin.get('reports/health/latest');
    }
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'healthy',
      backend: 'local',
      checks: { store: { ok: true, backend: 'local' } },
    });
    const reportedAt = Date.parse(String(response.body.reportedAt));
    expect(reportedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(String(response.body.checkedAt))).toBeLessThanOrEqual(reportedAt);

    const markdown = await admin.get('reports/health/latest?format=markdown');
    expect(markdown.status).toBe(200);
    expect(markdown.text).toMatch(/^# Health report: healthy\n/);
    expect(markdown.text).toContain('| Backend | local |');
    expect(markdown.text).toContain('| tasks | yes |  |');
    expect(markdown.text).toContain('## Circuit breaker');
  });

  test('a later health check replaces it as the latest, and the timer logs both the result and the report', async () => {
    const first = await latestReport('health');
    // Health reports are named to the second: make sure this one gets a later name.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const lines = await runHealthTimer();
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['information', 'health check'],
      ['information', 'health report stored'],
    ]);
    const stored = lines[1].properties.report as string;
    expect(stored).toMatch(/^health\/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
    const latest = await latestReport('health');
    expect(latest?.name).toBe(stored);
    expect(latest?.at.getTime()).toBeGreaterThan(first?.at.getTime() ?? 0);
    const served = await api.as('ops', ADMIN).get('reports/health/latest');
    expect(served.body.reportedAt).toBe(JSON.parse(latest?.text ?? '{}').reportedAt);
  });

  test('one report store per process settings, named "reports"', () => {
    const store = getReportStore();
    expect(getReportStore()).toBe(store);
    expect(store.containerName).toBe('reports');
    expect(getReportStore(loadSettings({ AzureWebJobsStorage: connectionString }))).not.toBe(store);
  });
});

describe('storage down', () => {
  let api: ApiUnderTest;
  // A recognisable key: it must not reach a response or a log line.
  const key = Buffer.from('reports-key-that-must-never-leak').toString('base64');
  beforeAll(async () => {
    api = await startApi({ AzureWebJobsStorage: azuriteConnectionString(await freePort(), key), ...QUIET });
  });
  afterAll(async () => api.close());

  test('the routes answer 503 REPORTS_STORAGE_UNAVAILABLE with Retry-After, quickly, and leak nothing', async () => {
    for (const route of ROUTES) {
      const started = performance.now();
      const response = await api.as('ops', ADMIN).get(route);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect([response.status, response.body.code]).toEqual([503, 'REPORTS_STORAGE_UNAVAILABLE']);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(response.text).not.toContain(key);
      expect(response.text).not.toContain('127.0.0.1');
    }
  });

  test('the health timer still logs the health result, then warns that the report was not stored', async () => {
    const lines = await runHealthTimer();
    expect(lines[0]).toMatchObject({
      level: 'information',
      message: 'health check',
      properties: expect.objectContaining({ status: 'healthy', backend: 'local' }),
    });
    expect(lines[1]).toMatchObject({
      level: 'warning',
      message: 'health report not stored',
      properties: expect.objectContaining({ code: 'REPORTS_STORAGE_UNAVAILABLE' }),
    });
    expect(lines).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toContain(key);
  });
});

describe('no storage configured', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({ AzureWebJobsStorage: '', ...QUIET });
  });
  afterAll(async () => api.close());

  test('the routes answer 503 REPORTS_STORAGE_NOT_CONFIGURED, naming the setting to set', async () => {
    for (const route of ROUTES) {
      const response = await api.as('ops', ADMIN).get(route);
      expect([response.status, response.body.code]).toEqual([503, 'REPORTS_STORAGE_NOT_CONFIGURED']);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.body.detail).toContain('AzureWebJobsStorage');
    }
    // The rest of the app is unaffected.
    expect((await api.anonymous.get('health')).status).toBe(200);
  });

  test('the health timer logs the result and says storage is not configured', async () => {
    const lines = await runHealthTimer();
    expect(lines.map((l) => [l.level, l.message, l.properties.code])).toEqual([
      ['information', 'health check', undefined],
      ['warning', 'health report not stored', 'REPORTS_STORAGE_NOT_CONFIGURED'],
    ]);
    expect(String(lines[1].properties.reason)).toContain('AzureWebJobsStorage');
  });
});
