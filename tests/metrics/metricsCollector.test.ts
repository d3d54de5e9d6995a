import v8 from 'node:v8';
import vm from 'node:vm';
import type { QueryCacheCounters } from '../../shared/cache/queryResultCache';
import type { HealthReport } from '../../shared/health/checkHealth';
import { buildMetricsSnapshot, type SnapshotSources } from '../../shared/metrics/buildMetricsSnapshot';
import { MetricsCollector } from '../../shared/metrics/metricsCollector';
import { MetricsSnapshot } from '../../shared/metrics/metricsSnapshot';
import { OTHER_ROUTES } from '../../shared/metrics/routeMetrics';
import type { InvocationRecord } from '../../shared/telemetry/invocationTelemetry';
import type { UsageEvent } from '../../shared/usage/usageRecorder';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const NO_CACHE: QueryCacheCounters = {
  hits: 0,
  misses: 0,
  ruSaved: 0,
  invalidations: 0,
  entries: 0,
  bytes: 0,
};

function sources(overrides: Partial<SnapshotSources> = {}): SnapshotSources {
  return {
    instanceId: 'instance-1',
    backend: 'cosmos',
    usageRows: [],
    cache: NO_CACHE,
    resilienceCounters: new Map(),
    ...overrides,
  };
}

function invocation(
  operation: string,
  status: number | undefined,
  at: number,
  durationMs: number,
  trigger: 'http' | 'timer' = 'http',
): InvocationRecord {
  return {
    trigger,
    name: operation.replace(/\W/g, ''),
    operation,
    status,
    success: (status ?? 200) < 500,
    startedAt: at,
    durationMs,
    invocationId: 'inv',
    correlationId: 'corr',
  };
}

function storeCall(
  container: string,
  outcome: string,
  requestCharge: number,
  operation: 'query' | 'read' = 'query',
): UsageEvent {
  return {
    container,
    operation,
    shape: operation === 'query' ? 'SELECT * FROM c' : undefined,
    outcome,
    requestCharge,
    durationMs: 1,
    itemCount: 1,
  };
}

function health(status: HealthReport['status'], at: number, latencyMs: number): HealthReport {
  return {
    status,
    backend: 'cosmos',
    checkedAt: new Date(at).toISOString(),
    latencyMs,
    checks: { store: { ok: false, error: 'x' } },
  };
}

