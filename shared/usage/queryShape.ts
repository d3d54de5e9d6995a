// A query shape is the parameterised query text: what a query does, never with which values. Repositories
// pass every value as a parameter, so the text is already free of user data; string literals are masked
// anyway so that a query written with an inline value can never carry it into a report.

const MAX_SHAPE_LENGTH = 1000;
const MEMO_LIMIT = 2000;
const memo = new Map<string, string>();

function normalise(query: string): string {
  const masked = query
    .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "'?'")
    .replace(/\s+/g, ' ')
    .trim();
  return masked.length > MAX_SHAPE_LENGTH ? `${masked.slice(0, MAX_SHAPE_LENGTH - 1)}…` : masked;
}

/** The shape of a query text: whitespace collapsed, string literals masked, at most 1000 characters. */
export function queryShape(query: string): string {
  let shape = memo.get(query);
  if (shape === undefined) {
    shape = normalise(query);
    // Query texts come from a handful of builders, so the memo stays small; the cap guards against a caller
    // that builds texts without bound.
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(query, shape);
  }
  return shape;
}
