import type { IndexUse } from '../data/documentStore';

/** Where a piece of index advice came from. */
export type AdviceSource = 'cosmos-index-metrics' | 'local-query-plan';

/** What is known about how one query shape uses the indexes, and which index would serve it better. */
export interface ShapeAdvice {
  container: string;
  shape: string;
  source: AdviceSource;
  sampledAt: string;
  utilized: IndexUse[];
  potential: IndexUse[];
  /** False when the query is not scoped to one partition: Cosmos DB fans it out to every physical partition. */
  partitionScoped: boolean;
  /** Plain-language findings (e.g. "ORDER BY needs a composite index"). */
  notes: string[];
}
