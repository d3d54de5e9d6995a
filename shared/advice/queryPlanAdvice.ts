import type { ContainerDefinition } from '../data/catalogue';
import type { IndexUse } from '../data/documentStore';
import type { ShapeAdvice } from './shapeAdvice';

// The local store cannot ask Cosmos DB for index metrics, so it reads the query itself: which properties
// the WHERE clause compares (equality and range), what the ORDER BY needs, and whether the query is held
// to one partition. The rules are Cosmos DB's documented ones: an ORDER BY over several properties needs
// a composite index in that order (or its exact reverse) or the query is refused; a query that filters
// on properties and orders by others is served best by a composite index with the filtered properties
// first (and the ORDER BY should then name them too); every other property is served by the default
// range index of "/*" unless the policy excludes it.

type Node = Record<string, unknown>;

type CosmosSqlParser = (typeof import('@zeit/cosmosdb-query'))['default'];
let cosmosSqlParser: CosmosSqlParser | undefined;

// Required on first use, not imported: the parser brings Babel and Turf (about 50 ms of start-up and a third
// of the deployment bundle's code), and only the local store's advice needs it. An app on Cosmos DB, as in
// Azure, never loads it.
function parseCosmosSql(queryText: string): Node {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cosmosSqlParser ??= (require('@zeit/cosmosdb-query') as typeof import('@zeit/cosmosdb-query')).default;
  return cosmosSqlParser(queryText).ast as Node;
}

type Order = 'ASC' | 'DESC';

interface Term {
  path: string;
  kind: 'equality' | 'range' | 'function';
}

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

/** "/a/b" for c.a.b or c["a"]["b"]; undefined for anything that is not a plain property of the root alias. */
function pathOf(expression: unknown): string | undefined {
  const segments: string[] = [];
  let node = expression;
  while (isNode(node) && node.type === 'scalar_member_expression') {
    const property = node.property;
    if (!isNode(property)) return undefined;
    const name = property.type === 'identifier' ? property.name : property.value;
    if (typeof name !== 'string') return undefined;
    segments.unshift(name);
    node = node.object;
  }
  if (!isNode(node) || node.type !== 'identifier' || segments.length === 0) return undefined;
  return `/${segments.join('/')}`;
}

function termsOf(condition: unknown, into: Term[]): void {
  if (!isNode(condition)) return;
  if (condition.type === 'scalar_binary_expression') {
    const operator = String(condition.operator).toUpperCase();
    if (operator === 'AND') {
      termsOf(condition.left, into);
      termsOf(condition.right, into);
      return;
    }
    const path = pathOf(condition.left) ?? pathOf(condition.right);
    if (!path) return;
    if (operator === '=') into.push({ path, kind: 'equality' });
    else if (['<', '>', '<=', '>='].includes(operator)) into.push({ path, kind: 'range' });
    return;
  }
  if (condition.type === 'scalar_function_expression' && Array.isArray(condition.arguments)) {
    for (const argument of condition.arguments) {
      const path = pathOf(argument);
      if (path) into.push({ path, kind: 'function' });
    }
  }
}

function excluded(container: ContainerDefinition, path: string): boolean {
  return container.indexingPolicy.excludedPaths.some(
    (e) => e.path === `${path}/?` || e.path === `${path}/*` || (e.path === '/*' && path !== '/id'),
  );
}

function servedByComposite(container: ContainerDefinition, order: { path: string; order: Order }[]): boolean {
  const wanted = order.map((o) => `${o.path} ${o.order}`).join(',');
  const reversed = order.map((o) => `${o.path} ${o.order === 'ASC' ? 'DESC' : 'ASC'}`).join(',');
  return (container.indexingPolicy.compositeIndexes ?? []).some((index) => {
    const spec = index.map((p) => `${p.path} ${p.order === 'ascending' ? 'ASC' : 'DESC'}`).join(',');
    return spec === wanted || spec === reversed;
  });
}

/** Index advice for a query from its text and the container's indexing policy (no I/O). */
export function queryPlanAdvice(
  container: ContainerDefinition,
  shape: string,
  queryText: string,
  partitionScoped: boolean,
  now: Date = new Date(),
): ShapeAdvice {
  const advice: ShapeAdvice = {
    container: container.name,
    shape,
    source: 'local-query-plan',
    sampledAt: now.toISOString(),
    utilized: [],
    potential: [],
    partitionScoped,
    notes: [],
  };
  let ast: Node;
  try {
    ast = parseCosmosSql(queryText);
  } catch {
    advice.notes.push('The query could not be parsed; no advice.');
    return advice;
  }
  const body = isNode(ast.body) ? ast.body : {};
  const terms: Term[] = [];
  termsOf(isNode(body.where) ? body.where.condition : undefined, terms);
  const sort =
    isNode(body.orderBy) && Array.isArray(body.orderBy.expressions) ? body.orderBy.expressions : [];
  const order = sort
    .filter(isNode)
    .map((s) => ({ path: pathOf(s.expression), order: (s.order === 'DESC' ? 'DESC' : 'ASC') as Order }))
    .filter((o): o is { path: string; order: Order } => o.path !== undefined);

  const partitionPath = container.partitionKey.paths[0];
  const filtersPartitionKey = terms.some((t) => t.path === partitionPath && t.kind === 'equality');
  advice.partitionScoped = partitionScoped || filtersPartitionKey;
  if (!advice.partitionScoped) {
    advice.notes.push(
      `Cross-partition: no equality filter on the partition key ${partitionPath}, so Cosmos DB runs it on every physical partition.`,
    );
  }

  const singles = new Set<string>();
  for (const term of terms) {
    if (excluded(container, term.path)) {
      advice.potential.push({ kind: 'single', paths: [`${term.path}/?`], impact: 'High' });
      advice.notes.push(`${term.path} is excluded from the index, so the filter on it scans documents.`);
    } else singles.add(`${term.path}/?`);
  }
  if (order.length === 1) singles.add(`${order[0].path}/?`);
  advice.utilized.push(...[...singles].map((path): IndexUse => ({ kind: 'single', paths: [path] })));

  if (order.length > 1) {
    const paths = order.map((o) => `${o.path} ${o.order}`);
    if (servedByComposite(container, order)) advice.utilized.push({ kind: 'composite', paths });
    else {
      advice.potential.push({ kind: 'composite', paths, impact: 'High' });
      advice.notes.push(
        'Cosmos DB refuses an ORDER BY over several properties without a composite index for it.',
      );
    }
  }
  // The partition key's equality is served by routing the query to its partition, so it is not worth an
  // index of its own; other equality filters are.
  const equalities = [
    ...new Set(
      terms
        .filter((t) => t.kind === 'equality' && !(advice.partitionScoped && t.path === partitionPath))
        .map((t) => t.path),
    ),
  ];
  const ordered = new Set(order.map((o) => o.path));
  const prefix = equalities.filter((path) => !ordered.has(path));
  if (order.length > 0 && prefix.length > 0) {
    const wanted = [...prefix.map((path) => ({ path, order: 'ASC' as Order })), ...order];
    if (!servedByComposite(container, wanted)) {
      advice.potential.push({
        kind: 'composite',
        paths: wanted.map((o) => `${o.path} ${o.order}`),
        impact: 'Low',
      });
      advice.notes.push(
        `Filters on ${prefix.join(', ')} and orders by ${order.map((o) => o.path).join(', ')}: a composite index with the filtered properties first serves both (name them in the ORDER BY too).`,
      );
    }
  }
  return advice;
}
