import type { JsonValue, SqlParameter } from '../data/documentStore';

/** One optional condition of a list query: a clause naming exactly one parameter, and that parameter's value. */
export interface QueryCondition {
  clause: string;
  parameter: string;
  /** undefined leaves the condition out (the client did not ask for it). */
  value: JsonValue | undefined;
}

/** The clauses and parameters of the conditions that apply; values only ever travel as parameters. */
export function conditionsOf(conditions: QueryCondition[]): { where: string[]; parameters: SqlParameter[] } {
  const applied = conditions.filter((c): c is QueryCondition & { value: JsonValue } => c.value !== undefined);
  return {
    where: applied.map((c) => c.clause),
    parameters: applied.map((c) => ({ name: c.parameter, value: c.value })),
  };
}

/** A list's direction; the id tie-breaker always follows it. */
export type SortOrder = 'asc' | 'desc';

/** ORDER BY a property, with id as the tie-breaker in the same direction (what a composite index serves). */
export function orderByWithId(property: string, order: SortOrder): string {
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  return `c.${property} ${direction}, c.id ${direction}`;
}
