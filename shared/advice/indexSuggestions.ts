import { getContainer, listContainers } from '../data/catalogue';
import type { IndexUse } from '../data/documentStore';
import type { ShapeAdvice } from './shapeAdvice';

/** One concrete change to infra/containers.json, with the query shapes that asked for it. */
export interface IndexSuggestion {
  container: string;
  /** "add composite index [/userId ASC, /dueDate DESC] to tasks" */
  text: string;
  kind: 'composite' | 'single';
  paths: string[];
  impact: string;
  source: ShapeAdvice['source'];
  shapes: string[];
  /** The finding behind it. */
  reason: string;
  /** RU the shapes behind it cost in the period (filled in by the cost report). */
  requestCharge?: number;
}

const normalise = (spec: string) =>
  spec
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/ ascending$/i, ' ASC')
    .replace(/ descending$/i, ' DESC');

function withOrder(spec: string): string {
  const s = normalise(spec);
  return / (ASC|DESC)$/i.test(s) ? s.replace(/ asc$/i, ' ASC').replace(/ desc$/i, ' DESC') : `${s} ASC`;
}

function reversed(spec: string): string {
  return spec.endsWith(' ASC') ? spec.replace(/ ASC$/, ' DESC') : spec.replace(/ DESC$/, ' ASC');
}

/** True when the catalogue already has this composite index (in its order or exact reverse). */
function hasComposite(container: string, paths: string[]): boolean {
  const wanted = paths.map(withOrder).join(',');
  const back = paths.map(withOrder).map(reversed).join(',');
  return (getContainer(container).indexingPolicy.compositeIndexes ?? []).some((index) => {
    const spec = index.map((p) => `${p.path} ${p.order === 'ascending' ? 'ASC' : 'DESC'}`).join(',');
    return spec === wanted || spec === back;
  });
}

/** True when the catalogue's policy indexes this single path (included by /* or by name, not excluded). */
function hasSingle(container: string, path: string): boolean {
  const policy = getContainer(container).indexingPolicy;
  const bare = path.replace(/\/\?$/, '').replace(/\/\*$/, '');
  const excluded = policy.excludedPaths.some((e) => e.path === `${bare}/?` || e.path === `${bare}/*`);
  return !excluded && policy.includedPaths.some((i) => i.path === '/*' || i.path === `${bare}/?`);
}

const IMPACT_RANK: Record<string, number> = { High: 0, Medium: 1, Low: 2 };

/**
 * Turns index advice into changes to infra/containers.json: every potential index a query shape would
 * use that the catalogue lacks, once, with the shapes that asked for it. Indexes the catalogue already
 * has are not suggested again.
 */
export function indexSuggestions(advice: ShapeAdvice[]): IndexSuggestion[] {
  const known = new Set(listContainers().map((c) => c.name));
  const byKey = new Map<string, IndexSuggestion>();
  for (const item of advice) {
    if (!known.has(item.container)) continue;
    for (const use of item.potential) {
      const suggestion = suggestionFor(item, use);
      if (!suggestion) continue;
      const key = `${suggestion.container}\u0000${suggestion.text}`;
      const existing = byKey.get(key);
      if (existing) {
        if (!existing.shapes.includes(item.shape)) existing.shapes.push(item.shape);
        if ((IMPACT_RANK[use.impact ?? ''] ?? 3) < (IMPACT_RANK[existing.impact] ?? 3)) {
          existing.impact = use.impact ?? existing.impact;
        }
      } else byKey.set(key, suggestion);
    }
  }
  return [...byKey.values()].sort(
    (a, b) =>
      (IMPACT_RANK[a.impact] ?? 3) - (IMPACT_RANK[b.impact] ?? 3) || b.shapes.length - a.shapes.length,
  );
}

// The local plan's note that explains this index; Cosmos DB's metrics come without one.
function reasonFor(item: ShapeAdvice, use: IndexUse): string {
  if (item.source === 'cosmos-index-metrics') {
    return `Cosmos DB's index metrics name it as a potential index (impact ${use.impact ?? 'unknown'}).`;
  }
  const marker = use.kind === 'single' ? 'excluded' : use.impact === 'High' ? 'refuses' : 'Filters on';
  return item.notes.find((note) => note.includes(marker)) ?? '';
}

function suggestionFor(item: ShapeAdvice, use: IndexUse): IndexSuggestion | undefined {
  const base = {
    container: item.container,
    impact: use.impact ?? 'Unknown',
    source: item.source,
    shapes: [item.shape],
    reason: reasonFor(item, use),
  };
  if (use.kind === 'composite') {
    const paths = use.paths.map(withOrder);
    if (paths.length < 2 || hasComposite(item.container, paths)) return undefined;
    return {
      ...base,
      kind: 'composite',
      paths,
      text: `add composite index [${paths.join(', ')}] to ${item.container}`,
    };
  }
  const path = normalise(use.paths[0] ?? '');
  if (!path || hasSingle(item.container, path)) return undefined;
  return {
    ...base,
    kind: 'single',
    paths: [path],
    text: `include path ${path} in the indexing policy of ${item.container}`,
  };
}
