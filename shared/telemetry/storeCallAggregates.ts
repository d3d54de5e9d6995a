// The store calls of one metrics interval, summed here instead of recorded into OpenTelemetry one by one.
// A histogram record costs an attribute hash and a few lookups in the SDK: measured at about 16 µs of CPU per
// GET /api/tasks/{id} under load on the local runner (two histograms per store call), against well under a
// microsecond for the additions below. Application Insights keeps only count, sum, min and max of a histogram
// per interval (customMetrics' valueCount, valueSum, valueMin, valueMax), so replaying those four figures at
// collection sends exactly what per-call records would have.
import type { UsageEvent } from '../usage/usageRecorder';
import { OTHER_SHAPE } from '../usage/usageRow';

/** Count, sum, min and max of a series of values. */
export interface SeriesSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** One container, operation and query shape's store calls in the interval. */
export interface StoreCallAggregate {
  container: string;
  operation: string;
  /** The query shape; '' for point operations. */
  shape: string;
  /** Request units per call. */
  charge: SeriesSummary;
  /** Milliseconds per call. */
  duration: SeriesSummary;
  /** Queries the store answered (not the cache). */
  cacheMisses: number;
  /** 429s met on the way, including those the SDK retried. */
  throttled: number;
}

function emptySeries(): SeriesSummary {
  return { count: 0, sum: 0, min: Infinity, max: -Infinity };
}

function add(series: SeriesSummary, value: number): void {
  series.count += 1;
  series.sum += value;
  if (value < series.min) series.min = value;
  if (value > series.max) series.max = value;
}

/**
 * Calls `record` with values whose count, sum, min and max are the summary's: the minimum, the maximum, and
 * the rest of the sum spread evenly over the other count - 2 values (each between min and max).
 */
export function replaySeries(summary: SeriesSummary, record: (value: number) => void): void {
  if (summary.count <= 0) return;
  if (summary.count === 1) {
    record(summary.min);
    return;
  }
  record(summary.min);
  record(summary.max);
  const others = summary.count - 2;
  if (others === 0) return;
  const each = (summary.sum - summary.min - summary.max) / others;
  // Rounding must not push a value past the bounds the other two already set.
  const value = Math.min(summary.max, Math.max(summary.min, each));
  for (let i = 0; i < others; i += 1) record(value);
}

/**
 * The store calls since the last drain, by container, operation and shape, plus cache hits by container.
 * Bounded: past maxKeys, new shapes are summed under the usage recorder's "(other shapes)".
 */
export class StoreCallAggregates {
  // container -> operation -> shape: no key string is built per call (a query's shape is ~100 characters).
  private calls = new Map<string, Map<string, Map<string, StoreCallAggregate>>>();
  private keys = 0;
  private hits = new Map<string, number>();

  constructor(private readonly maxKeys = 2_000) {}

  /** Adds one store call (or query-cache hit) as the usage recorder reports it. */
  add(event: UsageEvent): void {
    if (event.outcome === 'cached') {
      this.hits.set(event.container, (this.hits.get(event.container) ?? 0) + 1);
      return;
    }
    let operations = this.calls.get(event.container);
    if (!operations) {
      operations = new Map();
      this.calls.set(event.container, operations);
    }
    let shapes = operations.get(event.operation);
    if (!shapes) {
      shapes = new Map();
      operations.set(event.operation, shapes);
    }
    let shape = event.shape ?? '';
    let aggregate = shapes.get(shape);
    if (!aggregate && this.keys >= this.maxKeys && shape !== '') {
      shape = OTHER_SHAPE;
      aggregate = shapes.get(shape);
    }
    if (!aggregate) {
      aggregate = {
        container: event.container,
        operation: event.operation,
        shape,
        charge: emptySeries(),
        duration: emptySeries(),
        cacheMisses: 0,
        throttled: 0,
      };
      shapes.set(shape, aggregate);
      this.keys += 1;
    }
    add(aggregate.charge, event.requestCharge);
    add(aggregate.duration, event.durationMs);
    if (event.operation === 'query') aggregate.cacheMisses += 1;
    if (event.throttled) aggregate.throttled += event.throttled;
  }

  /** Hands over everything gathered since the last drain and starts afresh. */
  drain(): { calls: StoreCallAggregate[]; cacheHits: Map<string, number> } {
    const calls: StoreCallAggregate[] = [];
    for (const operations of this.calls.values()) {
      for (const shapes of operations.values()) calls.push(...shapes.values());
    }
    const drained = { calls, cacheHits: this.hits };
    this.calls = new Map();
    this.keys = 0;
    this.hits = new Map();
    return drained;
  }
}
