// GET /api/metrics end to end: the real function table on the local store over real HTTP, a known set of
// requests, then the figures the route answers, checked against the requests made, the usage recorder and
// the query cache of the process.
import { getSettings } from '../../shared/config/settings';
import { MetricsSnapshot } from '../../shared/metrics/metricsSnapshot';
import { resetMetricsCollection } from '../../shared/metrics/processMetrics';
import { getUsageServices } from '../../shared/usage/usageServices';
import { startApi, type ApiUnderTest } from '../api/apiHarness';

// The timers must not run by themselves, nor the usage flush (its writes would be store calls of their own).
const QUIET = {
  HEALTH_CHECK_SCHEDULE: '0 0 0 1 1 *',
  COST_REPORT_SCHEDULE: '0 0 0 1 1 *',
  USAGE_FLUSH_INTERVAL_MS: '3600000',
};
const ADMIN = ['admin'];

let api: ApiUnderTest;

beforeAll(async () => {
  resetMetricsCollection();
  api = await startApi(QUIET);
});
afterAll(async () => {
  await api.close();
  for (const name of Object.keys(QUIET)) delete process.env[name];
  resetMetricsCollection();
});

async function metrics(): Promise<MetricsSnapshot> {
  const response = await api.as('ops', ADMIN).get('metrics');
  expect(response.status).toBe(200);
  return MetricsSnapshot.parse(response.body);
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const round2 = (value: number): number => Math.round(value * 100) / 100;

test('no identity is 401, a signed-in user without the admin role 403', async () => {
  const anonymous = await api.anonymous.get('metrics');
  expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
  const user = await api.as('metrics-reader', ['reader']).get('metrics');
  expect([user.status, user.body.code]).toEqual([403, 'FORBIDDEN']);
});

test('after 5 creates, 20 lists, 3 misses and 2 health checks: counts per route, RU as recorded, cache hits, health history', async () => {
  const alice = api.as('metrics-alice');
  for (let i = 0; i < 5; i += 1) {
    expect((await alice.post('tasks', { id: `t${i}`, title: `Task ${i}` })).status).toBe(201);
  }
  for (let i = 0; i < 20; i += 1) expect((await alice.get('tasks?limit=10')).status).toBe(200);
  for (let i = 0; i < 3; i += 1) expect((await alice.get(`tasks/missing-${i}`)).status).toBe(404);
  for (let i = 0; i < 2; i += 1) expect((await api.anonymous.get('health')).status).toBe(200);

  const response = await api.as('ops', ADMIN).get('metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const snapshot = MetricsSnapshot.parse(response.body);

  const route = (operation: string) => snapshot.requests.routes.find((r) => r.operation === operation);
  expect(route('POST tasks')).toMatchObject({
    name: 'tasksCreate',
    count: 5,
    clientErrors: 0,
    serverErrors: 0,
  });
  expect(route('GET tasks')).toMatchObject({ count: 20, clientErrors: 0, serverErrors: 0 });
  expect(route('GET tasks/{id}')).toMatchObject({ count: 3, clientErrors: 3, serverErrors: 0 });
  expect(route('GET health')).toMatchObject({ count: 2, clientErrors: 0 });
  // The 401 and the 403 of the first test; this request is counted once it has been answered.
  expect(route('GET metrics')).toMatchObject({ count: 2, clientErrors: 2 });
  expect(snapshot.requests.total).toBe(32);
  expect(snapshot.requests.serverErrors).toBe(0);
  expect(snapshot.requests.perSecond).toBeGreaterThan(0);
  const list = route('GET tasks');
  expect(list?.p50Ms).toBeGreaterThan(0);
  expect(list?.p50Ms).toBeLessThanOrEqual(list?.p99Ms ?? 0);
  expect(list?.p99Ms).toBeLessThanOrEqual(list?.maxMs ?? 0);

  // The timeline holds the same requests, oldest slot first, the last one being now.
  const { points } = snapshot.timeline;
  expect(snapshot.timeline.slotSeconds).toBe(10);
  expect(sum(points.map((p) => p.requests))).toBe(32);
  expect(Date.parse(points.at(-1)?.at ?? '')).toBeLessThanOrEqual(Date.parse(snapshot.generatedAt));
  expect(Date.parse(points.at(-1)?.at ?? '')).toBeGreaterThan(Date.parse(snapshot.generatedAt) - 10_000);

  // The store section is the usage recorder's, to the hundredth of an RU.
  const services = getUsageServices(getSettings());
  expect(snapshot.instanceId).toBe(services.instanceId);
  const rows = services.recorder.snapshot(services.recorder.today()).rows;
  const recorded = new Map<string, number>();
  for (const row of rows) recorded.set(row.container, (recorded.get(row.container) ?? 0) + row.requestCharge);
  expect(Object.fromEntries(snapshot.store.byContainer.map((c) => [c.container, c.requestCharge]))).toEqual(
    Object.fromEntries([...recorded].map(([container, ru]) => [container, round2(ru)])),
  );
  const tasks = snapshot.store.byContainer.find((c) => c.container === 'tasks');
  expect(tasks?.requestCharge).toBeGreaterThan(0);
  expect(snapshot.store.requestCharge).toBe(round2(sum(rows.map((r) => r.requestCharge))));
  // The timeline's RU is the same RU, slot by slot.
  expect(round2(sum(points.map((p) => p.requestCharge)))).toBeCloseTo(snapshot.store.requestCharge, 1);

  // The repeated list was answered by the cache after its first run (no write in between).
  expect(snapshot.cache.hits).toBeGreaterThanOrEqual(19);
  expect(snapshot.cache.hitRate).toBeCloseTo(
    snapshot.cache.hits / (snapshot.cache.hits + snapshot.cache.misses),
    3,
  );
  expect(sum(points.map((p) => p.cacheHits))).toBe(snapshot.cache.hits);
  expect(sum(points.map((p) => p.cacheMisses))).toBe(snapshot.cache.misses);
  const listShape = snapshot.store.topShapes.find((s) => s.container === 'tasks' && s.cachedCalls >= 19);
  expect(listShape?.shape).not.toContain('metrics-alice'); // parameterised: never a value

  expect(snapshot.health.history.map((h) => h.status)).toEqual(['healthy', 'healthy']);
  expect(snapshot.health.latest).toEqual(snapshot.health.history[1]);
  expect(snapshot.backend).toBe('local');
  expect(snapshot.breaker).toEqual({ state: 'none', history: [] });
  expect(snapshot.resilience).toMatchObject({ retries: 0, throttles: 0, timeouts: 0, rejections: 0 });
});

test('the health-check timer lands in the health history too', async () => {
  const before = (await metrics()).health.history.length;
  const run = await fetch(`${api.url}/admin/functions/healthCheck`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: '' }),
  });
  expect(run.status).toBe(202);
  const deadline = Date.now() + 10_000;
  let snapshot = await metrics();
  while (snapshot.health.history.length === before && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    snapshot = await metrics();
  }
  expect(snapshot.health.history).toHaveLength(before + 1);
  expect(snapshot.health.latest?.status).toBe('healthy');
  // A timer is not a request.
  expect(snapshot.requests.routes.some((r) => r.name === 'healthCheck')).toBe(false);
});
