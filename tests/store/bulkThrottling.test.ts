import { randomUUID } from 'node:crypto';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type { BulkOperation, DocumentStore } from '../../shared/data/documentStore';
import { testCosmosEndpoint, testCosmosSettings, testCosmosSettingsAt } from '../helpers/cosmosTestSettings';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';

// The Cosmos bulk engine under throttling, through the real SDK and the fault proxy in front
// of the real test server. The proxy answers a seeded share of requests 429 + x-ms-retry-after-ms *before*
// forwarding them (the server never sees a throttled request), so "every operation landed exactly once"
// is checked against the server's contents, read directly, not through the proxy.

const figures: string[] = [];
const database = `bulk-throttling-${randomUUID()}`;
let proxy: FaultProxy;
let direct: CosmosDocumentStore;
const opened: DocumentStore[] = [];

beforeAll(async () => {
  proxy = await startFaultProxy({ upstream: testCosmosEndpoint(), seed: 5 });
  direct = new CosmosDocumentStore(testCosmosSettings(database));
  await direct.initialize();
});

afterAll(async () => {
  for (const store of opened) await store.dispose();
  await direct?.dispose();
  await proxy?.close();
  console.log(`bulk throttling figures:\n  ${figures.join('\n  ')}`);
});

beforeEach(() => {
  proxy.clearFaults();
  proxy.resetStats();
});

function storeAtProxy(
  policy: ConstructorParameters<typeof CosmosDocumentStore>[2] = {},
): CosmosDocumentStore {
  const store = new CosmosDocumentStore(
    testCosmosSettingsAt(proxy.endpoint, database, { COSMOS_REQUEST_TIMEOUT_MS: '5000' }),
    {},
    policy,
  );
  opened.push(store);
  return store;
}

const creates = (users: string[], count: number): BulkOperation[] =>
  Array.from({ length: count }, (_, n) => {
    const userId = users[n % users.length];
    return { operationType: 'Create', partitionKey: userId, resourceBody: { id: `d-${n}`, userId, n } };
  });

/** How many documents each user has on the server, read directly (bypassing the proxy). */
async function storedIds(users: string[]): Promise<string[]> {
  const page = await direct.query<string>('tasks', {
    query: 'SELECT VALUE CONCAT(c.userId, "/", c.id) FROM c WHERE ARRAY_CONTAINS(@users, c.userId)',
    parameters: [{ name: '@users', value: users }],
  });
  return page.items;
}

test('30% of bulk requests throttled: 1,200 creates over 10 partitions each land exactly once', async () => {
  const store = storeAtProxy();
  await store.initialize();
  const run = randomUUID().slice(0, 8);
  const users = Array.from({ length: 10 }, (_, n) => `thr-${run}-${n}`);
  proxy.reseed(5);
  const throttle = proxy.inject({
    fault: { kind: 'status', status: 429, retryAfterMs: 20 },
    match: { operations: ['batch'] },
    probability: 0.3,
  });
  const started = performance.now();
  const response = await store.bulk('tasks', creates(users, 1_200));
  const ms = Math.round(performance.now() - started);
  proxy.clearFaults();

  expect(response.results.every((r) => r.statusCode === 201)).toBe(true);
  const ids = await storedIds(users);
  expect(ids).toHaveLength(1_200);
  expect(new Set(ids).size).toBe(1_200);
  expect(throttle.fired).toBeGreaterThan(0);
  // The SDK's bulk executor retries a throttled operation by itself and keeps no record of it (not in the
  // result, not in its diagnostics: it re-batches the operation and attaches only the last request), so
  // throttled counts only what outlived its retries, here usually nothing. The next test makes it visible.
  expect(response.stats.throttled).toBeLessThanOrEqual(throttle.fired);
  figures.push(
    `executor path: 1,200 creates, ${throttle.fired} of ${proxy.stats().byOperation.batch} bulk requests throttled ` +
      `(absorbed by the SDK, stats.throttled ${response.stats.throttled}), ${ms} ms`,
  );
});

