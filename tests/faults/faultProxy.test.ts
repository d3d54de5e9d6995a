import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import { THROTTLE_RETRY } from '../../shared/data/cosmos/connectionPolicy';
import { appErrorOf } from '../helpers/appErrorOf';
import { testCosmosEndpoint, testCosmosSettingsAt } from '../helpers/cosmosTestSettings';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';

// The fault proxy between the real @azure/cosmos SDK (through CosmosDocumentStore) and the Cosmos test
// server: each fault kind, observed from the SDK's side, with the figures printed at the end. These are
// the building blocks of the resilience scenarios (issue 4); they assert what the SDK and the error
// mapper do today, so a change in either shows up here.

const figures: string[] = [];
const figure = (line: string): void => {
  figures.push(line);
};

const user = (): string => `user-${randomUUID()}`;
const elapsed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await work();
  return [result, Math.round(performance.now() - started)];
};

/** The port an https.request call was aimed at (the SDK passes an options object). */
function portOf(target: unknown): number | undefined {
  if (target instanceof URL) return Number(target.port);
  if (typeof target === 'string') return Number(new URL(target).port);
  const port = (target as { port?: unknown } | undefined)?.port;
  return port === undefined ? undefined : Number(port);
}

let proxy: FaultProxy;
let store: CosmosDocumentStore;
const database = `faults-${randomUUID()}`;

beforeAll(async () => {
  proxy = await startFaultProxy({ upstream: testCosmosEndpoint(), seed: 7 });
  store = new CosmosDocumentStore(
    testCosmosSettingsAt(proxy.endpoint, database, { COSMOS_REQUEST_TIMEOUT_MS: '3000' }),
  );
  await store.initialize();
});

afterAll(async () => {
  await store?.dispose();
  await proxy?.close();
  console.log(`fault proxy figures:\n  ${figures.join('\n  ')}`);
});

beforeEach(() => {
  proxy.clearFaults();
  proxy.resetStats();
});

describe('no faults', () => {
  test('create, read, query and batch work through the proxy, and every SDK request went through it', async () => {
    // A wiretap on https.request: every HTTPS request in this process (the SDK's and the proxy's own
    // upstream ones) with the port it was aimed at. jest.spyOn calls through to the real function.
    const wiretap = jest.spyOn(https, 'request');
    try {
      const u = user();
      const created = await store.create('tasks', { id: randomUUID(), userId: u, title: 'a' });
      const read = await store.read('tasks', created.resource.id, u);
      expect(read.resource?.title).toBe('a');
      const page = await store.query('tasks', {
        query: 'SELECT * FROM c WHERE c.userId = @u',
        parameters: [{ name: '@u', value: u }],
      });
      expect(page.items).toHaveLength(1);
      const batch = await store.batch('tasks', u, [
        { operationType: 'Create', resourceBody: { id: randomUUID(), userId: u } },
        { operationType: 'Read', id: created.resource.id },
      ]);
      expect(batch.succeeded).toBe(true);

      const ports = wiretap.mock.calls.map((call) => portOf(call[0]));
      const toProxy = ports.filter((p) => p === proxy.port).length;
      const toServer = ports.filter((p) => p === proxy.upstreamPort).length;
      const stats = proxy.stats();
      // Every request aimed at the server is one the proxy forwarded; every SDK request reached the proxy.
      expect(toServer).toBe(stats.forwarded);
      expect(toProxy).toBe(stats.requestsSeen);
      expect(ports.length).toBe(toProxy + toServer);
      expect(stats.forwarded).toBe(stats.requestsSeen);
      expect(stats.answered).toBe(stats.requestsSeen);
      expect(stats.byOperation.write).toBeGreaterThanOrEqual(1);
      expect(stats.byOperation.read).toBeGreaterThanOrEqual(1);
      expect(stats.byOperation.query).toBeGreaterThanOrEqual(1);
      expect(stats.byOperation.batch).toBe(1);
      expect(stats.onPooledConnections).toBeGreaterThan(0);
      // Discovery happened once (in initialize); no operation re-read the account.
      expect(stats.byOperation.account).toBe(0);
      figure(
        `no faults: ${stats.requestsSeen} SDK requests, all via the proxy (${JSON.stringify(stats.byOperation)}), ` +
          `${stats.connectionsAccepted} new connections, ${stats.onPooledConnections} requests on pooled ones`,
      );
    } finally {
      wiretap.mockRestore();
    }
  });

  test('without the account rewrite the SDK bypasses the proxy after discovery (why the rewrite exists)', async () => {
    const bare = await startFaultProxy({ upstream: testCosmosEndpoint(), rewriteAccountLocations: false });
    const bypassing = new CosmosDocumentStore(testCosmosSettingsAt(bare.endpoint, database));
    const wiretap = jest.spyOn(https, 'request');
    try {
      const u = user();
      await bypassing.create('tasks', { id: randomUUID(), userId: u });
      const stats = bare.stats();
      const ports = wiretap.mock.calls.map((call) => portOf(call[0]));
      expect(stats.byOperation.account).toBeGreaterThanOrEqual(1);
      expect(stats.requestsSeen).toBe(stats.byOperation.account + stats.byOperation.metadata);
      expect(stats.byOperation.write).toBe(0);
      // The create went straight to the server: more requests aimed at it than the proxy forwarded.
      expect(ports.filter((p) => p === bare.upstreamPort).length).toBeGreaterThan(stats.forwarded);
      figure(`without rewrite: proxy saw ${JSON.stringify(stats.byOperation)}; the create bypassed it`);
    } finally {
      wiretap.mockRestore();
      await bypassing.dispose();
      await bare.close();
    }
  });
});

