/** The store operations usage is recorded for. */
export type UsageOperation =
  'read' | 'create' | 'upsert' | 'replace' | 'delete' | 'patch' | 'query' | 'batch' | 'bulk';

/**
 * Totals of one (container, operation, query shape, outcome) over a day. Outcome is 'ok', 'cached' (a
 * query answered by the cache: no RU spent, ruSaved counts what the store charged for the cached result)
 * or the failure's code (THROTTLED, STORE_TIMEOUT, CONFLICT, ...).
 */
export interface UsageRow {
  container: string;
  operation: UsageOperation;
  /** The parameterised query text for queries; empty for point operations. */
  shape: string;
  outcome: string;
  calls: number;
  requestCharge: number;
  durationMs: number;
  maxDurationMs: number;
  itemCount: number;
  /** Throttled (429) responses met, including those the SDK retried by itself. */
  throttled: number;
  ruSaved: number;
}

/** The shape recorded for the calls that arrive once a day's row limit is reached. */
export const OTHER_SHAPE = '(other shapes)';

/** A fresh row with zero totals. */
export function emptyRow(key: Pick<UsageRow, 'container' | 'operation' | 'shape' | 'outcome'>): UsageRow {
  return {
    ...key,
    calls: 0,
    requestCharge: 0,
    durationMs: 0,
    maxDurationMs: 0,
    itemCount: 0,
    throttled: 0,
    ruSaved: 0,
  };
}

/** Adds `from`'s totals into `into` (rows of the same key, e.g. from several instances). */
export function addRow(into: UsageRow, from: UsageRow): void {
  into.calls += from.calls;
  into.requestCharge += from.requestCharge;
  into.durationMs += from.durationMs;
  into.maxDurationMs = Math.max(into.maxDurationMs, from.maxDurationMs);
  into.itemCount += from.itemCount;
  into.throttled += from.throttled;
  into.ruSaved += from.ruSaved;
}

/** The key rows are aggregated under. */
export function rowKey(row: Pick<UsageRow, 'container' | 'operation' | 'shape' | 'outcome'>): string {
  return `${row.container}\u0000${row.operation}\u0000${row.outcome}\u0000${row.shape}`;
}
