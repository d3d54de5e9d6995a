import { indexSuggestions, type IndexSuggestion } from '../advice/indexSuggestions';
import type { ShapeAdvice } from '../advice/shapeAdvice';
import type { Settings } from '../config/settings';
import type { DataBackendName, DocumentStore } from '../data/documentStore';
import { daysBetween, readPeriodUsage } from '../usage/usagePeriod';
import type { UsageRow } from '../usage/usageRow';
import {
  costEstimates,
  throughputAdvice,
  throughputProfile,
  type CostEstimates,
  type ThroughputAdvice,
  type ThroughputProfile,
} from './throughputCost';

/** RU and calls of one slice of the usage (a container, an operation, a query shape). */
export interface UsageSlice {
  requestCharge: number;
  calls: number;
  /** Share of the period's RU, 0..1. */
  share: number;
  avgRu: number;
  avgDurationMs: number;
}

/** The daily RU cost report: where the RU went, what it costs, and how to spend less. */
export interface CostReport {
  kind: 'cost';
  generatedAt: string;
  period: { from: string; to: string; hours: number; days: string[] };
  backend: DataBackendName;
  /** measured: Cosmos DB's own request charges; estimated: the local store's documented RU model. */
  ruSource: 'measured' | 'estimated';
  instances: number;
  totals: {
    requestCharge: number;
    calls: number;
    failedCalls: number;
    throttled: number;
    queries: number;
    cachedQueries: number;
    /** Share of queries answered from the cache, 0..1. */
    cacheHitRate: number;
    ruSaved: number;
  };
  byContainer: (UsageSlice & { container: string })[];
  byOperation: (UsageSlice & { container: string; operation: string })[];
  topQueryShapes: (UsageSlice & {
    container: string;
    shape: string;
    maxDurationMs: number;
    avgItems: number;
    cachedCalls: number;
    ruSaved: number;
  })[];
  throughput: ThroughputProfile;
  cost: CostEstimates & {
    mode: Settings['throughput']['mode'];
    periodUsd: number;
    projected30DaysUsd: number;
  };
  throughputAdvice: ThroughputAdvice;
  indexAdvice: { suggestions: IndexSuggestion[]; shapes: ShapeAdvice[] };
}

const MAX_SUGGESTIONS = 10;
const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

function slice(rows: UsageRow[], total: number): UsageSlice {
  const requestCharge = rows.reduce((sum, r) => sum + r.requestCharge, 0);
  const calls = rows.reduce((sum, r) => sum + r.calls, 0);
  const duration = rows.reduce((sum, r) => sum + r.durationMs, 0);
  return {
    requestCharge: round(requestCharge),
    calls,
    share: total > 0 ? round(requestCharge / total, 4) : 0,
    avgRu: calls > 0 ? round(requestCharge / calls) : 0,
    avgDurationMs: calls > 0 ? round(duration / calls) : 0,
  };
}