describe('429 throttling', () => {
  test('a fraction of requests throttled: the SDK retries them itself and every call succeeds', async () => {
    const rule = proxy.inject({
      fault: { kind: 'status', status: 429, retryAfterMs: 5 },
      match: { operations: ['read', 'query', 'write', 'batch'] },
      probability: 0.3,
    });
    const u = user();
    const ids: string[] = [];
    const [, ms] = await elapsed(async () => {
      for (let i = 0; i < 30; i += 1) {
        const id = randomUUID();
        ids.push(id);
        await store.create('tasks', { id, userId: u, n: i });
        expect((await store.read('tasks', id, u)).resource?.n).toBe(i);
      }
    });
    const all = await store.query('tasks', {
      query: 'SELECT VALUE c.id FROM c WHERE c.userId = @u',
      parameters: [{ name: '@u', value: u }],
    });
    expect([...all.items].sort()).toEqual([...ids].sort());
    const stats = proxy.stats();
    expect(stats.faults.status429).toBe(rule.fired);
    expect(stats.faults.status429).toBeGreaterThan(5);
    // Each throttled request was sent again by the SDK: seen = forwarded + throttled.
    expect(stats.requestsSeen).toBe(stats.forwarded + stats.faults.status429);
    figure(
      `429 at 30%: 61 calls all succeeded in ${ms} ms; ${stats.faults.status429} of ${stats.requestsSeen} requests throttled and retried by the SDK`,
    );
  });

  test('only writes throttled: reads are untouched', async () => {
    const u = user();
    const id = randomUUID();
    await store.create('tasks', { id, userId: u });
    proxy.resetStats();
    proxy.inject({
      fault: { kind: 'status', status: 429, retryAfterMs: 5 },
      match: { operations: ['write'] },
    });
    await store.read('tasks', id, u);
    expect(proxy.stats().faults.status429).toBe(0);
    const error = await appErrorOf(store.create('tasks', { id: randomUUID(), userId: u }));
    expect(error.category).toBe('THROTTLE');
  });

  test('every request throttled: THROTTLE AppError (429, retryable, retryAfterMs) after the SDK gave up', async () => {
    const u = user();
    const id = randomUUID();
    await store.create('tasks', { id, userId: u });
    proxy.resetStats();
    proxy.inject({
      fault: { kind: 'status', status: 429, retryAfterMs: 20 },
      match: { operations: ['read'] },
    });
    const [error, ms] = await elapsed(() => appErrorOf(store.read('tasks', id, u)));
    expect({
      category: error.category,
      status: error.status,
      retryable: error.retryable,
      retryAfterMs: error.retryAfterMs,
    }).toEqual({ category: 'THROTTLE', status: 429, retryable: true, retryAfterMs: 20 });
    // One attempt plus the SDK's configured throttling retries (connectionPolicy.THROTTLE_RETRY).
    expect(proxy.stats().faults.status429).toBe(THROTTLE_RETRY.maxRetryAttemptCount + 1);
    expect(ms).toBeGreaterThanOrEqual(THROTTLE_RETRY.maxRetryAttemptCount * 20 - 5);
    figure(
      `429 always: read failed THROTTLE after ${proxy.stats().faults.status429} attempts in ${ms} ms (retry-after 20 ms)`,
    );
  });
});

