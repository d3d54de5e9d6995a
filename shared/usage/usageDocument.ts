import type { DayUsage } from './usageRecorder';
import type { UsageRow } from './usageRow';
import type { ShapeAdvice } from '../advice/shapeAdvice';

/** The container usage is flushed to (infra/containers.json: partition key /day, 90-day TTL). */
export const USAGE_CONTAINER = 'usage';

/**
 * One instance's usage of one day, as stored. Each instance writes its own document (id day~instance)
 * with its cumulative totals, so a flush is an idempotent upsert (a retried flush cannot count twice)
 * and instances add up when the report sums the day's documents.
 */
export type UsageDocument = DayUsage & {
  id: string;
  day: string;
  instanceId: string;
  updatedAt: string;
  rows: UsageRow[];
  minuteRu: Record<string, number>;
  /** Index advice gathered by this instance (Cosmos DB index metrics or the local query plan). */
  advice: ShapeAdvice[];
};

/** The id of an instance's usage document for a day. */
export function usageDocumentId(day: string, instanceId: string): string {
  return `${day}~${instanceId}`;
}
