import { z } from 'zod';

// The contract of GET /api/metrics: this instance's live figures. The dashboard draws from it and the
// OpenAPI document describes it; every list in it is bounded, so the answer's size is too.

const Percentiles = z.object({
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  maxMs: z.number(),
});

/** Requests of one route (method + route template) since the instance started. */
export const RouteMetrics = Percentiles.extend({
  operation: z.string().meta({ description: 'Method and route template, e.g. "GET tasks/{id}".' }),
  name: z.string().meta({ description: 'Function name.' }),
  count: z.number().int(),
  clientErrors: z.number().int().meta({ description: '4xx answers.' }),
  serverErrors: z.number().int().meta({ description: '5xx answers (and handlers that threw).' }),
});

/** One slot of the recent timeline (fixed width, oldest first). */
export const TimelinePoint = Percentiles.extend({
  at: z.iso.datetime().meta({ description: 'Start of the slot.' }),
  requests: z.number().int(),
  serverErrors: z.number().int(),
  requestCharge: z.number().meta({ description: 'RU spent by store calls in the slot.' }),
  requestChargeByContainer: z.record(z.string(), z.number()),
  cacheHits: z.number().int(),
  cacheMisses: z.number().int(),
});

export const ShapeMetrics = z.object({
  container: z.string(),
  shape: z.string().meta({ description: 'Parameterised query text; never parameter values.' }),
  calls: z.number().int(),
  requestCharge: z.number(),
  avgRu: z.number(),
  avgDurationMs: z.number(),
  cachedCalls: z.number().int(),
});

export const BreakerTransition = z.object({
  at: z.iso.datetime(),
  state: z.enum(['closed', 'open', 'half-open']),
});

export const HealthCheckPoint = z.object({
  at: z.iso.datetime(),
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  latencyMs: z.number(),
});

/** Everything GET /api/metrics answers. */
export const MetricsSnapshot = z
  .object({
    instanceId: z.string(),
    backend: z.enum(['cosmos', 'local']),
    startedAt: z.iso.datetime(),
    generatedAt: z.iso.datetime(),
    uptimeSeconds: z.number(),
    requests: z.object({
      total: z.number().int(),
      serverErrors: z.number().int(),
      /** Over the last minute. */
      perSecond: z.number(),
      routes: z.array(RouteMetrics),
    }),
    timeline: z.object({
      slotSeconds: z.number().int(),
      points: z.array(TimelinePoint),
    }),
    store: z.object({
      calls: z.number().int(),
      requestCharge: z.number(),
      throttled: z.number().int(),
      failedCalls: z.number().int(),
      byContainer: z.array(
        z.object({ container: z.string(), calls: z.number().int(), requestCharge: z.number() }),
      ),
      topShapes: z.array(ShapeMetrics).meta({ description: 'The 10 query shapes with the most RU today.' }),
    }),
    cache: z.object({
      hits: z.number().int(),
      misses: z.number().int(),
      hitRate: z.number().meta({ description: 'hits / (hits + misses), 0..1.' }),
      ruSaved: z.number(),
      entries: z.number().int(),
      bytes: z.number().int(),
      invalidations: z.number().int(),
    }),
    resilience: z.object({
      retries: z.number().int(),
      throttles: z.number().int().meta({ description: 'Calls that ended THROTTLED after the SDK retries.' }),
      timeouts: z.number().int(),
      rejections: z.number().int(),
      reconnects: z.number().int(),
      counters: z
        .record(z.string(), z.number())
        .meta({ description: 'Every resilience counter by event and detail.' }),
    }),
    breaker: z.object({
      state: z
        .enum(['closed', 'open', 'half-open', 'none'])
        .meta({ description: 'none: the local store has no breaker.' }),
      history: z.array(BreakerTransition),
    }),
    health: z.object({
      latest: HealthCheckPoint.nullable(),
      history: z.array(HealthCheckPoint),
    }),
  })
  .meta({ id: 'Metrics' });

export type MetricsSnapshot = z.infer<typeof MetricsSnapshot>;