describe('MetricsCollector', () => {
  test('counts requests per route (4xx and 5xx apart), leaves timers out, and fills the timeline', () => {
    let now = T0;
    const collector = new MetricsCollector({ now: () => now });
    for (let i = 0; i < 20; i += 1) collector.onInvocation(invocation('GET tasks', 200, T0 + i * 100, 2 + i));
    for (let i = 0; i < 3; i += 1) collector.onInvocation(invocation('GET tasks/{id}', 404, T0 + 3000, 1));
    collector.onInvocation(invocation('POST tasks', 500, T0 + 12_000, 40));
    collector.onInvocation(invocation('healthCheck', undefined, T0 + 12_000, 40, 'timer'));
    now = T0 + 15_000;

    const snapshot = MetricsSnapshot.parse(buildMetricsSnapshot(collector, sources()));
    expect(snapshot.requests.total).toBe(24);
    expect(snapshot.requests.serverErrors).toBe(1);
    expect(
      snapshot.requests.routes.map((r) => [r.operation, r.count, r.clientErrors, r.serverErrors]),
    ).toEqual([
      ['GET tasks', 20, 0, 0],
      ['GET tasks/{id}', 3, 3, 0],
      ['POST tasks', 1, 0, 1],
    ]);
    const list = snapshot.requests.routes[0];
    // 2..21 ms: nearest-rank p50 is 11, p95 20, p99 21 (within the bucket error), max exact.
    expect(list.p50Ms).toBeGreaterThan(11 * 0.955);
    expect(list.p50Ms).toBeLessThan(11 * 1.045);
    expect(list.maxMs).toBe(21);
    // 24 requests in the 15 s since the start.
    expect(snapshot.requests.perSecond).toBe(1.6);
    expect(snapshot.timeline.slotSeconds).toBe(10);
    expect(snapshot.timeline.points.map((p) => [p.requests, p.serverErrors])).toEqual([
      [23, 0],
      [1, 1],
    ]);
    expect(snapshot.uptimeSeconds).toBe(15);
    expect(snapshot.startedAt).toBe(new Date(T0).toISOString());
  });

  test('store calls: RU per container in the timeline, cache hits as they happen, misses from the cache counter', () => {
    let misses = 0;
    const collector = new MetricsCollector({ now: () => T0 + 5000, cacheMisses: () => misses });
    misses = 1; // the cache missed, then the store ran the query
    collector.onStoreCall(storeCall('tasks', 'ok', 3.5), T0 + 100);
    collector.onStoreCall(storeCall('tasks', 'cached', 0), T0 + 200);
    collector.onStoreCall(storeCall('tasks', 'cached', 0), T0 + 300);
    collector.onStoreCall(storeCall('projects', 'ok', 1, 'read'), T0 + 400); // a read asks no cache
    misses = 3;
    collector.onStoreCall(storeCall('tasks', 'THROTTLED', 0), T0 + 500);
    misses = 1; // a new cache (the store was re-created): its own count from zero
    collector.onStoreCall(storeCall('tasks', 'ok', 2), T0 + 600);

    const snapshot = buildMetricsSnapshot(collector, sources());
    const [point] = snapshot.timeline.points;
    expect(point).toMatchObject({
      requestCharge: 6.5,
      requestChargeByContainer: { tasks: 5.5, projects: 1 },
      cacheHits: 2,
      cacheMisses: 4,
    });
    expect(snapshot.resilience.throttles).toBe(1);
  });

  test('breaker transitions and health checks are kept in order; the state follows the last transition', () => {
    const collector = new MetricsCollector({ now: () => T0 + 60_000 });
    expect(buildMetricsSnapshot(collector, sources()).breaker).toEqual({ state: 'closed', history: [] });
    for (const [state, offset] of [
      ['open', 1000],
      ['half-open', 2000],
      ['closed', 2100],
    ] as const) {
      collector.onResilienceEvent({ type: 'breaker', state }, new Date(T0 + offset));
    }
    collector.onResilienceEvent(
      { type: 'retry', operation: 'store', attempt: 1, delayMs: 5, code: 'X' },
      new Date(T0),
    );
    collector.onHealthCheck(health('unhealthy', T0 + 1500, 900));
    collector.onHealthCheck(health('healthy', T0 + 3000, 4.2));

    const snapshot = buildMetricsSnapshot(
      collector,
      sources({
        resilienceCounters: new Map([
          ['retry', 4],
          ['timeout', 3],
          ['rejected:breaker-open', 7],
          ['rejected:bulkhead-full', 1],
          ['reconnect', 1],
          ['breaker:open', 1],
        ]),
      }),
    );
    expect(snapshot.breaker.state).toBe('closed');
    expect(snapshot.breaker.history).toEqual([
      { at: new Date(T0 + 1000).toISOString(), state: 'open' },
      { at: new Date(T0 + 2000).toISOString(), state: 'half-open' },
      { at: new Date(T0 + 2100).toISOString(), state: 'closed' },
    ]);
    expect(snapshot.resilience).toMatchObject({ retries: 4, timeouts: 3, rejections: 8, reconnects: 1 });
    expect(snapshot.resilience.counters['breaker:open']).toBe(1);
    expect(snapshot.health.latest).toEqual({
      at: new Date(T0 + 3000).toISOString(),
      status: 'healthy',
      latencyMs: 4.2,
    });
    expect(snapshot.health.history.map((h) => h.status)).toEqual(['unhealthy', 'healthy']);
    // The local store has no breaker.
    expect(buildMetricsSnapshot(collector, sources({ backend: 'local' })).breaker.state).toBe('none');
  });

  test('cache section: hit rate from the cache counters (0 before the first lookup)', () => {
    const collector = new MetricsCollector({ now: () => T0 });
    expect(buildMetricsSnapshot(collector, sources()).cache.hitRate).toBe(0);
    const cache = { hits: 3, misses: 1, ruSaved: 12.345, invalidations: 2, entries: 1, bytes: 300 };
    expect(buildMetricsSnapshot(collector, sources({ cache })).cache).toEqual({
      ...cache,
      hitRate: 0.75,
      ruSaved: 12.35,
    });
  });
});

// ---- Memory bound and cost of the observer path ----

