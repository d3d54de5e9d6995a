import { BoundedHistory } from '../../shared/metrics/boundedHistory';
import { bucketIndex } from '../../shared/metrics/latencyHistogram';
import { OTHER_CONTAINERS, Timeline } from '../../shared/metrics/timeline';

const SLOT = 10_000;
// A slot boundary, so "t0 + n * SLOT" is the start of slot n.
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);

function request(timeline: Timeline, at: number, durationMs: number, serverError = false): void {
  timeline.recordRequest(at, serverError, bucketIndex(durationMs), durationMs);
}

describe('Timeline (ring buffer of fixed slots)', () => {
  test('events land in the slot of their time; points run oldest first from the start, empty slots as zeros', () => {
    const timeline = new Timeline({ slotMs: SLOT, slotCount: 6 });
    request(timeline, T0 + 1_000, 5);
    request(timeline, T0 + 9_999, 15, true);
    timeline.recordCharge(T0 + 2_000, 'tasks', 2.5);
    timeline.recordCharge(T0 + 3_000, 'projects', 1);
    timeline.recordCache(T0 + 4_000, 1, 0);
    request(timeline, T0 + 2 * SLOT + 10, 7);

    const points = timeline.points(T0 + 2 * SLOT + 500, T0);
    expect(points.map((p) => p.at)).toEqual([0, 1, 2].map((n) => new Date(T0 + n * SLOT).toISOString()));
    expect(points[0]).toMatchObject({
      requests: 2,
      serverErrors: 1,
      requestCharge: 3.5,
      requestChargeByContainer: { tasks: 2.5, projects: 1 },
      cacheHits: 1,
      cacheMisses: 0,
    });
    expect(points[0].maxMs).toBe(15);
    expect(points[1]).toMatchObject({ requests: 0, p50Ms: 0, maxMs: 0, requestCharge: 0 });
    expect(points[2]).toMatchObject({ requests: 1, p50Ms: 7, maxMs: 7 });
  });

  test('rotation with an injected clock: the ring keeps only the last slotCount slots, and a reused slot starts empty', () => {
    const timeline = new Timeline({ slotMs: SLOT, slotCount: 6 });
    for (let n = 0; n < 20; n += 1) {
      for (let i = 0; i <= n; i += 1) request(timeline, T0 + n * SLOT + i, 1); // n + 1 requests in slot n
    }
    const now = T0 + 19 * SLOT + 1;
    const points = timeline.points(now, T0);
    expect(points).toHaveLength(6);
    expect(points[0].at).toBe(new Date(T0 + 14 * SLOT).toISOString());
    expect(points.map((p) => p.requests)).toEqual([15, 16, 17, 18, 19, 20]);

    // Later, with nothing recorded for a while: the old slots are no longer reported.
    const later = timeline.points(T0 + 23 * SLOT, T0);
    expect(later.map((p) => p.requests)).toEqual([19, 20, 0, 0, 0, 0]);
    // An event older than the ring is dropped; one for a slot whose time came round again clears it first.
    request(timeline, T0 + 2 * SLOT, 1);
    request(timeline, T0 + 24 * SLOT, 1);
    expect(timeline.points(T0 + 24 * SLOT, T0).map((p) => p.requests)).toEqual([20, 0, 0, 0, 0, 1]);
    expect(timeline.size).toBe(6);
  });

  test('requests per second over the last minute: whole slots, the current one included, and not before the start', () => {
    const timeline = new Timeline({ slotMs: SLOT, slotCount: 180 });
    for (let s = 0; s < 120; s += 1) request(timeline, T0 + s * 1000, 1); // 1 request/s for 2 minutes
    // 6 slots cover [T0+70 s, now = T0+120 s): 50 requests (70..119) over 50 s.
    expect(timeline.ratePerSecond(T0 + 120_000, T0, 60_000)).toBe(1);
    // Just started: 5 requests in the first 5 s is 1/s, not 5 / 60.
    const young = new Timeline({ slotMs: SLOT });
    for (let s = 0; s < 5; s += 1) request(young, T0 + s * 1000, 1);
    expect(young.ratePerSecond(T0 + 5_000, T0, 60_000)).toBe(1);
  });

  test('distinct containers per slot are capped; the rest is summed under one key', () => {
    const timeline = new Timeline({ slotMs: SLOT, slotCount: 3, maxContainers: 4 });
    for (let i = 0; i < 50; i += 1) timeline.recordCharge(T0 + i, `container-${i}`, 1);
    const [point] = timeline.points(T0 + 100, T0);
    expect(Object.keys(point.requestChargeByContainer)).toHaveLength(5);
    expect(point.requestChargeByContainer[OTHER_CONTAINERS]).toBe(46);
    expect(point.requestCharge).toBe(50);
    expect(timeline.maxContainersHeld()).toBe(5);
  });

  test('the slot width must be whole seconds (the snapshot states it in seconds)', () => {
    expect(() => new Timeline({ slotMs: 1500 })).toThrow(RangeError);
    expect(() => new Timeline({ slotCount: 0 })).toThrow(RangeError);
  });
});

describe('BoundedHistory', () => {
  test('keeps the newest entries, oldest first, never more than its capacity', () => {
    const history = new BoundedHistory<number>(3);
    expect(history.toArray()).toEqual([]);
    expect(history.latest()).toBeUndefined();
    for (let i = 1; i <= 2; i += 1) history.push(i);
    expect(history.toArray()).toEqual([1, 2]);
    for (let i = 3; i <= 10; i += 1) history.push(i);
    expect(history.toArray()).toEqual([8, 9, 10]);
    expect(history.latest()).toBe(10);
    expect(history.size).toBe(3);
    expect(() => new BoundedHistory(0)).toThrow(RangeError);
  });
});
