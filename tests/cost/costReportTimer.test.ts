import type { CostReport } from '../../shared/reports/costReport';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { testAzuriteConnectionString } from '../helpers/azurite';

// The done-when of the cost work, end to end on the embedded store: requests through the app, the timer
// triggered as an operator would (POST /admin/functions/costReport), the report read back from Blob
// Storage (real Azurite) through the admin route.
describe('cost report timer', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({
      AzureWebJobsStorage: testAzuriteConnectionString(),
      USAGE_FLUSH_INTERVAL_MS: '3600000',
      HEALTH_CHECK_SCHEDULE: '0 0 0 1 1 *',
      COST_REPORT_SCHEDULE: '0 0 0 1 1 *',
    });
  });
  afterAll(async () => api.close());

  async function latestCostReport(since: number) {
    const admin = api.as('ops', ['admin']);
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      const response = await admin.get('/reports/cost/latest');
      if (response.status === 200 && Date.parse(String(response.body.generatedAt)) >= since) return response;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no cost report was stored');
  }

  it('stores a report with the figures of the requests made and index advice, as JSON and Markdown', async () => {
    const user = api.as('report-user');
    for (let i = 0; i < 5; i += 1)
      expect((await user.post('/tasks', { title: `t${i}`, dueDate: '2026-12-01' })).status).toBe(201);
    for (let i = 0; i < 4; i += 1)
      expect((await user.get('/tasks?sort=dueDate&status=todo')).status).toBe(200);
    expect((await api.as('someone-else').get('/tasks')).status).toBe(200);

    const started = Date.now();
    const run = await fetch(`${api.url}/admin/functions/costReport`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input": ""}',
    });
    expect(run.status).toBe(202);
    const report = await latestCostReport(started);
    const body = report.body as unknown as CostReport;
    expect(body.kind).toBe('cost');
    expect(body.ruSource).toBe('estimated');
    expect(body.totals.calls).toBeGreaterThanOrEqual(10);
    expect(body.totals.requestCharge).toBeGreaterThan(5 * 5.71 - 0.01);
    expect(body.totals.cachedQueries).toBeGreaterThanOrEqual(3); // the same list, asked four times
    expect(body.byContainer.map((c) => c.container)).toContain('tasks');
    expect(body.topQueryShapes[0].shape).toMatch(/^SELECT .* FROM c WHERE/);
    expect(JSON.stringify(body.topQueryShapes)).not.toContain('report-user'); // shapes, never values
    expect(body.indexAdvice.suggestions.length).toBeGreaterThan(0);
    expect(body.indexAdvice.suggestions[0].text).toBe(
      'add composite index [/status ASC, /dueDate ASC, /id ASC] to tasks',
    );

    const markdown = await api.as('ops', ['admin']).get('/reports/cost/latest?format=markdown');
    expect(markdown.status).toBe(200);
    expect(markdown.text).toMatch(/^# RU cost report/);
    expect(markdown.text).toContain('## Top 10 query shapes by RU');
    expect(markdown.text).toContain('## Index advice');
    expect(markdown.text).toMatch(/RU are \*\*estimates\*\*/);
  });

  it('is admin-only to read', async () => {
    expect((await api.as('report-user').get('/reports/cost/latest')).status).toBe(403);
  });
});
