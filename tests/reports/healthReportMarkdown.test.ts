// The readable rendering of a stored health report, for the states a store can be in.
import type { HealthReport } from '../../shared/health/checkHealth';
import { renderHealthReportMarkdown, storedHealthReport } from '../../shared/reports/healthReport';
import { StoredHealthReportSchema } from '../../shared/reports/healthReportSchema';

const at = new Date('2026-11-27T09:45:00.000Z');

const degradedCosmos: HealthReport = {
  status: 'degraded',
  backend: 'cosmos',
  checkedAt: '2026-11-27T09:44:59.900Z',
  latencyMs: 41.256,
  checks: {
    store: {
      ok: true,
      backend: 'cosmos',
      latencyMs: 40.5,
      containers: [
        { name: 'tasks', ok: true },
        { name: 'fitness', ok: false, error: 'Owner resource does not exist | code 404\nsecond line' },
      ],
      breaker: {
        state: 'half-open',
        lastFailure: { code: 'STORE_UNAVAILABLE', at: '2026-11-27T09:40:00.000Z' },
      },
    },
  },
};

test('the stored report is the health report plus when it was stored, and matches its schema', () => {
  const stored = storedHealthReport(degradedCosmos, at);
  expect(stored).toEqual({ ...degradedCosmos, reportedAt: '2026-11-27T09:45:00.000Z' });
  expect(StoredHealthReportSchema.safeParse(stored).success).toBe(true);
});

test('status, backend, latency, each container check and the breaker, each on its own line', () => {
  const markdown = renderHealthReportMarkdown(storedHealthReport(degradedCosmos, at));
  expect(markdown).toMatch(/^# Health report: degraded\n/);
  expect(markdown).toContain('| Status | **degraded** |');
  expect(markdown).toContain('| Backend | cosmos |');
  expect(markdown).toContain('| Latency | 41.26 ms |');
  expect(markdown).toContain('| Reported at | 2026-11-27T09:45:00.000Z |');
  expect(markdown).toContain('| tasks | yes |  |');
  // A pipe or a line break in an error message stays inside its table cell.
  expect(markdown).toContain('| fitness | no | Owner resource does not exist \\| code 404 second line |');
  expect(markdown).toContain(
    'State: **half-open**. Last connection failure: STORE_UNAVAILABLE at 2026-11-27T09:40:00.000Z.',
  );
  expect(markdown.endsWith('\n')).toBe(true);
});

test('a store that could not be opened', () => {
  const report: HealthReport = {
    status: 'unhealthy',
    backend: 'cosmos',
    checkedAt: at.toISOString(),
    latencyMs: 20000,
    checks: { store: { ok: false, error: 'the store did not answer within 20000 ms' } },
  };
  const markdown = renderHealthReportMarkdown(storedHealthReport(report, at));
  expect(markdown).toContain('# Health report: unhealthy');
  expect(markdown).toContain('### Store: failing');
  expect(markdown).toContain('did not answer in time: the store did not answer within 20000 ms');
  expect(markdown).toContain('Unknown: the store did not answer.');
});

test('a store without a breaker says so', () => {
  const report: HealthReport = {
    status: 'healthy',
    backend: 'local',
    checkedAt: at.toISOString(),
    latencyMs: 1,
    checks: { store: { ok: true, backend: 'local', latencyMs: 0.5, containers: [] } },
  };
  expect(renderHealthReportMarkdown(storedHealthReport(report, at))).toContain(
    'None: the local store is not guarded by a circuit breaker.',
  );
});
