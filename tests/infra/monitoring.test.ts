// The operations workbook and the health alert query read the app's telemetry by name. These checks keep
// those names tied to the code that sends them, so a rename breaks here instead of in an empty chart.
import fs from 'node:fs';
import path from 'node:path';
import { INFRA_DIR } from './bicepSource';

const ROOT = path.join(__dirname, '..', '..');
const read = (relative: string) => fs.readFileSync(path.join(ROOT, relative), 'utf8');

interface WorkbookItem {
  type: number;
  name: string;
  content: { query?: string; resourceType?: string; queryType?: number; visualization?: string };
}

const workbook = JSON.parse(fs.readFileSync(path.join(INFRA_DIR, 'modules', 'workbook.json'), 'utf8')) as {
  version: string;
  items: WorkbookItem[];
};
const queryItems = workbook.items.filter((item) => item.type === 3);
const alertQuery = fs.readFileSync(
  path.join(INFRA_DIR, 'modules', 'queries', 'health-unhealthy.kql'),
  'utf8',
);
const allQueries = [...queryItems.map((item) => item.content.query ?? ''), alertQuery];
const telemetryNames = read('shared/telemetry/telemetryNames.ts');

/** The KQL without // comments and string literals, for bracket counting. */
function kqlCode(query: string): string {
  return query
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .join('\n')
    .replace(/@?"(?:[^"\\]|\\.)*"/g, '""');
}

test('the workbook is a workbook of Application Insights queries, one per chart', () => {
  expect(workbook.version).toBe('Notebook/1.0');
  expect(queryItems.length).toBeGreaterThanOrEqual(10);
  for (const item of queryItems) {
    expect({ name: item.name, ...item.content, query: undefined }).toMatchObject({
      resourceType: 'microsoft.insights/components',
      queryType: 0,
      visualization: expect.stringMatching(/^(timechart|table|barchart)$/),
    });
  }
  expect(new Set(workbook.items.map((i) => i.name)).size).toBe(workbook.items.length);
});

test('it charts what operations asks for', () => {
  const names = queryItems.map((item) => item.name);
  expect(names).toEqual(
    expect.arrayContaining([
      'ru-by-container',
      'ru-by-query-shape',
      'api-latency',
      'store-latency',
      'throttles',
      'breaker-state',
      'breaker-transitions',
      'health-status',
      'daily-cost-reports',
      'daily-cost-estimate',
    ]),
  );
  const query = (name: string) => queryItems.find((item) => item.name === name)!.content.query!;
  expect(query('ru-by-query-shape')).toMatch(/by container, operation, shape/);
  expect(query('api-latency')).toMatch(/percentile\(duration, 95\)/);
});

test('every query has balanced brackets and quotes', () => {
  for (const query of allQueries) {
    const code = kqlCode(query);
    expect({ query, quotes: (query.replace(/\/\/.*$/gm, '').match(/"/g) ?? []).length % 2 }).toMatchObject({
      quotes: 0,
    });
    for (const [open, close] of [
      ['(', ')'],
      ['[', ']'],
      ['{', '}'],
    ]) {
      expect({ query, open, balance: code.split(open).length - code.split(close).length }).toMatchObject({
        balance: 0,
      });
    }
  }
});

test('every metric and event name a query reads is one shared/telemetry/telemetryNames.ts defines', () => {
  const metrics = new Set(
    allQueries.flatMap((q) => [...q.matchAll(/"(lifetracker\.[a-z_.]*[a-z_])"/g)].map((m) => m[1])),
  );
  const events = new Set(
    allQueries.flatMap((q) => [...q.matchAll(/customEvents\s*\|\s*where name == "(\w+)"/g)].map((m) => m[1])),
  );
  expect(metrics.size).toBeGreaterThanOrEqual(5);
  expect([...events].sort()).toEqual(['BreakerTransition', 'CostReport', 'HealthCheck']);
  for (const name of [...metrics, ...events]) {
    expect({ name, defined: telemetryNames.includes(`'${name}'`) }).toEqual({ name, defined: true });
  }
});

test('the event properties the queries read are the ones the code sends', () => {
  const fields = (event: string) =>
    new Set(
      allQueries
        .filter((q) => q.includes(`where name == "${event}"`))
        .flatMap((q) => [...q.matchAll(/customDimensions\.(\w+)/g)].map((m) => m[1])),
    );
  const senders: Record<string, string> = {
    CostReport: read('functions/costReport.ts'),
    HealthCheck: read('functions/health.ts'),
    BreakerTransition: read('shared/telemetry/storeTelemetry.ts'),
  };
  for (const [event, source] of Object.entries(senders)) {
    expect(fields(event).size).toBeGreaterThan(0);
    for (const field of fields(event)) {
      expect({ event, field, sent: new RegExp(`\\b${field}:`).test(source) }).toEqual({
        event,
        field,
        sent: true,
      });
    }
  }
  // The status the alert looks for is one the health check reports.
  expect(read('shared/health/checkHealth.ts')).toMatch(/'unhealthy'/);
});

test('the log lines the queries fall back on are the ones the code writes', () => {
  expect(allQueries.some((q) => q.includes('startswith "health check"'))).toBe(true);
  expect(read('functions/health.ts')).toMatch(/log\.(info|warn)\('health check'/);
  expect(allQueries.some((q) => q.includes('startswith "cost report"'))).toBe(true);
  expect(read('functions/costReport.ts')).toMatch(/log\.info\('cost report'/);
  expect(allQueries.some((q) => q.includes('has "store breaker"'))).toBe(true);
  const resilience = read('shared/resilience/resilientDocumentStore.ts');
  expect(resilience).toContain('`store ${event.type}`');
  expect(resilience).toMatch(/type: 'breaker'/);
  // GET /api/health is the function named health: the requests the alert counts.
  expect(alertQuery).toMatch(/requests\s*\|\s*where name == "health" and resultCode == "503"/);
  expect(read('functions/health.ts')).toMatch(/name: 'health',\s*route: 'health'/);
});
