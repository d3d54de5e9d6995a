import type { z } from 'zod';
import type { UsageRow } from '../usage/usageRow';
import type { MetricsSnapshot, ShapeMetrics } from './metricsSnapshot';

/** How many query shapes the snapshot lists (the contract says 10). */
export const TOP_SHAPES = 10;

type StoreSection = MetricsSnapshot['store'];
type Shape = z.infer<typeof ShapeMetrics>;

const round2 = (value: number): number => Math.round(value * 100) / 100;

/**
 * The store section of a snapshot from the usage recorder's rows of today (UTC), so it matches the
 * recorder, the usage flush and the cost report exactly. A query answered by the cache (outcome 'cached')
 * never reached the store: it is not a store call here (the cache section counts it), but it is one of its
 * shape's calls (cachedCalls). A shape's avgRu and avgDurationMs are per call that reached the store: what
 * the query costs when it runs.
 */
export function storeMetricsOf(rows: readonly UsageRow[]): StoreSection {
  let calls = 0;
  let requestCharge = 0;
  let throttled = 0;
  let failedCalls = 0;
  const containers = new Map<string, { container: string; calls: number; requestCharge: number }>();
  const shapes = new Map<string, Shape & { storeCalls: number; durationMs: number }>();
  for (const row of rows) {
    const cached = row.outcome === 'cached';
    const storeCalls = cached ? 0 : row.calls;
    calls += storeCalls;
    requestCharge += row.requestCharge;
    throttled += row.throttled;
    if (!cached && row.outcome !== 'ok') failedCalls += row.calls;
    let container = containers.get(row.container);
    if (!container) {
      container = { container: row.container, calls: 0, requestCharge: 0 };
      containers.set(row.container, container);
    }
    container.calls += storeCalls;
    container.requestCharge += row.requestCharge;
    if (row.shape === '') continue;
    const key = `${row.container}\u0000${row.shape}`;
    let shape = shapes.get(key);
    if (!shape) {
      shape = {
        container: row.container,
        shape: row.shape,
        calls: 0,
        requestCharge: 0,
        avgRu: 0,
        avgDurationMs: 0,
        cachedCalls: 0,
        storeCalls: 0,
        durationMs: 0,
      };
      shapes.set(key, shape);
    }
    shape.calls += row.calls;
    shape.requestCharge += row.requestCharge;
    if (cached) shape.cachedCalls += row.calls;
    else {
      shape.storeCalls += row.calls;
      shape.durationMs += row.durationMs;
    }
  }
  const topShapes = [...shapes.values()]
    .sort((a, b) => b.requestCharge - a.requestCharge || b.calls - a.calls)
    .slice(0, TOP_SHAPES)
    .map((s): Shape => ({
      container: s.container,
      shape: s.shape,
      calls: s.calls,
      requestCharge: round2(s.requestCharge),
      avgRu: s.storeCalls ? round2(s.requestCharge / s.storeCalls) : 0,
      avgDurationMs: s.storeCalls ? round2(s.durationMs / s.storeCalls) : 0,
      cachedCalls: s.cachedCalls,
    }));
  return {
    calls,
    requestCharge: round2(requestCharge),
    throttled,
    failedCalls,
    byContainer: [...containers.values()]
      .sort((a, b) => b.requestCharge - a.requestCharge || a.container.localeCompare(b.container))
      .map((c) => ({ ...c, requestCharge: round2(c.requestCharge) })),
    topShapes,
  };
}
