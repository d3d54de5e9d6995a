import { TOP_SHAPES, storeMetricsOf } from '../../shared/metrics/storeMetrics';
import { emptyRow, type UsageOperation, type UsageRow } from '../../shared/usage/usageRow';

function row(
  container: string,
  operation: UsageOperation,
  shape: string,
  outcome: string,
  totals: Partial<UsageRow>,
): UsageRow {
  return { ...emptyRow({ container, operation, shape, outcome }), ...totals };
}

const LIST = 'SELECT * FROM c WHERE c.userId = @p0';

describe('storeMetricsOf (the store section, from the usage rows of today)', () => {
  test('totals, failures and RU per container; cached queries count for their shape, not as store calls', () => {
    const store = storeMetricsOf([
      row('tasks', 'query', LIST, 'ok', { calls: 4, requestCharge: 12, durationMs: 8, throttled: 1 }),
      row('tasks', 'query', LIST, 'cached', { calls: 6, durationMs: 0.06, ruSaved: 18 }),
      row('tasks', 'read', '', 'ok', { calls: 10, requestCharge: 10, durationMs: 5 }),
      row('tasks', 'read', '', 'NOT_FOUND', { calls: 2, requestCharge: 0 }),
      row('projects', 'create', '', 'ok', { calls: 3, requestCharge: 15.555, durationMs: 9 }),
      row('projects', 'query', 'SELECT VALUE COUNT(1) FROM c', 'THROTTLED', { calls: 1, throttled: 1 }),
    ]);
    expect(store).toMatchObject({ calls: 20, requestCharge: 37.56, throttled: 2, failedCalls: 3 });
    expect(store.byContainer).toEqual([
      { container: 'tasks', calls: 16, requestCharge: 22 },
      { container: 'projects', calls: 4, requestCharge: 15.56 },
    ]);
    expect(store.topShapes[0]).toEqual({
      container: 'tasks',
      shape: LIST,
      calls: 10,
      requestCharge: 12,
      avgRu: 3, // per call that reached the store
      avgDurationMs: 2,
      cachedCalls: 6,
    });
    expect(store.topShapes[1]).toMatchObject({ container: 'projects', calls: 1, requestCharge: 0, avgRu: 0 });
  });

  test('the 10 shapes with the most RU, most first; point operations are not shapes', () => {
    const rows = Array.from({ length: 25 }, (_, i) =>
      row('tasks', 'query', `SELECT * FROM c WHERE c.n = ${i}`, 'ok', { calls: 1, requestCharge: i }),
    );
    rows.push(row('tasks', 'read', '', 'ok', { calls: 1, requestCharge: 1000 }));
    const { topShapes } = storeMetricsOf(rows);
    expect(topShapes).toHaveLength(TOP_SHAPES);
    expect(topShapes.map((s) => s.requestCharge)).toEqual([24, 23, 22, 21, 20, 19, 18, 17, 16, 15]);
  });

  test('no rows: zeros and empty lists', () => {
    expect(storeMetricsOf([])).toEqual({
      calls: 0,
      requestCharge: 0,
      throttled: 0,
      failedCalls: 0,
      byContainer: [],
      topShapes: [],
    });
  });
});
