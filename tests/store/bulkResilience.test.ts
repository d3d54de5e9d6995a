import { randomUUID } from 'node:crypto';
import { loadSettings } from '../../shared/config/settings';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type { BulkOperation, DocumentStore } from '../../shared/data/documentStore';
import { ResilientDocumentStore } from '../../shared/resilience/resilientDocumentStore';
import { createJsonLogger } from '../../shared/telemetry/logger';
import { testCosmosEndpoint, testCosmosSettings } from '../helpers/cosmosTestSettings';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';

// Bulk calls through the resilience wrapper as the app composes it (ResilientDocumentStore over the Cosmos
// adapter), against the fault proxy in front of the real test server: one deadline for the whole call,
// in proportion to its size; never retried as a whole; outages count towards the breaker like any call's.

const TIMEOUT_MS = 1_500;
const database = `bulk-resilience-${randomUUID()}`;
let proxy: FaultProxy;
let direct: CosmosDocumentStore;
const opened: DocumentStore[] = [];

beforeAll(async () => {
  proxy = await startFaultProxy({ upstream: testCosmosEndpoint(), seed: 3 });
  direct = new CosmosDocumentStore(testCosmosSettings(database));
  await direct.initialize();
});

afterAll(async () => {
  proxy?.endBlackHole();
  for (const store of opened) await store.dispose();
  await direct?.dispose();
  await proxy?.close();
});

beforeEach(() => {
  proxy.clearFaults();
  proxy.resetStats();
});

interface Guarded {
  store: ResilientDocumentStore;
  /** How many bulk calls reached the adapter. */
  innerBulkCalls: () => number;
}

/** The production composition against the proxy, with a short operation timeout and breaker. */
async function guarded(): Promise<Guarded> {
  const settings = loadSettings({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: proxy.endpoint,
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: database,
    // Longer than the deadlines here: the wrapper, not the SDK, must be what gives up.
    COSMOS_REQUEST_TIMEOUT_MS: '20000',
    STORE_OPERATION_TIMEOUT_MS: String(TIMEOUT_MS),
    STORE_RETRY_ATTEMPTS: '2',
    STORE_BREAKER_THRESHOLD: '3',
    STORE_BREAKER_HALF_OPEN_MS: '60000',
  });
  const cosmos = new CosmosDocumentStore(settings.cosmos);
  await cosmos.initialize();
  let calls = 0;
  // A spy, not a fake: every call reaches the real adapter.
  const counted = new Proxy(cosmos, {
    get(target, property, receiver) {
      if (property === 'bulk') {
        return (...args: Parameters<DocumentStore['bulk']>) => {
          calls += 1;
          return target.bulk(...args);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  const store = new ResilientDocumentStore(
    counted,
    settings.resilience,
    createJsonLogger('error', () => undefined),
  );
  opened.push(store);
  return { store, innerBulkCalls: () => calls };
}

const creates = (userId: string, count: number): BulkOperation[] =>
  Array.from({ length: count }, (_, n) => ({
    operationType: 'Create',
    partitionKey: userId,
    resourceBody: { id: `d-${n}`, userId },
  }));

async function storedCount(userId: string): Promise<number> {
  const page = await direct.query<number>('tasks', {
    query: 'SELECT VALUE COUNT(1) FROM c WHERE c.userId = @u',
    parameters: [{ name: '@u', value: userId }],
  });
  return page.items[0] ?? 0;
}

test('an outage of the whole call reaches the adapter once (never retried as a whole) and is 503', async () => {
  const { store, innerBulkCalls } = await guarded();
  const user = `outage-${randomUUID()}`;
  proxy.inject({ fault: { kind: 'status', status: 503 }, match: { operations: ['write', 'batch'] } });

  await expect(store.bulk('tasks', creates(user, 5))).rejects.toMatchObject({
    status: 503,
    category: 'CONNECTION',
  });
  await expect(store.bulk('tasks', creates(user, 150))).rejects.toMatchObject({ status: 503 });
  proxy.clearFaults();
  expect(innerBulkCalls()).toBe(2);
  expect(await storedCount(user)).toBe(0);
});

test('the deadline bounds the whole call, in proportion to its size: operationTimeoutMs per started 1,000 operations', async () => {
  const { store } = await guarded();
  const user = `deadline-${randomUUID()}`;
  const timed = async (count: number): Promise<{ ms: number; code: unknown }> => {
    const started = performance.now();
    const code = await store.bulk('tasks', creates(user, count)).then(
      () => 'ok',
      (error: { code?: unknown }) => error.code,
    );
    return { ms: performance.now() - started, code };
  };
  const ending = proxy.blackHole();
  const small = await timed(300);
  const large = await timed(1_200);
  proxy.endBlackHole();
  await ending;

  expect(small.code).toBe('STORE_TIMEOUT');
  expect(large.code).toBe('STORE_TIMEOUT');
  expect(small.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  expect(small.ms).toBeLessThan(TIMEOUT_MS + 1_000);
  expect(large.ms).toBeGreaterThanOrEqual(2 * TIMEOUT_MS - 50);
  expect(large.ms).toBeLessThan(2 * TIMEOUT_MS + 1_000);
});

test('bulk outages open the breaker; then bulk calls fail fast without reaching the adapter', async () => {
  const { store, innerBulkCalls } = await guarded();
  const user = `breaker-${randomUUID()}`;
  proxy.inject({ fault: { kind: 'status', status: 503 }, match: { operations: ['write', 'batch'] } });
  for (let i = 0; i < 3; i++) {
    await expect(store.bulk('tasks', creates(user, 3))).rejects.toMatchObject({ status: 503 });
  }
  expect(store.breakerState()).toBe('open');
  const started = performance.now();
  await expect(store.bulk('tasks', creates(user, 3))).rejects.toMatchObject({ code: 'STORE_CIRCUIT_OPEN' });
  expect(performance.now() - started).toBeLessThan(50);
  expect(innerBulkCalls()).toBe(3);
  proxy.clearFaults();
});

test('throttling that outlasts the deadline ends as per-item 429 THROTTLED before it, not as a timeout; breaker closed', async () => {
  const { store } = await guarded();
  const user = `throttled-${randomUUID()}`;
  const throttle = proxy.inject({
    fault: { kind: 'status', status: 429, retryAfterMs: 5 },
    match: { operations: ['write'] },
  });
  const started = performance.now();
  const response = await store.bulk('tasks', creates(user, 10));
  const ms = performance.now() - started;
  proxy.clearFaults();

  expect(response.results).toEqual(new Array(10).fill({ statusCode: 429, code: 'THROTTLED' }));
  // The engine stopped re-sending in time: the wrapper passed it 80% of the deadline.
  expect(ms).toBeLessThan(TIMEOUT_MS);
  expect(response.stats.throttled).toBe(throttle.fired);
  expect(store.breakerState()).toBe('closed');
  expect(await storedCount(user)).toBe(0);
});
