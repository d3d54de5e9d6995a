// Latency percentiles from a fixed-size, log-bucketed histogram: memory does not grow with the number of
// requests, and recording is one Math.log2 and one array increment.
//
// Layout (the same for every histogram, so an index computed once serves several histograms):
// - bucket 0: durations up to MIN_MS (0.01 ms);
// - buckets 1..OCTAVES*SUB_BUCKETS: each octave above MIN_MS split into SUB_BUCKETS geometric buckets, so
//   bucket i covers [MIN_MS * 2^((i-1)/8), MIN_MS * 2^(i/8)), up to MIN_MS * 2^24 ≈ 168 s;
// - the last bucket: everything slower (answered as the largest duration seen).
//
// Error bound: a percentile is answered as the geometric middle of the bucket holding the exact
// (nearest-rank) percentile, clamped to the smallest and largest duration seen. Between 0.01 ms and 168 s
// it is therefore within a factor 2^(1/16) of the exact value: at most 4.5% relative error
// (RELATIVE_ERROR). Below 0.01 ms the absolute error is under 0.01 ms; above 168 s the answer is the max.

const MIN_MS = 0.01;
const SUB_BUCKETS = 8;
const OCTAVES = 24;

/** How many buckets every latency histogram has. */
export const BUCKET_COUNT = OCTAVES * SUB_BUCKETS + 2;

/** The largest relative error of a percentile for durations between 0.01 ms and ~168 s. */
export const RELATIVE_ERROR = 2 ** (1 / (2 * SUB_BUCKETS)) - 1;

const LAST = BUCKET_COUNT - 1;
const INV_MIN = 1 / MIN_MS;

/** The bucket a duration (ms) falls into; compute it once and record it into several histograms. */
export function bucketIndex(durationMs: number): number {
  if (!(durationMs > MIN_MS)) return 0; // also NaN and negatives: a broken clock must not throw
  const index = 1 + Math.floor(Math.log2(durationMs * INV_MIN) * SUB_BUCKETS);
  return index > LAST ? LAST : index;
}

// The value a bucket stands for: the geometric middle of its range (the error bound above relies on it).
const REPRESENTATIVE = Float64Array.from({ length: BUCKET_COUNT }, (_, i) =>
  i === 0 ? MIN_MS : MIN_MS * 2 ** ((i - 1 + 0.5) / SUB_BUCKETS),
);

/** p50, p95, p99 and max of a histogram, in milliseconds (0 when it is empty). */
export interface LatencyPercentiles {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * Counts of durations in fixed logarithmic buckets, plus the exact count, min and max. Its size is fixed
 * (BUCKET_COUNT counters) whatever it records. `wide` keeps counts in doubles (a process-lifetime
 * histogram cannot wrap); a short-lived one (a timeline slot) uses 32-bit counters, half the memory.
 */
export class LatencyHistogram {
  private readonly counts: Float64Array | Uint32Array;
  private total = 0;
  private min = Infinity;
  private max = 0;

  constructor(wide = true) {
    this.counts = wide ? new Float64Array(BUCKET_COUNT) : new Uint32Array(BUCKET_COUNT);
  }

  /** Records one duration (ms). */
  record(durationMs: number): void {
    this.recordAt(bucketIndex(durationMs), durationMs);
  }

  /** Records one duration whose bucket was already computed with bucketIndex(durationMs). */
  recordAt(index: number, durationMs: number): void {
    this.counts[index] += 1;
    this.total += 1;
    if (durationMs > this.max) this.max = durationMs;
    if (durationMs < this.min) this.min = durationMs;
  }

  /** How many durations were recorded. */
  get count(): number {
    return this.total;
  }

  /** Forgets every recorded duration (the counters are reused, not reallocated). */
  clear(): void {
    this.counts.fill(0);
    this.total = 0;
    this.min = Infinity;
    this.max = 0;
  }

  /** The q-quantile (0 < q <= 1) by nearest rank, within RELATIVE_ERROR; 0 when empty. */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i += 1) {
      seen += this.counts[i];
      if (seen >= rank) {
        if (i === LAST) return this.max;
        return Math.min(this.max, Math.max(this.min, REPRESENTATIVE[i]));
      }
    }
    return this.max;
  }

  /** p50, p95, p99 (within RELATIVE_ERROR) and the exact max, rounded to the microsecond. */
  percentiles(): LatencyPercentiles {
    return {
      p50Ms: round3(this.percentile(0.5)),
      p95Ms: round3(this.percentile(0.95)),
      p99Ms: round3(this.percentile(0.99)),
      maxMs: round3(this.max),
    };
  }

  /** Bytes held by the counters (for the memory-bound tests and figures). */
  get counterBytes(): number {
    return this.counts.byteLength;
  }
}