test('throttling that outlives the bulk executor retries: the engine backs off, each lands once, throttled > 0', async () => {
  // Every call through the executor, so one request carries all 40 operations each attempt.
  const store = storeAtProxy({ pointOperationsBelow: 0 });
  await store.initialize();
  const run = randomUUID().slice(0, 8);
  const users = Array.from({ length: 4 }, (_, n) => `thr-outlive-${run}-${n}`);
  // The first request and the SDK's 5 retries of its operations (connectionPolicy THROTTLE_RETRY).
  const throttle = proxy.inject({
    fault: { kind: 'status', status: 429, retryAfterMs: 20 },
    match: { operations: ['batch'] },
    times: 6,
  });
  const started = performance.now();
  const response = await store.bulk('tasks', creates(users, 40));
  const ms = Math.round(performance.now() - started);
  proxy.clearFaults();

  expect(throttle.fired).toBe(6);
  expect(response.results.map((r) => r.statusCode)).toEqual(new Array(40).fill(201));
  const ids = await storedIds(users);
  expect(ids).toHaveLength(40);
  expect(new Set(ids).size).toBe(40);
  expect(response.stats.throttled).toBeGreaterThan(0);
  figures.push(
    `executor path, throttling outliving the SDK's retries: 40 creates, ${throttle.fired} throttled requests, ` +
      `stats.throttled ${response.stats.throttled}, ${ms} ms`,
  );
}, 60_000);

test('30% of point requests throttled: a small call (60 creates) lands exactly once, throttled > 0', async () => {
  const store = storeAtProxy();
  await store.initialize();
  const run = randomUUID().slice(0, 8);
  const users = Array.from({ length: 6 }, (_, n) => `thr-small-${run}-${n}`);
  proxy.reseed(6);
  const throttle = proxy.inject({
    fault: { kind: 'status', status: 429, retryAfterMs: 10 },
    match: { operations: ['write'] },
    probability: 0.3,
  });
  const response = await store.bulk('tasks', creates(users, 60));
  proxy.clearFaults();

  expect(response.results.map((r) => r.statusCode)).toEqual(new Array(60).fill(201));
  const ids = await storedIds(users);
  expect(new Set(ids).size).toBe(60);
  expect(ids).toHaveLength(60);
  expect(response.stats.throttled).toBeGreaterThan(0);
  expect(response.stats.throttled).toBeLessThanOrEqual(throttle.fired);
  figures.push(
    `point path: 60 creates, ${throttle.fired} requests throttled, stats.throttled ${response.stats.throttled}`,
  );
});

test('throttling that outlasts every retry: each operation reported 429 THROTTLED after bounded rounds, none stored', async () => {
  const store = storeAtProxy({ throttleRounds: 2, initialBackoffMs: 10 });
  await store.initialize();
  const run = randomUUID().slice(0, 8);
  const users = [`thr-always-${run}-a`, `thr-always-${run}-b`];
  const throttle = proxy.inject({
    fault: { kind: 'status', status: 429, retryAfterMs: 5 },
    match: { operations: ['write'] },
  });
  const response = await store.bulk('tasks', creates(users, 10));
  proxy.clearFaults();

  expect(response.results).toEqual(new Array(10).fill({ statusCode: 429, code: 'THROTTLED' }));
  expect(await storedIds(users)).toEqual([]);
  expect(response.stats.itemCount).toBe(0);
  expect(response.stats.throttled).toBe(throttle.fired);
  // 3 rounds (the first and 2 re-sends) of 10 operations, each attempt retried 5 times by the SDK.
  expect(throttle.fired).toBe(3 * 10 * (1 + 5));
  figures.push(`persistent throttling: 10 creates -> ${throttle.fired} throttled requests, all reported 429`);
});

test('atomic mode under throttling: throttled batches are backed off and re-sent, each lands once', async () => {
  const store = storeAtProxy();
  await store.initialize();
  const run = randomUUID().slice(0, 8);
  const users = Array.from({ length: 5 }, (_, n) => `thr-atomic-${run}-${n}`);
  proxy.reseed(7);
  const throttle = proxy.inject({
    fault: { kind: 'status', status: 429, retryAfterMs: 10 },
    match: { operations: ['batch'] },
    probability: 0.4,
  });
  const response = await store.bulk('tasks', creates(users, 600), { atomic: true });
  proxy.clearFaults();

  expect(response.results.every((r) => r.statusCode === 201)).toBe(true);
  const ids = await storedIds(users);
  expect(ids).toHaveLength(600);
  expect(new Set(ids).size).toBe(600);
  expect(response.stats.throttled).toBeGreaterThan(0);
  figures.push(
    `atomic: 600 creates in ${proxy.stats().byOperation.batch} batch requests, ${throttle.fired} throttled, stats.throttled ${response.stats.throttled}`,
  );
});