describe('503 and 408', () => {
  test('503 on every read: the SDK retries once, then CONNECTION (503, retryable)', async () => {
    const u = user();
    const id = randomUUID();
    await store.create('tasks', { id, userId: u });
    proxy.resetStats();
    proxy.inject({ fault: { kind: 'status', status: 503 }, match: { operations: ['read'] } });
    const [error, ms] = await elapsed(() => appErrorOf(store.read('tasks', id, u)));
    expect({ category: error.category, status: error.status, retryable: error.retryable }).toEqual({
      category: 'CONNECTION',
      status: 503,
      retryable: true,
    });
    const readAttempts = proxy.stats().faults.status503;
    figure(`503 always: read failed CONNECTION after ${readAttempts} attempts in ${ms} ms`);
    expect(readAttempts).toBe(2);
  });

  test('503 on writes: not retried by the SDK; the write did not happen', async () => {
    const u = user();
    const id = randomUUID();
    proxy.inject({ fault: { kind: 'status', status: 503 }, match: { operations: ['write'] } });
    const error = await appErrorOf(store.create('tasks', { id, userId: u }));
    expect(error.category).toBe('CONNECTION');
    expect(proxy.stats().faults.status503).toBe(1);
    proxy.clearFaults();
    expect((await store.read('tasks', id, u)).resource).toBeUndefined();
    figure('503 on create: 1 attempt (writes are not retried on 503), CONNECTION');
  });

  test('503 for the next request only: the read succeeds on the SDK retry', async () => {
    const u = user();
    const id = randomUUID();
    await store.create('tasks', { id, userId: u });
    proxy.resetStats();
    const rule = proxy.inject({
      fault: { kind: 'status', status: 503 },
      match: { operations: ['read'] },
      times: 1,
    });
    expect((await store.read('tasks', id, u)).resource?.id).toBe(id);
    expect(rule.fired).toBe(1);
  });

  test('408 after forwarding on a create: TIMEOUT, not retried, and the write did land', async () => {
    const u = user();
    const id = randomUUID();
    proxy.inject({
      fault: { kind: 'status', status: 408, phase: 'afterForward' },
      match: { operations: ['write'] },
    });
    const error = await appErrorOf(store.create('tasks', { id, userId: u }));
    expect({ category: error.category, status: error.status }).toEqual({ category: 'TIMEOUT', status: 503 });
    const stats = proxy.stats();
    expect(stats.faults.status408).toBe(1);
    proxy.clearFaults();
    expect((await store.read('tasks', id, u)).resource?.id).toBe(id);
    figure(`408 after forwarding on create: ${stats.faults.status408} attempt, TIMEOUT, the write landed`);
  });
});

