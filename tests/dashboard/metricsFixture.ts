// A GET /api/metrics answer built from the contract (shared/metrics/metricsSnapshot.ts) and checked by its
// zod schema, with every list filled: the dashboard's page can be driven without an app behind it, with
// figures and strings chosen by the test (hostile ones included).
import { MetricsSnapshot } from '../../shared/metrics/metricsSnapshot';
import type { CostReport } from '../../shared/reports/costReport';

/** A query shape that would run script if the page ever parsed API strings as HTML. */
export const HOSTILE_SHAPE =
  'SELECT * FROM c WHERE c.title = "<img src=x onerror=window.__dashboardInjected=1>" AND c.userId = @userId';

/** An index suggestion text that would run script if it were parsed as HTML. */
export const HOSTILE_ADVICE =
  'add composite index [/status ASC, /dueDate ASC] to tasks <script>window.__dashboardInjected=2</script>';

/** A small deterministic generator (mulberry32), so a fixture is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

/** A MetricsSnapshot of a Cosmos-backed instance at `now`, 30 one-minute slots of traffic, validated by the schema. */
export function metricsFixture(now = new Date('2026-11-27T10:00:00.000Z'), seed = 7): MetricsSnapshot {
  const random = seededRandom(seed);
  const slotSeconds = 60;
  const started = new Date(now.getTime() - 40 * 60_000);
  const points = Array.from({ length: 30 }, (_, i) => {
    const requests = 20 + Math.floor(random() * 80);
    const p50Ms = round(2 + random() * 5);
    const tasks = round(requests * 3.1);
    const fitness = round(requests * 1.4);
    return {
      at: new Date(now.getTime() - (30 - i) * slotSeconds * 1000).toISOString(),
      requests,
      serverErrors: i === 20 ? 2 : 0,
      p50Ms,
      p95Ms: round(p50Ms * 3),
      p99Ms: round(p50Ms * 6),
      maxMs: round(p50Ms * 9),
      requestCharge: round(tasks + fitness),
      requestChargeByContainer: { tasks, fitness },
      cacheHits: Math.floor(requests * 0.4),
      cacheMisses: Math.ceil(requests * 0.6),
    };
  });
  const routes = [
    { operation: 'GET tasks', name: 'tasksList', count: 1234 },
    { operation: 'GET tasks/{id}', name: 'tasksGet', count: 456 },
    { operation: 'POST fitness', name: 'fitnessCreate', count: 78 },
  ].map((route, i) => ({
    ...route,
    clientErrors: i,
    serverErrors: i === 0 ? 2 : 0,
    p50Ms: 3.25 + i,
    p95Ms: 12.5 + i,
    p99Ms: 40.75 + i,
    maxMs: 99.5 + i,
  }));
  const transitions = [
    { minutes: 25, state: 'open' as const },
    { minutes: 24, state: 'half-open' as const },
    { minutes: 24, state: 'closed' as const },
  ];
  const health = Array.from({ length: 6 }, (_, i) => ({
    at: new Date(now.getTime() - (6 - i) * 5 * 60_000).toISOString(),
    status: i === 1 ? ('degraded' as const) : ('healthy' as const),
    latencyMs: round(4 + random() * 10),
  }));
  return MetricsSnapshot.parse({
    instanceId: 'fixture-instance',
    backend: 'cosmos',
    startedAt: started.toISOString(),
    generatedAt: now.toISOString(),
    uptimeSeconds: 2400,
    requests: {
      total: routes.reduce((sum, r) => sum + r.count, 0),
      serverErrors: 2,
      perSecond: 1.5,
      routes,
    },
    timeline: { slotSeconds, points },
    store: {
      calls: 4321,
      requestCharge: 12345.67,
      throttled: 1,
      failedCalls: 3,
      byContainer: [
        { container: 'tasks', calls: 3000, requestCharge: 9000.5 },
        { container: 'fitness', calls: 1321, requestCharge: 3345.17 },
      ],
      topShapes: [
        {
          container: 'tasks',
          shape: HOSTILE_SHAPE,
          calls: 900,
          requestCharge: 5400.25,
          avgRu: 6,
          avgDurationMs: 4.5,
          cachedCalls: 300,
        },
        {
          container: 'fitness',
          shape: 'SELECT * FROM c WHERE c.userId = @userId AND c.date >= @from ORDER BY c.date DESC',
          calls: 400,
          requestCharge: 1200,
          avgRu: 3,
          avgDurationMs: 2.25,
          cachedCalls: 0,
        },
      ],
    },
    cache: {
      hits: 400,
      misses: 600,
      hitRate: 0.4,
      ruSaved: 1234.5,
      entries: 42,
      bytes: 65536,
      invalidations: 7,
    },
    resilience: {
      retries: 5,
      throttles: 1,
      timeouts: 2,
      rejections: 0,
      reconnects: 1,
      counters: { 'retry:connection': 5, 'timeout:operation': 2 },
    },
    breaker: {
      state: 'closed',
      history: transitions.map((t) => ({
        at: new Date(now.getTime() - t.minutes * 60_000).toISOString(),
        state: t.state,
      })),
    },
    health: { latest: health[health.length - 1], history: health },
  });
}

/** The fields of a stored cost report the dashboard shows, with an index suggestion whose text is hostile. */
export function costReportFixture(
  now = new Date('2026-11-27T00:30:00.000Z'),
): Pick<
  CostReport,
  'kind' | 'generatedAt' | 'period' | 'ruSource' | 'totals' | 'cost' | 'throughputAdvice' | 'indexAdvice'
> {
  return {
    kind: 'cost',
    generatedAt: now.toISOString(),
    period: {
      from: '2026-11-26T00:00:00.000Z',
      to: now.toISOString(),
      hours: 24.5,
      days: ['2026-11-26', '2026-11-27'],
    },
    ruSource: 'measured',
    totals: {
      requestCharge: 98765.43,
      calls: 20000,
      failedCalls: 3,
      throttled: 1,
      queries: 9000,
      cachedQueries: 3000,
      cacheHitRate: 0.3333,
      ruSaved: 4567.8,
    },
    cost: {
      serverless: { usd: 0.0247, perMillionRu: 0.25 },
      provisioned: { usd: 1.92, ruPerSecond: 400, per100RuHour: 0.008 },
      autoscale: { usd: 2.88, maxRuPerSecond: 1000, per100RuHour: 0.012 },
      mode: 'serverless',
      periodUsd: 0.0247,
      projected30DaysUsd: 0.741,
    },
    throughputAdvice: {
      mode: 'serverless',
      configuredRuPerSecond: undefined,
      peakRuPerSecond: 57,
      utilisation: undefined,
      recommendedRuPerSecond: undefined,
      cheapestMode: 'serverless',
      text: 'Serverless is the cheapest mode for this load (peak 57 RU/s).',
    },
    indexAdvice: {
      suggestions: [
        {
          container: 'tasks',
          text: HOSTILE_ADVICE,
          kind: 'composite',
          paths: ['/status', '/dueDate'],
          impact: 'required',
          source: 'cosmos-index-metrics',
          shapes: [HOSTILE_SHAPE],
          reason: 'ORDER BY on two fields needs a composite index.',
        },
      ],
      shapes: [],
    },
  };
}
