import { queryShape } from '../../shared/usage/queryShape';
import { UsageRecorder } from '../../shared/usage/usageRecorder';
import { OTHER_SHAPE } from '../../shared/usage/usageRow';

const DAY = 86_400_000;

describe('usage recorder', () => {
  it('adds calls up by container, operation, query shape and outcome', () => {
    const recorder = new UsageRecorder(100, () => Date.parse('2026-11-27T10:00:00Z'));
    const shape = queryShape('SELECT * FROM c\n  WHERE c.userId = @u   ORDER BY c.createdAt');
    for (let i = 0; i < 3; i += 1) {
      recorder.record({
        container: 'tasks',
        operation: 'query',
        shape,
        outcome: 'ok',
        requestCharge: 2.5,
        durationMs: 4,
        itemCount: 10,
      });
    }
    recorder.record({
      container: 'tasks',
      operation: 'query',
      shape,
      outcome: 'THROTTLED',
      requestCharge: 0,
      durationMs: 9,
      itemCount: 0,
      throttled: 1,
    });
    recorder.record({
      container: 'tasks',
      operation: 'read',
      outcome: 'ok',
      requestCharge: 1,
      durationMs: 1,
      itemCount: 1,
    });

    const { rows, minuteRu } = recorder.snapshot('2026-11-27');
    expect(rows).toHaveLength(3);
    const ok = rows.find((r) => r.operation === 'query' && r.outcome === 'ok');
    expect(ok).toMatchObject({
      shape: 'SELECT * FROM c WHERE c.userId = @u ORDER BY c.createdAt',
      calls: 3,
      requestCharge: 7.5,
      itemCount: 30,
      maxDurationMs: 4,
    });
    expect(rows.find((r) => r.outcome === 'THROTTLED')).toMatchObject({ calls: 1, throttled: 1 });
    expect(minuteRu).toEqual({ [String(10 * 60)]: 8.5 });
  });

  it('never keeps a literal value of a query in its shape', () => {
    expect(queryShape(`SELECT * FROM c WHERE c.email = 'alice@example.com' AND c.name = "Bob"`)).toBe(
      "SELECT * FROM c WHERE c.email = '?' AND c.name = '?'",
    );
  });

  it('stays bounded after 1,000,000 calls of ever new shapes: the rest is summed under one row', () => {
    const recorder = new UsageRecorder(50, () => Date.parse('2026-11-27T10:00:00Z'));
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i += 1) {
      recorder.record({
        container: 'tasks',
        operation: 'query',
        shape: `SELECT * FROM c WHERE c.n${i % 5000} = @v`,
        outcome: 'ok',
        requestCharge: 1,
        durationMs: 1,
        itemCount: 1,
      });
    }
    const { rows } = recorder.snapshot('2026-11-27');
    expect(rows).toHaveLength(51);
    const other = rows.find((r) => r.shape === OTHER_SHAPE);
    expect(other?.calls).toBe(
      1_000_000 - rows.filter((r) => r.shape !== OTHER_SHAPE).reduce((s, r) => s + r.calls, 0),
    );
    expect(rows.reduce((sum, r) => sum + r.calls, 0)).toBe(1_000_000);
    expect(recorder.recordedCalls).toBe(1_000_000);
    // 50 rows and a 1440-entry array: far below a megabyte whatever the garbage collector has not yet freed.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('keeps each UTC day apart and at most three days in memory', () => {
    let now = Date.parse('2026-11-20T23:59:00Z');
    const recorder = new UsageRecorder(10, () => now);
    for (let day = 0; day < 5; day += 1) {
      recorder.record({
        container: 'users',
        operation: 'read',
        outcome: 'ok',
        requestCharge: 1,
        durationMs: 1,
        itemCount: 1,
      });
      now += DAY;
    }
    expect(recorder.heldDays()).toEqual(['2026-11-22', '2026-11-23', '2026-11-24']);
    recorder.forget('2026-11-22');
    expect(recorder.heldDays()).toEqual(['2026-11-23', '2026-11-24']);
    expect(recorder.snapshot('2026-11-24').rows[0]).toMatchObject({ calls: 1 });
  });
});