describe('connection resets', () => {
  test('reset of a read on a pooled connection: the SDK retries it (default retry policy) and succeeds', async () => {
    const u = user();
    const id = randomUUID();
    await store.create('tasks', { id, userId: u });
    proxy.resetStats();
    const rule = proxy.inject({
      fault: { kind: 'reset', phase: 'beforeForward' },
      match: { operations: ['read'] },
      times: 1,
    });
    const [read, ms] = await elapsed(() => store.read('tasks', id, u));
    expect(read.resource?.id).toBe(id);
    expect(rule.fired).toBe(1);
    const reset = proxy.requests().find((r) => r.events.includes('reset:beforeForward'));
    // The SDK had a pooled connection from the create: the reset hit it, not a fresh one.
    expect(reset?.connectionRequestIndex).toBeGreaterThan(0);
    figure(`reset read (pooled connection): retried by the SDK, succeeded in ${ms} ms`);
  });

  test('reset before forwarding a create: CONNECTION AppError, and nothing was written', async () => {
    const u = user();
    const id = randomUUID();
    proxy.inject({ fault: { kind: 'reset', phase: 'beforeForward' }, match: { operations: ['write'] } });
    const [error, ms] = await elapsed(() => appErrorOf(store.create('tasks', { id, userId: u })));
    expect({ category: error.category, retryable: error.retryable }).toEqual({
      category: 'CONNECTION',
      retryable: true,
    });
    expect(proxy.stats().faults.resetBeforeForward).toBe(1);
    proxy.clearFaults();
    expect((await store.read('tasks', id, u)).resource).toBeUndefined();
    figure(`reset before forwarding create: CONNECTION in ${ms} ms, 1 attempt, not written`);
  });

  test('reset after forwarding a create: CONNECTION AppError, but the write landed (exactly once)', async () => {
    const u = user();
    const id = randomUUID();
    proxy.inject({ fault: { kind: 'reset', phase: 'afterForward' }, match: { operations: ['write'] } });
    const error = await appErrorOf(store.create('tasks', { id, userId: u }));
    expect(error.category).toBe('CONNECTION');
    expect(proxy.stats().faults.resetAfterForward).toBe(1);
    proxy.clearFaults();
    const stored = await store.query('tasks', {
      query: 'SELECT VALUE c.id FROM c WHERE c.userId = @u',
      parameters: [{ name: '@u', value: u }],
    });
    expect(stored.items).toEqual([id]);
    // A caller that retries the create now meets its own write: 409, the "it landed" signal.
    expect((await appErrorOf(store.create('tasks', { id, userId: u }))).category).toBe('CONFLICT');
    figure('reset after forwarding create: CONNECTION to the caller, stored once; a retry answers CONFLICT');
  });
});

describe('latency', () => {
  test('fixed latency before forwarding shows in durationMs', async () => {
    const u = user();
    const id = randomUUID();
    await store.create('tasks', { id, userId: u });
    const baseline = (await store.read('tasks', id, u)).stats.durationMs;
    proxy.inject({ fault: { kind: 'latency', ms: 250 }, match: { operations: ['read'] } });
    const slow = (await store.read('tasks', id, u)).stats.durationMs;
    expect(slow - baseline).toBeGreaterThanOrEqual(240);
    expect(slow - baseline).toBeLessThan(1000);
    figure(`latency +250 ms before forwarding: read ${baseline} ms -> ${slow} ms`);
  });

  test('random latency before answering is reproducible with the same seed', async () => {
    const u = user();
    const id = randomUUID();
    await store.create('tasks', { id, userId: u });
    const run = async (): Promise<string[]> => {
      proxy.clearFaults();
      proxy.resetStats();
      proxy.reseed(42);
      proxy.inject({
        fault: { kind: 'latency', ms: { min: 5, max: 60 }, phase: 'beforeAnswer' },
        match: { operations: ['read'] },
        probability: 0.5,
      });
      for (let i = 0; i < 8; i += 1) await store.read('tasks', id, u);
      return proxy.requests().map((r) => r.events.join(','));
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first.some((e) => e.startsWith('latency'))).toBe(true);
    figure(
      `seeded random latency (seed 42): ${first.filter((e) => e.startsWith('latency')).length}/8 reads delayed, same both runs`,
    );
  });
});

