import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchRow, sized, spread } from './measure';
import { freePort } from './freePort';
import { waitUntilHealthy } from './healthy';

const REPO = path.resolve(__dirname, '..', '..');
const RUNS = sized(5, 1);
// A smoke run shows that npm start comes up; a warmed file cache would not change that.
const WARM_UPS = sized(1, 0);

/**
 * Milliseconds from spawning `npm start` (dist/ already built) to the first 200 from /api/health, on a fresh
 * DATA_DIR; `env` is the child's whole environment, PORT and DATA_DIR aside.
 */
export async function timeToFirstHealthy(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-start-'));
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: REPO,
    env: { ...env, PORT: String(port), DATA_BACKEND: 'local', DATA_DIR: dataDir },
    stdio: 'ignore',
  });
  try {
    return await waitUntilHealthy(`http://127.0.0.1:${port}`, child, {
      what: 'npm start',
      started,
      pollMs: 5,
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Time from `npm start` to a healthy app, over several runs. */
export async function benchStartup(): Promise<BenchRow[]> {
  for (let i = 0; i < WARM_UPS; i++) await timeToFirstHealthy(); // warm the file cache; not counted
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timeToFirstHealthy());
  const s = spread(runs);
  return [
    {
      name: 'npm start to the first 200 from /api/health (no rebuild needed, empty DATA_DIR)',
      unit: 'ms median',
      ours: s.median,
      detail: `${s.min.toFixed(0)}..${s.max.toFixed(0)} ms over ${RUNS} runs; includes npm's own start-up`,
    },
  ];
}
