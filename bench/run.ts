import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchApi } from './api.bench';
import { benchBulk } from './bulk.bench';
import { benchColdStart } from './coldStart.bench';
import { benchCosmosClient } from './cosmosClient.bench';
import { benchDashboard } from './dashboard.bench';
import { benchLocalStore } from './localStore.bench';
import { type BenchRow, SMOKE } from './measure';
import { benchQueryCache } from './queryCache.bench';
import { benchScale } from './scale.bench';
import { benchStartup } from './startup.bench';
import { benchTelemetry } from './telemetry.bench';

const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'bench', 'results');
// A smoke run's figures are tiny-size and meaningless as results: kept apart (and out of git) so that they
// never replace or mix with the measured ones in latest.json.
const SMOKE_DIR = path.join(RESULTS_DIR, 'smoke');

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
  const command = SMOKE ? 'npm run bench:smoke' : 'npm run bench';
  const flag = SMOKE ? '--smoke ' : '';
  const lines = [
    SMOKE
      ? '# Benchmark smoke run (tiny sizes: the figures are not results, the targets are not judged)'
      : '# Benchmark results',
    '',
    `Measured ${results.date} on ${results.machine}, Node ${results.node}, by \`${command}\`` +
      (partial
        ? ` (suites ${ran.join(', ')} only: \`node dist/bench/run.js ${flag}${ran.join(' ')}\`)`
        : '') +
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

/** Why a smoke run's suite result shows the suite does not work, or undefined when it ran cleanly. */
function smokeProblem(rows: BenchRow[]): string | undefined {
  if (rows.length === 0) return 'returned no rows';
  const bad = rows.filter((r) => !Number.isFinite(r.ours));
  if (bad.length > 0)
    return `rows without a finite figure: ${bad.map((r) => `${r.name} (${r.ours})`).join('; ')}`;
  return undefined;
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2).filter((arg) => arg !== '--smoke');
  const unknown = requested.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}; flag: --smoke`,
    );
  }
  const ran =
    requested.length > 0 ? Object.keys(SUITES).filter((s) => requested.includes(s)) : Object.keys(SUITES);
  if (SMOKE) {
    process.stdout.write(
      'Smoke run: every suite at tiny sizes; it fails only if a suite throws or yields no figure. Timings are not judged: a missed target (Pass: NO) does not fail it.\n',
    );
  }
  const date = new Date().toISOString();
  const fresh = new Map<string, RecordedRow[]>();
  const problems: string[] = [];
  const runStarted = performance.now();
  for (const suite of ran) {
    const started = performance.now();
    let rows: BenchRow[] = [];
    let problem: string | undefined;
    try {
      rows = await SUITES[suite]();
      if (SMOKE) problem = smokeProblem(rows);
    } catch (error) {
      // A full run stops at the first failure, as it always has; a smoke run goes on to report every broken suite.
      if (!SMOKE) throw error;
      problem = `threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    }
    if (problem !== undefined) problems.push(`${suite} ${problem}`);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`bench: ${suite} took ${seconds.toFixed(1)} s (${rows.length} rows)\n`);
    fresh.set(
      suite,
      rows.map((r) => ({ ...r, suite, measured: date })),
    );
  }
  process.stdout.write(
    `bench: ${ran.length} suites took ${((performance.now() - runStarted) / 1000).toFixed(1)} s\n`,
  );
  // A full run rewrites everything; a partial one replaces its suites' rows and keeps the others' in place.
  // A smoke run keeps nothing: its file holds only what it ran.
  const kept = SMOKE || ran.length === Object.keys(SUITES).length ? [] : previousRows();
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
  const dir = SMOKE ? SMOKE_DIR : RESULTS_DIR;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'latest.md'), markdown(results, ran));
  process.stdout.write(markdown(results, ran));
  if (problems.length > 0) {
    process.stderr.write(`Smoke run failed:\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
    // Exit rather than wait for the event loop: a suite that threw may have left a server or child running.
    process.exit(1);
  } else if (SMOKE) {
    process.stdout.write(
      `Smoke run passed: ${ran.length} suites ran, every row has a figure (${path.relative(process.cwd(), dir)}).\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