describe('black hole', () => {
  // 100 ms is the smallest COSMOS_REQUEST_TIMEOUT_MS the settings accept: the SDK's timeout retries of
  // reads multiply it (see below), and the file must stay well under a minute.
  const TIMEOUT_MS = 100;
  let fast: CosmosDocumentStore;
  beforeAll(async () => {
    fast = new CosmosDocumentStore(
      testCosmosSettingsAt(proxy.endpoint, database, { COSMOS_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) }),
    );
  });
  afterAll(async () => fast?.dispose());

  test('during it: a write fails TIMEOUT after one attempt, a read or query only after the SDK retried ~120 times; after it calls succeed', async () => {
    const u = user();
    const id = randomUUID();
    await fast.create('tasks', { id, userId: u }); // discovery done, pooled connections open
    proxy.resetStats();
    const ended = proxy.blackHole();
    const timed = async (work: () => Promise<unknown>): Promise<[string, number]> => {
      const [error, ms] = await elapsed(() => appErrorOf(work()));
      return [error.category, ms];
    };
    const [[createCategory, createMs], [readCategory, readMs], [queryCategory, queryMs]] = await Promise.all([
      timed(() => fast.create('tasks', { id: randomUUID(), userId: u })),
      timed(() => fast.read('tasks', id, u)),
      timed(() =>
        fast.query('tasks', {
          query: 'SELECT * FROM c WHERE c.userId = @u',
          parameters: [{ name: '@u', value: u }],
        }),
      ),
    ]);
    const during = proxy.stats();
    proxy.endBlackHole();
    await ended;
    const [after, afterMs] = await elapsed(() => fast.read('tasks', id, u));
    expect(after.resource?.id).toBe(id);
    expect((await fast.create('tasks', { id: randomUUID(), userId: u })).resource.userId).toBe(u);

    expect([createCategory, readCategory, queryCategory]).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
    // A write is not retried on a timeout (the SDK cannot know whether it landed): one timeout.
    expect(createMs).toBeLessThan(TIMEOUT_MS + 900);
    // Reads and queries: TimeoutFailoverRetryPolicy retries a GET or query up to 120 times with no pause,
    // each attempt on a new connection that the black hole holds: ~121 x the request timeout.
    expect(readMs).toBeGreaterThan(100 * TIMEOUT_MS);
    expect(readMs).toBeLessThan(200 * TIMEOUT_MS);
    expect(queryMs).toBeGreaterThan(100 * TIMEOUT_MS);
    expect(during.forwarded).toBe(0);
    expect(during.faults.blackHoledRequests).toBeGreaterThanOrEqual(1); // pooled connections were hit
    expect(during.faults.blackHoledConnections).toBeGreaterThan(200); // and new ones held
    figure(
      `black hole (request timeout ${TIMEOUT_MS} ms): create TIMEOUT in ${createMs} ms; read TIMEOUT in ${readMs} ms; ` +
        `query TIMEOUT in ${queryMs} ms; held ${during.faults.blackHoledRequests} requests on pooled connections ` +
        `and ${during.faults.blackHoledConnections} new connections; first read after the end: ${afterMs} ms`,
    );
  });

  test('a black hole shorter than the retries: a read started in it succeeds once it ends', async () => {
    const u = user();
    const id = randomUUID();
    await fast.create('tasks', { id, userId: u });
    const ended = proxy.blackHole(1500);
    const [read, ms] = await elapsed(() => fast.read('tasks', id, u));
    await ended;
    expect(read.resource?.id).toBe(id);
    expect(ms).toBeGreaterThanOrEqual(1400);
    // The end resets the attempt the black hole was holding; ECONNRESET on a read is retried by the SDK's
    // DefaultRetryPolicy after a fixed 1 s pause, so the bound is the duration + 1 s + slack.
    expect(ms).toBeLessThan(1500 + 1000 + 1000);
    figure(`black hole of 1500 ms: a read started in it succeeded after ${ms} ms (SDK timeout retries)`);
  });
});
