import { freePort } from '../helpers/freePort';
import { startApi, type ApiUnderTest } from '../api/apiHarness';

// The whole API on the Cosmos adapter pointed at a port nobody listens on: the real SDK gets connection
// refused, the breaker opens, and the API answers 503 with Retry-After at once instead of dialling again.

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApi({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: `https://127.0.0.1:${await freePort()}/`,
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_REQUEST_TIMEOUT_MS: '500',
    STORE_BREAKER_THRESHOLD: '2',
    STORE_BREAKER_HALF_OPEN_MS: '5000',
    STORE_RETRY_ATTEMPTS: '0',
  });
});
afterAll(async () => api.close());

test('a dead backend: 503 with Retry-After, fast once the breaker is open; health says unhealthy', async () => {
  const alice = api.as('alice');
  for (let i = 0; i < 2; i++) expect((await alice.get('projects')).status).toBe(503);
  const durations: number[] = [];
  for (let i = 0; i < 40; i++) {
    const started = performance.now();
    const response = await alice.get('projects');
    durations.push(performance.now() - started);
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('STORE_CIRCUIT_OPEN');
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
  }
  const p99 = durations.sort((a, b) => a - b)[Math.ceil(0.99 * durations.length) - 1];
  console.log(`API with the breaker open: 40 requests, p99 ${p99.toFixed(1)} ms`);
  expect(p99).toBeLessThan(100);
  const health = await api.anonymous.get('health');
  expect(health.status).toBe(503);
  expect(health.body.status).toBe('unhealthy');
});
