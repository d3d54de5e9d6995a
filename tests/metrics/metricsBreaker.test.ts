// The breaker and health history of GET /api/metrics on the Cosmos store, end to end: the API on the real
// SDK through the fault proxy to the Cosmos test server. A black hole opens the breaker, the end of it
// closes it again, and the route's history shows exactly that, with the health checks made meanwhile.
import { randomUUID } from 'node:crypto';
import { MetricsSnapshot } from '../../shared/metrics/metricsSnapshot';
import { resetMetricsCollection } from '../../shared/metrics/processMetrics';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { testCosmosEndpoint } from '../helpers/cosmosTestSettings';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';

const HALF_OPEN_MS = 1000;
// Small timeouts so the outage is short; startApi clears COSMOS_ and DATA_ variables, not these.
const STORE_ENV = {
  STORE_OPERATION_TIMEOUT_MS: '900',
  STORE_RETRY_ATTEMPTS: '2',
  STORE_BREAKER_THRESHOLD: '2',
  STORE_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
  COST_REPORT_SCHEDULE: '0 0 0 1 1 *',
  USAGE_FLUSH_INTERVAL_MS: '3600000',
};

let proxy: FaultProxy;
let api: ApiUnderTest;

beforeAll(async () => {
  proxy = await startFaultProxy({ upstream: testCosmosEndpoint(), seed: 5 });
  resetMetricsCollection();
  api = await startApi({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: proxy.endpoint,
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: `metrics-${randomUUID()}`,
    COSMOS_REQUEST_TIMEOUT_MS: '1000',
    HEALTH_CHECK_SCHEDULE: '0 0 0 1 1 *',
    ...STORE_ENV,
  });
});

afterAll(async () => {
  proxy?.endBlackHole();
  await api?.close();
  await proxy?.close();
  for (const name of Object.keys(STORE_ENV)) delete process.env[name];
  resetMetricsCollection();
});

async function metrics(): Promise<MetricsSnapshot> {
  const response = await api.as('ops', ['admin']).get('metrics');
  expect(response.status).toBe(200);
  return MetricsSnapshot.parse(response.body);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test('a black hole opens the breaker and its end closes it: the history shows open, then closed; health follows', async () => {
  const alice = api.as(`metrics-${randomUUID()}`);
  const id = randomUUID();
  expect((await alice.post('projects', { id, name: 'Before the outage' })).status).toBe(201);
  const before = await metrics();
  expect(before.backend).toBe('cosmos');
  expect(before.breaker).toEqual({ state: 'closed', history: [] });
  expect(before.store.byContainer.find((c) => c.container === 'projects')?.requestCharge).toBeGreaterThan(0);

  const ended = proxy.blackHole();
  const statuses: number[] = [];
  for (let i = 0; i < 10; i += 1) statuses.push((await alice.get(`projects/${id}`)).status);
  const duringOutage = await api.anonymous.get('health');
  const whileOpen = await metrics();
  proxy.endBlackHole();
  await ended;

  expect(statuses.every((status) => status === 503)).toBe(true);
  expect(duringOutage.status).toBe(503);
  expect(whileOpen.breaker.state).toBe('open');
  expect(whileOpen.breaker.history[0].state).toBe('open');

  // Recovery: the first request after the half-open delay is the probe that closes the breaker.
  const deadline = Date.now() + HALF_OPEN_MS + 5000;
  let recovered = false;
  while (!recovered && Date.now() < deadline) {
    recovered = (await alice.get(`projects/${id}`)).status === 200;
    if (!recovered) await sleep(100);
  }
  expect(recovered).toBe(true);
  expect((await api.anonymous.get('health')).status).toBe(200);

  const after = await metrics();
  const states = after.breaker.history.map((transition) => transition.state);
  expect(states[0]).toBe('open');
  expect(states.at(-1)).toBe('closed');
  expect(states).toContain('half-open');
  const times = after.breaker.history.map((transition) => Date.parse(transition.at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(after.breaker.state).toBe('closed');

  // What the outage did, as the figures tell it.
  const read = after.requests.routes.find((route) => route.operation === 'GET projects/{id}');
  expect(read?.serverErrors).toBeGreaterThanOrEqual(10);
  expect(after.requests.serverErrors).toBeGreaterThanOrEqual(11); // and the unhealthy health check
  expect(after.resilience.timeouts).toBeGreaterThan(0);
  expect(after.resilience.rejections).toBeGreaterThan(0);
  expect(after.resilience.counters['breaker:open']).toBeGreaterThanOrEqual(1);
  expect(after.store.failedCalls).toBeGreaterThan(0);
  expect(after.timeline.points.reduce((n, p) => n + p.serverErrors, 0)).toBe(after.requests.serverErrors);
  expect(after.health.history.map((point) => point.status)).toEqual(['unhealthy', 'healthy']);
  expect(after.health.latest?.status).toBe('healthy');
});
