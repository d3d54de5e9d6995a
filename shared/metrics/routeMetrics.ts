import { LatencyHistogram } from './latencyHistogram';

/** Requests of one route since the collector started, with their latency histogram. */
export interface RouteEntry {
  operation: string;
  name: string;
  count: number;
  clientErrors: number;
  serverErrors: number;
  latency: LatencyHistogram;
}

/** The operation every request beyond the route cap is counted under. */
export const OTHER_ROUTES = '(other routes)';

/** How many distinct routes get their own entry, by default (the function table has a few dozen). */
export const DEFAULT_MAX_ROUTES = 64;

/**
 * Request counts and latency per route (method + route template). The route table is finite, but the
 * operation string comes from outside this module: past maxRoutes distinct operations, new ones are
 * summed under OTHER_ROUTES, so memory stays at maxRoutes + 1 fixed-size entries whatever arrives.
 */
export class RouteMetricsTable {
  private readonly routes = new Map<string, RouteEntry>();
  private other: RouteEntry | undefined;

  constructor(readonly maxRoutes = DEFAULT_MAX_ROUTES) {}

  /** Counts one finished request; `bucket` is bucketIndex(durationMs), computed once by the caller. */
  record(operation: string, name: string, status: number, bucket: number, durationMs: number): void {
    let entry = this.routes.get(operation);
    if (entry === undefined) entry = this.newEntry(operation, name);
    entry.count += 1;
    if (status >= 500) entry.serverErrors += 1;
    else if (status >= 400) entry.clientErrors += 1;
    entry.latency.recordAt(bucket, durationMs);
  }

  /** Every entry (the overflow one last, if any), busiest first. */
  entries(): RouteEntry[] {
    const all = [...this.routes.values()].sort(
      (a, b) => b.count - a.count || a.operation.localeCompare(b.operation),
    );
    return this.other ? [...all, this.other] : all;
  }

  /** How many entries are held (at most maxRoutes + 1). */
  get size(): number {
    return this.routes.size + (this.other ? 1 : 0);
  }

  private newEntry(operation: string, name: string): RouteEntry {
    if (this.routes.size >= this.maxRoutes) {
      this.other ??= emptyEntry(OTHER_ROUTES, OTHER_ROUTES);
      return this.other;
    }
    const entry = emptyEntry(operation, name);
    this.routes.set(operation, entry);
    return entry;
  }
}

function emptyEntry(operation: string, name: string): RouteEntry {
  return { operation, name, count: 0, clientErrors: 0, serverErrors: 0, latency: new LatencyHistogram() };
}
