import type { DocumentStore, StoredDocument } from '../data/documentStore';
import {
  FITNESS_TYPES,
  roundedCalories,
  type FitnessEntry,
  type FitnessType,
  type FitnessTypeTotals,
} from '../models/fitness';
import { conditionsOf, orderByWithId, type SortOrder } from './queryFilters';
import { UserItemRepository, type Page } from './userItemRepository';

/** The filters of a fitness list; each one left undefined does not filter. Dates are inclusive. */
export interface FitnessListFilter {
  from?: string;
  to?: string;
  type?: FitnessType;
}

interface TotalsRow {
  entries?: number;
  minutes?: number;
  calories?: number;
}

// The local store's engine has no GROUP BY, so the summary runs this aggregate once per type, in
// parallel. The same text runs on both adapters (measured: the same row on both, and zeros for a type
// without entries). calories is optional: the guard hands SUM a number for every entry, so no store has
// to decide how to treat a missing value (Cosmos DB turns a SUM undefined when it meets a non-number).
// userId is in the text because the Cosmos test server ignores a query's partition key.
export const SUMMARY_QUERY =
  'SELECT COUNT(1) AS entries, SUM(c.durationMinutes) AS minutes, ' +
  'SUM(IS_NUMBER(c.calories) ? c.calories : 0) AS calories ' +
  'FROM c WHERE c.userId = @userId AND c.type = @type AND c.date >= @from AND c.date <= @to';

/** The user's fitness entries. */
export class FitnessRepository extends UserItemRepository<FitnessEntry> {
  constructor(store: DocumentStore) {
    super(store, 'fitness', 'Fitness entry');
  }

  /** One page of the user's entries in the date range, by date (composite index [date, id]). */
  list(
    userId: string,
    filter: FitnessListFilter,
    order: SortOrder,
    limit: number,
    continuationToken: string | undefined,
  ): Promise<Page<StoredDocument<FitnessEntry>>> {
    const { where, parameters } = conditionsOf([
      { clause: 'c.date >= @from', parameter: '@from', value: filter.from },
      { clause: 'c.date <= @to', parameter: '@to', value: filter.to },
      { clause: 'c.type = @type', parameter: '@type', value: filter.type },
    ]);
    return this.page(
      userId,
      { where, parameters, orderBy: orderByWithId('date', order) },
      limit,
      continuationToken,
    );
  }

  /** Count, minutes and calories per type over from..to (inclusive), for the types that have entries. */
  async summary(userId: string, from: string, to: string): Promise<FitnessTypeTotals[]> {
    const totals = await Promise.all(
      FITNESS_TYPES.map(async (type): Promise<FitnessTypeTotals> => {
        const page = await this.store.query<TotalsRow>(
          this.container,
          {
            query: SUMMARY_QUERY,
            parameters: [
              { name: '@userId', value: userId },
              { name: '@type', value: type },
              { name: '@from', value: from },
              { name: '@to', value: to },
            ],
          },
          { partitionKey: userId },
        );
        // Both adapters answer with one row; adding up every row would also be right if a store ever
        // returned partial aggregates in several rows, and a missing field (an empty set) counts as 0.
        const sum = (field: keyof TotalsRow) =>
          page.items.reduce((total, row) => total + (row[field] ?? 0), 0);
        return {
          type,
          count: sum('entries'),
          totalDurationMinutes: sum('minutes'),
          totalCalories: roundedCalories(sum('calories')),
        };
      }),
    );
    return totals.filter((row) => row.count > 0);
  }
}