function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

describe('bounded memory', () => {
  test('1,000,000 requests over 10,000 operations and store calls over 1,000 containers over 2 hours: every structure stays at its cap', () => {
    let now = T0;
    let misses = 0;
    const collector = new MetricsCollector({ now: () => now, cacheMisses: () => misses });
    const feed = (from: number, to: number): void => {
      for (let i = from; i < to; i += 1) {
        const at = T0 + Math.floor((i / 1_000_000) * 7_200_000); // spread over two hours: the ring turns four times
        collector.onInvocation(
          invocation(`GET route-${i % 10_000}/{id}`, i % 97 === 0 ? 503 : 200, at, (i % 5000) / 10),
        );
        misses += i % 3 === 0 ? 1 : 0;
        collector.onStoreCall(storeCall(`container-${i % 1000}`, i % 2 === 0 ? 'cached' : 'ok', 1), at);
        if (i % 100 === 0)
          collector.onResilienceEvent(
            { type: 'breaker', state: i % 200 === 0 ? 'open' : 'closed' },
            new Date(at),
          );
        if (i % 100 === 50) collector.onHealthCheck(health('healthy', at, 1));
      }
      now = T0 + Math.floor((to / 1_000_000) * 7_200_000);
    };

    feed(0, 100_000);
    collectGarbage();
    const heapAfter100k = process.memoryUsage().heapUsed;
    feed(100_000, 1_000_000);
    collectGarbage();
    const growth = process.memoryUsage().heapUsed - heapAfter100k;

    expect(collector.routes.size).toBe(collector.routes.maxRoutes + 1); // 64 routes + the overflow entry
    expect(collector.timeline.size).toBe(180);
    expect(collector.timeline.maxContainersHeld()).toBeLessThanOrEqual(17);
    expect(collector.breakerHistory.size).toBe(50);
    expect(collector.healthHistory.size).toBe(120);

    const snapshot = MetricsSnapshot.parse(buildMetricsSnapshot(collector, sources()));
    expect(snapshot.requests.total).toBe(1_000_000);
    expect(snapshot.requests.routes).toHaveLength(65);
    expect(snapshot.requests.routes.at(-1)?.operation).toBe(OTHER_ROUTES);
    expect(snapshot.timeline.points).toHaveLength(180);
    expect(snapshot.breaker.history).toHaveLength(50);
    expect(snapshot.health.history).toHaveLength(120);
    const bytes = JSON.stringify(snapshot).length;
    console.log(
      `metrics after 1,000,000 requests: heap growth over the last 900,000 ${(growth / 1024).toFixed(0)} KiB, snapshot ${(bytes / 1024).toFixed(0)} KiB`,
    );
    // What grows with traffic would grow by tens of MB over 900,000 requests; a bounded collector stays put.
    expect(growth).toBeLessThan(1024 * 1024);
    expect(bytes).toBeLessThan(200 * 1024);
  });

  test('the observer path is cheap: a request and a store call cost well under a microsecond each', () => {
    const collector = new MetricsCollector({ cacheMisses: () => 0 });
    const records = Array.from({ length: 40 }, (_, i) =>
      invocation(`GET route-${i}/{id}`, 200, Date.now(), 0.5 + i),
    );
    const calls = Array.from({ length: 5 }, (_, i) =>
      storeCall(`container-${i}`, i % 2 ? 'ok' : 'cached', 2.5),
    );
    const N = 1_000_000;
    const measure = (work: (i: number) => void): number => {
      for (let i = 0; i < 50_000; i += 1) work(i); // warm up (JIT)
      const started = process.hrtime.bigint();
      for (let i = 0; i < N; i += 1) work(i);
      return Number(process.hrtime.bigint() - started) / N;
    };
    const at = Date.now();
    const perRequest = measure((i) => collector.onInvocation(records[i % 40]));
    const perStoreCall = measure((i) => collector.onStoreCall(calls[i % 5], at));
    console.log(
      `metrics observer cost: ${perRequest.toFixed(0)} ns per request, ${perStoreCall.toFixed(0)} ns per store call`,
    );
    // Generous bounds (a loaded 2-core machine): the point is that no allocation or scan hides in the path.
    expect(perRequest).toBeLessThan(2000);
    expect(perStoreCall).toBeLessThan(2000);
  });
});
