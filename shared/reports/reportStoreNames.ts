// How reports are named in the "reports" blob container. Names carry the report's time with the most
// significant part first, so name order is time order and the newest report is found by walking the
// names from year to month to day (see reportStore.ts) instead of listing every report ever written.

/** The kinds of report the app stores. */
export const REPORT_KINDS = ['cost', 'health'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** The two renderings stored for every report. */
export type ReportRendering = 'json' | 'markdown';

/** The blob name suffix and content type of each rendering. */
export const RENDERINGS: Record<ReportRendering, { extension: string; contentType: string }> = {
  json: { extension: '.json', contentType: 'application/json; charset=utf-8' },
  markdown: { extension: '.md', contentType: 'text/markdown; charset=utf-8' },
};

// The JSON blob is written last, so it marks a complete report; these match exactly the names
// reportName() gives, nothing else that may sit in the container.
const JSON_NAME: Record<ReportKind, RegExp> = {
  cost: /^cost\/(\d{4}-\d{2}-\d{2})\.json$/,
  health: /^health\/(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z\.json$/,
};

/**
 * The delimiters that split a kind's names into year, month (and, for health, day) levels of a
 * hierarchical listing: "health/" → "health/2026-" → "health/2026-11-" → "health/2026-11-27T".
 */
export const LISTING_LEVELS: Record<ReportKind, readonly string[]> = {
  cost: ['-', '-'],
  health: ['-', '-', 'T'],
};

/** True when the value is one of REPORT_KINDS. */
export function isReportKind(value: unknown): value is ReportKind {
  return typeof value === 'string' && (REPORT_KINDS as readonly string[]).includes(value);
}

/**
 * A report's blob name without extension: "cost/2026-11-27" (the UTC day of `at`: one cost report per
 * day, a rerun replaces it) or "health/2026-11-27T09-45-00Z" (UTC, to the second; ":" is left out because
 * it is awkward in URLs and file names).
 */
export function reportName(kind: ReportKind, at: Date): string {
  if (!isReportKind(kind)) {
    throw new TypeError(`Unknown report kind ${JSON.stringify(kind)}: expected ${REPORT_KINDS.join(' or ')}`);
  }
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new TypeError(`The time of a ${kind} report must be a valid Date`);
  }
  const iso = at.toISOString();
  // Four-digit years only: beyond them the names would stop sorting by date.
  if (!/^\d{4}-/.test(iso))
    throw new RangeError(`The time of a ${kind} report must be in the years 0000-9999`);
  return kind === 'cost' ? `cost/${iso.slice(0, 10)}` : `health/${iso.slice(0, 19).replace(/:/g, '-')}Z`;
}

/** The name of one rendering's blob: the report name plus the rendering's extension. */
export function blobNameOf(name: string, rendering: ReportRendering): string {
  return `${name}${RENDERINGS[rendering].extension}`;
}

/** For a complete report's JSON blob name: the report name and the time it stands for; otherwise undefined. */
export function parseJsonBlobName(
  kind: ReportKind,
  blobName: string,
): { name: string; at: Date } | undefined {
  const match = JSON_NAME[kind].exec(blobName);
  if (!match) return undefined;
  const [, day, hours, minutes, seconds] = match;
  const at = new Date(kind === 'cost' ? `${day}T00:00:00Z` : `${day}T${hours}:${minutes}:${seconds}Z`);
  if (Number.isNaN(at.getTime())) return undefined;
  return { name: blobName.slice(0, -RENDERINGS.json.extension.length), at };
}
