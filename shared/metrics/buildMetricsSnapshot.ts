import type { QueryCacheCounters } from '../cache/queryResultCache';
import type { DataBackend } from '../config/settings';
import type { UsageRow } from '../usage/usageRow';
import type { MetricsCollector } from './metricsCollector';
import type { MetricsSnapshot } from './metricsSnapshot';
import { storeMetricsOf } from './storeMetrics';

/** What a snapshot reads besides the collector, taken at snapshot time (never cached: they are reset). */
export interface SnapshotSources {
  instanceId: string;
  backend: DataBackend;
  /** The usage recorder's rows of today. */
  usageRows: readonly UsageRow[];
  cache: QueryCacheCounters;
  /** Every resilience counter by event and detail (empty where the store has no resilience layer). */
  resilienceCounters: ReadonlyMap<string, number>;
}

/** Requests per second are measured over this window. */
const RATE_WINDOW_MS = 60_000;

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** The MetricsSnapshot of a collector and the process's sources at the collector's `now`. */
export function buildMetricsSnapshot(collector: MetricsCollector, sources: SnapshotSources): MetricsSnapshot {
  const now = collector.now();
  const routes = collector.routes.entries().map((route) => ({
    operation: route.operation,
    name: route.name,
    count: route.count,
    clientErrors: route.clientErrors,
    serverErrors: route.serverErrors,
    ...route.latency.percentiles(),
  }));
  const counters = sources.resilienceCounters;
  const counter = (key: string): number => counters.get(key) ?? 0;
  let rejections = 0;
  for (const [key, value] of counters) if (key.startsWith('rejected')) rejections += value;
  const { cache } = sources;
  const lookups = cache.hits + cache.misses;
  const health = collector.healthHistory.toArray();
  return {
    instanceId: sources.instanceId,
    backend: sources.backend,
    startedAt: new Date(collector.startedAt).toISOString(),
    generatedAt: new Date(now).toISOString(),
    uptimeSeconds: Math.round((now - collector.startedAt) / 100) / 10,
    requests: {
      total: routes.reduce((sum, route) => sum + route.count, 0),
      serverErrors: routes.reduce((sum, route) => sum + route.serverErrors, 0),
      perSecond: collector.timeline.ratePerSecond(now, collector.startedAt, RATE_WINDOW_MS),
      routes,
    },
    timeline: {
      slotSeconds: collector.timeline.slotMs / 1000,
      points: collector.timeline.points(now, collector.startedAt),
    },
    store: storeMetricsOf(sources.usageRows),
    cache: {
      hits: cache.hits,
      misses: cache.misses,
      hitRate: lookups === 0 ? 0 : Math.round((cache.hits / lookups) * 10_000) / 10_000,
      ruSaved: round2(cache.ruSaved),
      entries: cache.entries,
      bytes: cache.bytes,
      invalidations: cache.invalidations,
    },
    resilience: {
      retries: counter('retry'),
      throttles: collector.throttledCalls,
      timeouts: counter('timeout'),
      rejections,
      reconnects: counter('reconnect'),
      counters: Object.fromEntries(counters),
    },
    breaker: {
      // Only the Cosmos store is guarded; it starts closed and the collector follows its transitions.
      state: sources.backend === 'local' ? 'none' : (collector.breakerState ?? 'closed'),
      history: collector.breakerHistory.toArray(),
    },
    health: { latest: health.at(-1) ?? null, history: health },
  };
}
