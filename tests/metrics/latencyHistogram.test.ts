import {
  BUCKET_COUNT,
  LatencyHistogram,
  RELATIVE_ERROR,
  bucketIndex,
} from '../../shared/metrics/latencyHistogram';

// A small seeded generator (mulberry32), so every data set is the same on every run.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The exact q-quantile by nearest rank: the definition the histogram approximates. */
function exactPercentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

const rand = random(7);
const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const DATA_SETS: Record<string, number[]> = {
  'log-normal around 5 ms': Array.from({ length: 50_000 }, () => 5 * Math.exp(gaussian())),
  'uniform 0.05..2000 ms': Array.from({ length: 20_000 }, () => 0.05 + rand() * 1999.95),
  'bimodal: 95% near 1 ms, 5% near 300 ms': Array.from({ length: 10_000 }, (_, i) =>
    i % 20 === 0 ? 300 + rand() * 50 : 0.8 + rand() * 0.4,
  ),
  'one value': [12.5],
  'three values': [1, 100, 10_000],
  'a constant': Array.from({ length: 1000 }, () => 3.7),
};

describe('LatencyHistogram', () => {
  test.each(Object.entries(DATA_SETS))(
    '%s: p50/p90/p95/p99/p99.9 within the documented bucket error of the exact percentiles',
    (_name, values) => {
      const histogram = new LatencyHistogram();
      for (const value of values) histogram.record(value);
      expect(histogram.count).toBe(values.length);
      for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
        const exact = exactPercentile(values, q);
        const estimate = histogram.percentile(q);
        expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-12);
      }
      expect(histogram.percentiles().maxMs).toBeCloseTo(Math.max(...values), 3);
    },
  );

  test('the documented bound is 4.5% and is what the layout gives (a coarser layout would fail the tests)', () => {
    expect(RELATIVE_ERROR).toBeLessThan(0.045);
    expect(RELATIVE_ERROR).toBeGreaterThan(0.04);
    // Neighbouring buckets are a factor 2^(1/8) apart.
    expect(bucketIndex(10 * 2 ** (1 / 8) * 1.0001)).toBe(bucketIndex(10) + 1);
  });

  test('the uniform set: estimates are not exact, only bounded (the test can tell a wrong bucket)', () => {
    const values = DATA_SETS['uniform 0.05..2000 ms'];
    const histogram = new LatencyHistogram();
    for (const value of values) histogram.record(value);
    const exact = exactPercentile(values, 0.5);
    expect(histogram.percentile(0.5)).not.toBe(exact);
    // One bucket off would be ~9% off: outside the bound.
    expect(Math.abs(histogram.percentile(0.5) - exact) / exact).toBeLessThan(RELATIVE_ERROR);
  });

  test('durations below 0.01 ms are within 0.01 ms; beyond the last bucket the answer is the exact max', () => {
    const tiny = new LatencyHistogram();
    for (const value of [0.001, 0.002, 0.004, 0.009]) tiny.record(value);
    expect(Math.abs(tiny.percentile(0.5) - 0.002)).toBeLessThan(0.01);
    expect(tiny.percentiles().maxMs).toBe(0.009);

    const huge = new LatencyHistogram();
    huge.record(1);
    huge.record(400_000);
    huge.record(900_000);
    expect(huge.percentile(0.99)).toBe(900_000);
    // Past ~168 s a percentile is answered as the largest duration seen: an overload, not a distribution.
    expect(huge.percentile(0.5)).toBe(900_000);
    expect(Math.abs(huge.percentile(0.2) - 1)).toBeLessThanOrEqual(RELATIVE_ERROR);
  });

  test('bad durations (NaN, negative) land in the first bucket instead of throwing', () => {
    expect(bucketIndex(Number.NaN)).toBe(0);
    expect(bucketIndex(-5)).toBe(0);
    expect(bucketIndex(Number.POSITIVE_INFINITY)).toBe(BUCKET_COUNT - 1);
  });

  test('empty: zeros; clear() forgets everything; the size never changes', () => {
    const histogram = new LatencyHistogram(false);
    expect(histogram.percentiles()).toEqual({ p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 });
    const bytes = histogram.counterBytes;
    for (let i = 0; i < 100_000; i += 1) histogram.record(i / 7);
    expect(histogram.counterBytes).toBe(bytes);
    expect(bytes).toBe(BUCKET_COUNT * 4);
    histogram.clear();
    expect(histogram.count).toBe(0);
    expect(histogram.percentiles()).toEqual({ p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 });
  });
});
