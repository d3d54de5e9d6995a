import { OTHER_SHAPE, emptyRow, rowKey, type UsageOperation, type UsageRow } from './usageRow';

/** One store call, as the recorder sees it. */
export interface UsageEvent {
  container: string;
  operation: UsageOperation;
  /** Query shape (see queryShape); omit for point operations. */
  shape?: string;
  outcome: string;
  requestCharge: number;
  durationMs: number;
  itemCount: number;
  throttled?: number;
  ruSaved?: number;
}

/** A day's recorded usage: rows and the RU spent in each minute (UTC), for peak RU/s. */
export type DayUsage = {
  day: string;
  rows: UsageRow[];
  /** Minute of the day (0..1439) to RU spent in it; minutes without RU are left out. */
  minuteRu: Record<string, number>;
};

interface DayBucket {
  day: string;
  rows: Map<string, UsageRow>;
  minuteRu: Float64Array;
  /** Rows under a real shape; past maxShapes, new shapes go to OTHER_SHAPE. */
  shapedRows: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
// A day stays in memory until it has been flushed after it ended; if flushing keeps failing, the oldest
// days go so memory stays bounded (their usage is lost, and the loss is logged by the flusher).
const MAX_DAYS_KEPT = 3;

/**
 * Aggregates every store call in memory by day, container, operation, query shape and outcome. Memory is
 * bounded: at most maxShapes rows per day carry their own shape (the rest are summed under OTHER_SHAPE,
 * per container, operation and outcome), at most three days are kept, and a day's per-minute RU is a
 * fixed array.
 */
export class UsageRecorder {
  private readonly days = new Map<string, DayBucket>();
  private current: DayBucket | undefined;
  private currentStart = 0;
  private recorded = 0;

  constructor(
    private readonly maxShapes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds one call's figures to its day's row. */
  record(event: UsageEvent): void {
    const at = this.now();
    const bucket = this.bucketAt(at);
    const shape = event.shape ?? '';
    const key = { container: event.container, operation: event.operation, shape, outcome: event.outcome };
    let row = bucket.rows.get(rowKey(key));
    if (!row) {
      if (shape !== '' && bucket.shapedRows >= this.maxShapes) {
        const other = { ...key, shape: OTHER_SHAPE };
        row = bucket.rows.get(rowKey(other));
        if (!row) {
          row = emptyRow(other);
          bucket.rows.set(rowKey(other), row);
        }
      } else {
        row = emptyRow(key);
        bucket.rows.set(rowKey(key), row);
        if (shape !== '') bucket.shapedRows += 1;
      }
    }
    row.calls += 1;
    row.requestCharge += event.requestCharge;
    row.durationMs += event.durationMs;
    if (event.durationMs > row.maxDurationMs) row.maxDurationMs = event.durationMs;
    row.itemCount += event.itemCount;
    row.throttled += event.throttled ?? 0;
    row.ruSaved += event.ruSaved ?? 0;
    if (event.requestCharge > 0) {
      bucket.minuteRu[Math.floor((at - this.currentStart) / MINUTE_MS)] += event.requestCharge;
    }
    this.recorded += 1;
    for (const observer of storeCallObservers) {
      try {
        observer(event, at);
      } catch {
        // An observer's bug must never fail the store call it observes.
      }
    }
  }

  /** How many calls were recorded since the process started. */
  get recordedCalls(): number {
    return this.recorded;
  }

  /** The days held in memory, oldest first (UTC dates, YYYY-MM-DD). */
  heldDays(): string[] {
    return [...this.days.keys()].sort();
  }

  /** A copy of a day's usage (empty when nothing was recorded that day). */
  snapshot(day: string): DayUsage {
    const bucket = this.days.get(day);
    const minuteRu: Record<string, number> = {};
    bucket?.minuteRu.forEach((ru, minute) => {
      if (ru > 0) minuteRu[String(minute)] = Math.round(ru * 100) / 100;
    });
    return { day, rows: bucket ? [...bucket.rows.values()].map((row) => ({ ...row })) : [], minuteRu };
  }

  /** Forgets a day that has ended and been flushed for the last time. */
  forget(day: string): void {
    this.days.delete(day);
    if (this.current?.day === day) this.current = undefined;
  }

  /** Today's date (UTC) by the recorder's clock. */
  today(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }

  private bucketAt(at: number): DayBucket {
    if (this.current && at >= this.currentStart && at < this.currentStart + DAY_MS) return this.current;
    const start = Math.floor(at / DAY_MS) * DAY_MS;
    const day = new Date(start).toISOString().slice(0, 10);
    let bucket = this.days.get(day);
    if (!bucket) {
      bucket = { day, rows: new Map(), minuteRu: new Float64Array(1440), shapedRows: 0 };
      this.days.set(day, bucket);
      for (const old of this.heldDays().slice(0, Math.max(0, this.days.size - MAX_DAYS_KEPT))) {
        this.days.delete(old);
      }
    }
    this.current = bucket;
    this.currentStart = start;
    return bucket;
  }
}

/** Receives every recorded store call (live metrics, telemetry). Must not throw or block. */
export type StoreCallObserver = (event: UsageEvent, at: number) => void;

const storeCallObservers = new Set<StoreCallObserver>();

/** Adds an observer of every store call any recorder records; returns its remover. */
export function observeStoreCalls(observer: StoreCallObserver): () => void {
  storeCallObservers.add(observer);
  return () => storeCallObservers.delete(observer);
}

let processRecorder: UsageRecorder | undefined;

/** The usage recorder of this process (every store the process opens records into it). */
export function getUsageRecorder(maxShapes: number): UsageRecorder {
  processRecorder ??= new UsageRecorder(maxShapes);
  return processRecorder;
}
