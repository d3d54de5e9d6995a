import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchApi } from './api.bench';
import { benchLocalStore } from './localStore.bench';
import type { BenchRow } from './measure';
import { benchStartup } from './startup.bench';

const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'bench', 'results');

function markdown(rows: BenchRow[], meta: Record<string, string>): string {
  const n = (v: number | undefined, digits = 1) => (v === undefined ? '' : v.toFixed(digits));
  const lines = [
    '# Benchmark results',
    '',
    `Measured ${meta.date} on ${meta.machine}, Node ${meta.node}, by \`npm run bench\`. Comparisons run side by side in one process run.`,
    '',
    '| Measured | Ours | Comparison | Ratio | Target | Pass | Detail |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${n(r.ours)} ${r.unit} | ${r.comparison === undefined ? '' : `${n(r.comparison)} ${r.unit} (${r.comparisonName})`} | ${r.ratio === undefined ? '' : `${n(r.ratio)}x`} | ${r.target ?? ''} | ${r.pass === undefined ? '' : r.pass ? 'yes' : 'NO'} | ${r.detail ?? ''} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const rows = [...(await benchLocalStore()), ...(await benchStartup()), ...(await benchApi())];
  const meta = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.versions.node,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), markdown(rows, meta));
  process.stdout.write(markdown(rows, meta));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
