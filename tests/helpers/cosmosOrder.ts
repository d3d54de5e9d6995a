// A reference model of Cosmos SQL ordering, for tests that predict what a list query must return.

// Cosmos DB orders values of different types by type first: undefined, null, booleans, numbers, strings.
function typeRank(value: unknown): number {
  if (value === undefined) return 0;
  if (value === null) return 1;
  if (typeof value === 'boolean') return 2;
  if (typeof value === 'number') return 3;
  return 4;
}

/** Compares two values the way ORDER BY ... ASC does in Cosmos SQL. */
export function cosmosCompare(a: unknown, b: unknown): number {
  const rank = typeRank(a) - typeRank(b);
  if (rank !== 0) return rank;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
}

const valueOf = (item: object, property: string): unknown => (item as Record<string, unknown>)[property];

/** Items sorted as ORDER BY c.<property> <order>, c.id <order> sorts them. */
export function orderedLikeCosmos<T extends object>(
  items: T[],
  property: string,
  order: 'asc' | 'desc',
): T[] {
  const sign = order === 'asc' ? 1 : -1;
  const compare = (a: T, b: T) =>
    cosmosCompare(valueOf(a, property), valueOf(b, property)) ||
    cosmosCompare(valueOf(a, 'id'), valueOf(b, 'id'));
  return [...items].sort((a, b) => sign * compare(a, b));
}
