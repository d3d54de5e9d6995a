import type { z } from 'zod';
import type { HealthReport } from '../health/checkHealth';
import type { BreakerState, ResilienceEvent } from '../resilience/resilientDocumentStore';
import type { InvocationRecord } from '../telemetry/invocationTelemetry';
import type { UsageEvent } from '../usage/usageRecorder';
import { BoundedHistory } from './boundedHistory';
import { bucketIndex } from './latencyHistogram';
import type { BreakerTransition, HealthCheckPoint } from './metricsSnapshot';
import { DEFAULT_MAX_ROUTES, RouteMetricsTable } from './routeMetrics';
import { Timeline, type TimelineOptions } from './timeline';

/** Breaker transitions kept, by default: an outage is a handful (open, half-open, open, ..., closed). */
export const DEFAULT_BREAKER_HISTORY = 50;
/** Health checks kept, by default: 10 hours of the 5-minute timer, fewer when probes call /health too. */
export const DEFAULT_HEALTH_HISTORY = 120;

/** The bounds and the clock of a collector (every bound has a default). */
export interface MetricsCollectorOptions extends TimelineOptions {
  /** The clock of the collector's start and of snapshots; events carry their own times. */
  now?: () => number;
  maxRoutes?: number;
  breakerHistory?: number;
  healthHistory?: number;
  /**
   * The query cache's miss counter now. Store calls say when a query was answered by the cache (a hit),
   * not when the cache was asked and missed, so misses are read from the cache itself: as the difference
   * of this counter between store queries, put in the slot of the query that followed the miss.
   */
  cacheMisses?: () => number;
}

/**
 * This process's live figures, fed by the observers of invocations, store calls, resilience events and
 * health checks. Every structure has a fixed cap (routes, timeline slots, containers per slot, breaker and
 * health history), so its memory does not grow with traffic or uptime. Recording a request costs a Map
 * lookup, one Math.log2 and a few increments.
 */
export class MetricsCollector {
  readonly startedAt: number;
  readonly routes: RouteMetricsTable;
  readonly timeline: Timeline;
  readonly breakerHistory: BoundedHistory<z.infer<typeof BreakerTransition>>;
  readonly healthHistory: BoundedHistory<z.infer<typeof HealthCheckPoint>>;
  readonly now: () => number;
  private readonly cacheMisses: (() => number) | undefined;
  private lastCacheMisses = 0;
  private throttled = 0;
  private breaker: BreakerState | undefined;

  constructor(options: MetricsCollectorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.routes = new RouteMetricsTable(options.maxRoutes ?? DEFAULT_MAX_ROUTES);
    this.timeline = new Timeline(options);
    this.breakerHistory = new BoundedHistory(options.breakerHistory ?? DEFAULT_BREAKER_HISTORY);
    this.healthHistory = new BoundedHistory(options.healthHistory ?? DEFAULT_HEALTH_HISTORY);
    this.cacheMisses = options.cacheMisses;
  }

  /** Counts a finished HTTP request (timers are not requests and are left out). */
  onInvocation(record: InvocationRecord): void {
    if (record.trigger !== 'http') return;
    const status = record.status ?? 500;
    const { durationMs } = record;
    const bucket = bucketIndex(durationMs);
    this.routes.record(record.operation, record.name, status, bucket, durationMs);
    this.timeline.recordRequest(record.startedAt + durationMs, status >= 500, bucket, durationMs);
  }

  /** Adds a store call: its RU to the timeline, a cache hit or the misses since the last query. */
  onStoreCall(event: UsageEvent, at: number): void {
    this.timeline.recordCharge(at, event.container, event.requestCharge);
    if (event.outcome === 'THROTTLED') this.throttled += 1;
    if (event.outcome === 'cached') this.timeline.recordCache(at, 1, 0);
    else if (event.operation === 'query' && this.cacheMisses) {
      const misses = this.cacheMisses();
      // A smaller counter is a new cache (the process store was disposed and re-created): count from zero.
      const added = misses >= this.lastCacheMisses ? misses - this.lastCacheMisses : misses;
      this.lastCacheMisses = misses;
      if (added > 0) this.timeline.recordCache(at, 0, added);
    }
  }

  /** Keeps breaker transitions (the other resilience events are read from resilienceCounters). */
  onResilienceEvent(event: ResilienceEvent, at: Date): void {
    if (event.type !== 'breaker') return;
    this.breaker = event.state;
    this.breakerHistory.push({ at: at.toISOString(), state: event.state });
  }

  /** Keeps a finished health check. */
  onHealthCheck(report: HealthReport): void {
    this.healthHistory.push({ at: report.checkedAt, status: report.status, latencyMs: report.latencyMs });
  }

  /** Store calls that ended THROTTLED (after the SDK's own retries) since the collector started. */
  get throttledCalls(): number {
    return this.throttled;
  }

  /** The breaker's last observed state; undefined until it first changed (it starts closed). */
  get breakerState(): BreakerState | undefined {
    return this.breaker;
  }
}
