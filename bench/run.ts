import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchApi } from './api.bench';
import { benchBulk } from './bulk.bench';
import { benchColdStart } from './coldStart.bench';
import { benchCosmosClient } from './cosmosClient.bench';
import { benchDashboard } from './dashboard.bench';
import { benchLocalStore } from './localStore.bench';
import type { BenchRow } from './measure';
import { benchQueryCache } from './queryCache.bench';
import { benchScale } from './scale.bench';
import { benchStartup } from './startup.bench';
import { benchTelemetry } from './telemetry.bench';

const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'bench', 'results');

/** Every suite, in the order a full run measures them; `node dist/bench/run.js <name>...` runs some only. */
const SUITES: Record<string, () => Promise<BenchRow[]>> = {
  localStore: benchLocalStore,
  startup: benchStartup,
  api: benchApi,
  bulk: benchBulk,
  queryCache: benchQueryCache,
  cosmosClient: benchCosmosClient,
  scale: benchScale,
  dashboard: benchDashboard,
  coldStart: benchColdStart,
  telemetry: benchTelemetry,
};

/** A results row with the suite that measured it and when. */
type RecordedRow = BenchRow & { suite?: string; measured?: string };

interface Results {
  date: string;
  machine: string;
  node: string;
  rows: RecordedRow[];
}

function markdown(results: Results, ran: string[]): string {
  const n = (v: number | undefined, digits = 1) => (v === undefined ? '' : v.toFixed(digits));
  const partial = ran.length < Object.keys(SUITES).length;
  const older = [...new Set(results.rows.filter((r) => r.measured !== results.date).map((r) => r.suite))];
  const lines = [
    '# Benchmark results',
    '',
    `Measured ${results.date} on ${results.machine}, Node ${results.node}, by \`npm run bench\`` +
      (partial ? ` (suites ${ran.join(', ')} only: \`node dist/bench/run.js ${ran.join(' ')}\`)` : '') +
      '. Comparisons run side by side in one process run.' +
      (older.length > 0
        ? ` Rows of ${older.map((s) => s ?? 'earlier runs').join(', ')} are from an earlier run (their Detail says when).`
        : ''),
    '',
    '| Measured | Ours | Comparison | Ratio | Target | Pass | Detail |',
    '|---|---|---|---|---|---|---|',
    ...results.rows.map((r) => {
      const when = r.measured !== undefined && r.measured !== results.date ? ` (measured ${r.measured})` : '';
      return `| ${r.name} | ${n(r.ours)} ${r.unit} | ${r.comparison === undefined ? '' : `${n(r.comparison)} ${r.unit} (${r.comparisonName})`} | ${r.ratio === undefined ? '' : `${n(r.ratio)}x`} | ${r.target ?? ''} | ${r.pass === undefined ? '' : r.pass ? 'yes' : 'NO'} | ${r.detail ?? ''}${when} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

/** The rows of the last results file, when a partial run keeps the suites it did not run. */
function previousRows(): RecordedRow[] {
  try {
    const text = fs.readFileSync(path.join(RESULTS_DIR, 'latest.json'), 'utf8');
    const previous = JSON.parse(text) as Partial<Results>;
    // Rows from before suites were recorded belong to no suite: they are kept, with their run's date.
    return (previous.rows ?? []).map((r) => ({ ...r, measured: r.measured ?? previous.date }));
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    throw new Error(`Unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}`);
  }
  const ran =
    requested.length > 0 ? Object.keys(SUITES).filter((s) => requested.includes(s)) : Object.keys(SUITES);
  const date = new Date().toISOString();
  const fresh = new Map<string, RecordedRow[]>();
  for (const suite of ran) {
    fresh.set(
      suite,
      (await SUITES[suite]()).map((r) => ({ ...r, suite, measured: date })),
    );
  }
  // A full run rewrites everything; a partial one replaces its suites' rows and keeps the others' in place.
  const kept = ran.length === Object.keys(SUITES).length ? [] : previousRows();
  // Rows of no (known) suite came from a run before suites were recorded, whose suites ran first.
  const rows: RecordedRow[] = kept.filter((r) => r.suite === undefined || !(r.suite in SUITES));
  for (const suite of Object.keys(SUITES)) {
    rows.push(...(fresh.get(suite) ?? kept.filter((r) => r.suite === suite)));
  }
  const results: Results = {
    date,
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.versions.node,
    rows,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), markdown(results, ran));
  process.stdout.write(markdown(results, ran));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
