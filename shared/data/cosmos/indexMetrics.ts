import type { IndexMetrics, IndexUse } from '../documentStore';

// Cosmos DB returns index metrics (populateIndexMetrics) in the x-ms-cosmos-index-utilization header,
// base64 JSON that the SDK decodes into a JSON string (FeedResponse.indexMetrics). Two layouts exist:
// the original one (UtilizedSingleIndexes, PotentialCompositeIndexes, ...) and the newer grouped one
// (UtilizedIndexes: { SingleIndexes, CompositeIndexes }, PotentialIndexes: { ... }). Both are read.

type Raw = Record<string, unknown>;

const asArray = (value: unknown): Raw[] =>
  Array.isArray(value) ? value.filter((v): v is Raw => typeof v === 'object' && v !== null) : [];

function single(entry: Raw): IndexUse | undefined {
  const spec = entry.IndexSpec;
  if (typeof spec !== 'string') return undefined;
  const impact = typeof entry.IndexImpactScore === 'string' ? entry.IndexImpactScore : undefined;
  return { kind: 'single', paths: [spec], ...(impact ? { impact } : {}) };
}

function composite(entry: Raw): IndexUse | undefined {
  const specs = entry.IndexSpecs;
  if (!Array.isArray(specs) || !specs.every((s) => typeof s === 'string')) return undefined;
  const impact = typeof entry.IndexImpactScore === 'string' ? entry.IndexImpactScore : undefined;
  return { kind: 'composite', paths: specs as string[], ...(impact ? { impact } : {}) };
}

function uses(singles: unknown, composites: unknown): IndexUse[] {
  return [...asArray(singles).map(single), ...asArray(composites).map(composite)].filter(
    (use): use is IndexUse => use !== undefined,
  );
}

/** Parses the index metrics the SDK returns (a JSON string, possibly still base64); undefined when absent or unreadable. */
export function parseIndexMetrics(text: string | undefined): IndexMetrics | undefined {
  if (!text) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    try {
      raw = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    } catch {
      return undefined;
    }
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Raw;
  // The SDK answers "{}" when the server sent no metrics: that is "unknown", not "no index would help".
  const layouts = [
    'UtilizedIndexes',
    'PotentialIndexes',
    'UtilizedSingleIndexes',
    'PotentialSingleIndexes',
    'UtilizedCompositeIndexes',
    'PotentialCompositeIndexes',
  ];
  if (!layouts.some((name) => name in r)) return undefined;
  if (typeof r.UtilizedIndexes === 'object' || typeof r.PotentialIndexes === 'object') {
    const utilized = (r.UtilizedIndexes ?? {}) as Raw;
    const potential = (r.PotentialIndexes ?? {}) as Raw;
    return {
      utilized: uses(utilized.SingleIndexes, utilized.CompositeIndexes),
      potential: uses(potential.SingleIndexes, potential.CompositeIndexes),
    };
  }
  return {
    utilized: uses(r.UtilizedSingleIndexes, r.UtilizedCompositeIndexes),
    potential: uses(r.PotentialSingleIndexes, r.PotentialCompositeIndexes),
  };
}
