import {
  StoreCallAggregates,
  replaySeries,
  type SeriesSummary,
} from '../../shared/telemetry/storeCallAggregates';
import type { UsageEvent } from '../../shared/usage/usageRecorder';

function summarise(values: number[]): SeriesSummary {
  return {
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

function replayed(summary: SeriesSummary): number[] {
  const values: number[] = [];
  replaySeries(summary, (value) => values.push(value));
  return values;
}

const call = (overrides: Partial<UsageEvent> = {}): UsageEvent => ({
  container: 'tasks',
  operation: 'read',
  outcome: 'ok',
  requestCharge: 1,
  durationMs: 0.5,
  itemCount: 1,
  ...overrides,
});

describe('store call aggregates', () => {
  it.each([[[3.5]], [[1, 9]], [[1, 2, 3, 10]], [[0.31, 0.29, 7.77, 2.5, 2.5, 1.01, 0.02]]])(
    'replays %j as values with the same count, sum, min and max',
    (values) => {
      const summary = summarise(values);
      const again = summarise(replayed(summary));
      expect(again.count).toBe(summary.count);
      expect(again.min).toBe(summary.min);
      expect(again.max).toBe(summary.max);
      expect(again.sum).toBeCloseTo(summary.sum, 9);
    },
  );

  it('replays nothing for an empty series', () => {
    expect(replayed({ count: 0, sum: 0, min: Infinity, max: -Infinity })).toEqual([]);
  });

  it('sums calls by container, operation and shape, counts cache hits and misses, and starts afresh', () => {
    const aggregates = new StoreCallAggregates();
    aggregates.add(call({ requestCharge: 1, durationMs: 1 }));
    aggregates.add(call({ requestCharge: 3, durationMs: 2, throttled: 2 }));
    const shape = 'SELECT * FROM c WHERE c.userId = @userId';
    aggregates.add(call({ operation: 'query', shape, requestCharge: 2.5 }));
    aggregates.add(call({ operation: 'query', shape, outcome: 'cached', requestCharge: 0 }));
    aggregates.add(call({ container: 'projects', operation: 'query', shape, outcome: 'cached' }));

    const { calls, cacheHits } = aggregates.drain();
    const read = calls.find((c) => c.operation === 'read')!;
    expect(read).toMatchObject({ container: 'tasks', shape: '', cacheMisses: 0, throttled: 2 });
    expect(read.charge).toEqual({ count: 2, sum: 4, min: 1, max: 3 });
    expect(read.duration).toEqual({ count: 2, sum: 3, min: 1, max: 2 });
    const query = calls.find((c) => c.operation === 'query')!;
    expect(query).toMatchObject({ shape, cacheMisses: 1 });
    expect(query.charge.count).toBe(1); // the cached answer is a hit, not a store call
    expect([...cacheHits]).toEqual([
      ['tasks', 1],
      ['projects', 1],
    ]);
    expect(aggregates.drain()).toEqual({ calls: [], cacheHits: new Map() });
  });

  it('keeps at most maxKeys keys: further shapes are summed under "(other shapes)"', () => {
    const aggregates = new StoreCallAggregates(3);
    for (let i = 0; i < 10; i += 1) {
      aggregates.add(call({ operation: 'query', shape: `SELECT * FROM c WHERE c.f${i} = @v` }));
    }
    aggregates.add(call({ operation: 'read' })); // a point operation has no shape to fold
    const { calls } = aggregates.drain();
    expect(calls).toHaveLength(5);
    const other = calls.find((c) => c.shape === '(other shapes)')!;
    expect(other.charge.count).toBe(7);
  });
});