function groupBy<K>(rows: UsageRow[], key: (row: UsageRow) => K): Map<K, UsageRow[]> {
  const groups = new Map<K, UsageRow[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** The inputs of a report besides the stored usage. */
export interface CostReportInput {
  store: DocumentStore;
  settings: Pick<Settings, 'costRates' | 'throughput'>;
  from: Date;
  to: Date;
}

/**
 * Builds the cost report of a period from every instance's flushed usage: RU by container, operation and
 * query shape, the ten most expensive shapes, cache hit rate and RU saved, throttling, the period's cost
 * under serverless, provisioned and autoscale throughput, a throughput recommendation and index advice
 * turned into changes to infra/containers.json.
 */
export async function buildCostReport(input: CostReportInput): Promise<CostReport> {
  const { store, settings, from, to } = input;
  const usage = await readPeriodUsage(store, daysBetween(from, to));
  const rows = usage.rows;
  const totalRu = rows.reduce((sum, r) => sum + r.requestCharge, 0);
  const queries = rows.filter((r) => r.operation === 'query');
  const cached = queries.filter((r) => r.outcome === 'cached');

  const byContainer = [...groupBy(rows, (r) => r.container)]
    .map(([container, group]) => ({ container, ...slice(group, totalRu) }))
    .sort((a, b) => b.requestCharge - a.requestCharge);
  const byOperation = [...groupBy(rows, (r) => `${r.container}\u0000${r.operation}`)]
    .map(([key, group]) => {
      const [container, operation] = key.split('\u0000');
      return { container, operation, ...slice(group, totalRu) };
    })
    .sort((a, b) => b.requestCharge - a.requestCharge);
  const topQueryShapes = [...groupBy(queries, (r) => `${r.container}\u0000${r.shape}`)]
    .map(([key, group]) => {
      const [container, shape] = key.split('\u0000');
      const served = group.filter((r) => r.outcome !== 'cached');
      const hits = group.filter((r) => r.outcome === 'cached');
      const calls = group.reduce((sum, r) => sum + r.calls, 0);
      return {
        container,
        shape,
        ...slice(served, totalRu),
        calls,
        maxDurationMs: round(Math.max(0, ...group.map((r) => r.maxDurationMs))),
        avgItems: calls > 0 ? round(group.reduce((sum, r) => sum + r.itemCount, 0) / calls, 1) : 0,
        cachedCalls: hits.reduce((sum, r) => sum + r.calls, 0),
        ruSaved: round(hits.reduce((sum, r) => sum + r.ruSaved, 0)),
      };
    })
    .sort((a, b) => b.requestCharge - a.requestCharge)
    .slice(0, 10);

  const profile = throughputProfile(usage.minuteRu, from, to);
  const estimates = costEstimates(totalRu, profile, settings.costRates);
  const mode = settings.throughput.mode;
  const periodUsd = estimates[mode].usd;
  const days = profile.hours / 24;
  const queryCalls = queries.reduce((sum, r) => sum + r.calls, 0);
  const cachedCalls = cached.reduce((sum, r) => sum + r.calls, 0);
  return {
    kind: 'cost',
    generatedAt: new Date().toISOString(),
    period: { from: from.toISOString(), to: to.toISOString(), hours: round(profile.hours), days: usage.days },
    backend: store.backend,
    ruSource: store.backend === 'cosmos' ? 'measured' : 'estimated',
    instances: usage.instances.length,
    totals: {
      requestCharge: round(totalRu),
      calls: rows.reduce((sum, r) => sum + r.calls, 0),
      failedCalls: rows
        .filter((r) => r.outcome !== 'ok' && r.outcome !== 'cached')
        .reduce((s, r) => s + r.calls, 0),
      throttled: rows.reduce((sum, r) => sum + r.throttled, 0),
      queries: queryCalls,
      cachedQueries: cachedCalls,
      cacheHitRate: queryCalls > 0 ? round(cachedCalls / queryCalls, 4) : 0,
      ruSaved: round(cached.reduce((sum, r) => sum + r.ruSaved, 0)),
    },
    byContainer,
    byOperation,
    topQueryShapes,
    throughput: profile,
    cost: {
      ...estimates,
      mode,
      periodUsd,
      projected30DaysUsd: days > 0 ? round((periodUsd / days) * 30, 6) : 0,
    },
    throughputAdvice: throughputAdvice(settings.throughput, profile, estimates),
    indexAdvice: {
      suggestions: rankedSuggestions(indexSuggestions(usage.advice), queries),
      shapes: usage.advice.filter((a) => a.potential.length > 0 || a.notes.length > 0),
    },
  };
}

// The suggestions worth reading first: required ones (High) first, then by the RU the query shapes behind
// them cost in the period; ten at most, since every composite index makes each write cost more.
function rankedSuggestions(suggestions: IndexSuggestion[], queries: UsageRow[]): IndexSuggestion[] {
  const ruOf = new Map<string, number>();
  for (const row of queries) {
    const key = `${row.container}\u0000${row.shape}`;
    ruOf.set(key, (ruOf.get(key) ?? 0) + row.requestCharge);
  }
  return suggestions
    .map((s) => ({
      ...s,
      requestCharge: round(
        s.shapes.reduce((sum, shape) => sum + (ruOf.get(`${s.container}\u0000${shape}`) ?? 0), 0),
      ),
    }))
    .sort(
      (a, b) =>
        Number(b.impact === 'High') - Number(a.impact === 'High') || b.requestCharge - a.requestCharge,
    )
    .slice(0, MAX_SUGGESTIONS);
}

/** The period a scheduled report covers: from the start of the previous UTC day until now. */
export function reportPeriod(now: Date): { from: Date; to: Date } {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
  return { from, to: now };
}
