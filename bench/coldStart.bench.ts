// Cold start: what the Functions host pays on every new instance, for the deployment bundle (npm run
// package, built here into a temporary folder outside the repository) and for the unbundled app
// (dist/functions/index.js with node_modules), side by side in alternating rounds.
//  - Entry load: a fresh `node -e` process times require(<entry>) alone, with hrtime inside.
//  - First answered request: a stand-in host loads the entry as the worker does, runs its appStart hooks
//    (the store opens: the local store, or the Cosmos-protocol test server in a process of its own, as
//    Azure runs on Cosmos DB), serves it with the local runner and times one request. The host itself
//    (the runner, node:http, fetch) is an esbuild bundle of tools/local-runner/serveEntry.ts loaded before
//    the clock starts, as the worker is running before it loads the app, and it shares no module files
//    with either entry, so neither finds the other's modules already loaded.
//  - Package size and file count: the package folder vs dist + production node_modules (unbundledPackage.ts).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { BUNDLE_EXTERNALS } from '../tools/package/bundleExternals';
import { buildDeploymentPackage, type PackageReport } from '../tools/package/deploymentPackage';
import { startBenchCosmosServer } from './cosmosServer';
import { type BenchRow, sized, SMOKE, spread } from './measure';
import { measureUnbundledPackage, type UnbundledPackage } from './unbundledPackage';

const REPO = path.resolve(__dirname, '..', '..');
const UNBUNDLED_ENTRY = path.join(REPO, 'dist', 'functions', 'index.js');
const ENTRY_LOAD_ROUNDS = sized(11, 1);
const FIRST_REQUEST_ROUNDS = sized(7, 1);
// A smoke run shows each path works; warming the file cache first would not change that.
const WARM_UPS = sized(1, 0);
const MB = 1024 * 1024;
/** Targets from issue 8. */
const ENTRY_LOAD_TARGET_MS = 300;
const PACKAGE_TARGET_MB = 10;

// Settings as in Azure: the entry module reads them at load; nothing connects until appStart.
const AZURE_LIKE_ENV = {
  DATA_BACKEND: 'cosmos',
  COSMOS_ENDPOINT: 'https://lifetracker-bench.documents.azure.com:443/',
  AUTH_MODE: 'easyauth',
  LOG_LEVEL: 'warn',
};

interface EntryLoad {
  ms: number;
  /** Modules (files) in require.cache after the load. */
  modules: number;
}

/** One fresh process that times require(entry) only. */
function loadOnce(entry: string, cwd: string): EntryLoad {
  const script =
    'const t = process.hrtime.bigint();' +
    `require(${JSON.stringify(entry)});` +
    'const ms = Number(process.hrtime.bigint() - t) / 1e6;' +
    'process.stdout.write(JSON.stringify({ ms, modules: Object.keys(require.cache).length }));';
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd,
    env: { ...process.env, ...AZURE_LIKE_ENV },
    encoding: 'utf8',
    timeout: 60_000,
  });
  // Outside the host @azure/functions runs in "test mode": it warns once per registration, and app.http
  // does not throw. Anything else on stderr is a failure to load.
  const unexpected = run.stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^WARNING: .*test mode/.test(line));
  if (run.status !== 0 || unexpected.length > 0) {
    throw new Error(`require(${entry}) failed (${run.status}): ${unexpected.slice(0, 5).join(' | ')}`);
  }
  return JSON.parse(run.stdout) as EntryLoad;
}

interface FirstRequest {
  /** From the start of the entry's load: loaded, appStart done, first answer received. */
  loadedMs: number;
  startedMs: number;
  answeredMs: number;
  status: number;
}

/** Builds the stand-in host: serveEntry.ts and the runner in one file that shares nothing with the entries. */
async function buildHost(dir: string): Promise<string> {
  const outfile = path.join(dir, 'serveEntry.js');
  await esbuild.build({
    absWorkingDir: REPO,
    entryPoints: [path.join(REPO, 'tools', 'local-runner', 'serveEntry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: Object.keys(BUNDLE_EXTERNALS),
    logLevel: 'error',
  });
  return outfile;
}

/** Where the app's store is for a first-request run, and the request to time there. */
interface StoreEnv {
  env: (dataDir: string) => Record<string, string>;
  probe: string;
}

const localStore: StoreEnv = {
  env: (dataDir) => ({
    DATA_BACKEND: 'local',
    DATA_DIR: dataDir,
    // better-sqlite3 is not in the package (Azure runs on Cosmos DB): the local store takes it from the
    // repository. Only what the bundle leaves out is looked up there.
    NODE_PATH: path.join(REPO, 'node_modules'),
  }),
  // The whole request path: identity, query validation, the repository, a partition query.
  probe: '/api/tasks?limit=10',
};

/** The test server, each run on a database of its own, which appStart creates as on an emulator. */
function cosmosStore(endpoint: string): StoreEnv {
  let run = 0;
  return {
    env: () => ({
      DATA_BACKEND: 'cosmos',
      COSMOS_ENDPOINT: endpoint,
      COSMOS_KEY: 'bench-key',
      COSMOS_ALLOW_INSECURE_TLS: 'true',
      COSMOS_DATABASE: `cold-start-${process.pid}-${run++}`,
    }),
    // The test server cannot serve the task list's ORDER BY (no composite indexes); health reads every
    // container of the catalogue instead.
    probe: '/api/health',
  };
}

/** One fresh host process: load the entry, start it, answer PROBE once, exit. */
function firstRequestOnce(host: string, entry: string, store: StoreEnv): Promise<FirstRequest> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-cold-data-'));
  return new Promise<FirstRequest>((resolve, reject) => {
    const child = spawn(process.execPath, [host, entry, '--port', '0', '--probe', store.probe], {
      cwd: dataDir,
      env: { ...process.env, AUTH_MODE: 'dev', LOG_LEVEL: 'warn', ...store.env(dataDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      const lines = output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { message: string; ms?: number; status?: number });
      const at = (message: string) => lines.find((l) => l.message === message);
      const loaded = at('entry loaded');
      const started = at('app started');
      const answered = at('probe answered');
      if (code !== 0 || !loaded?.ms || !started?.ms || !answered?.ms || answered.status !== 200) {
        reject(new Error(`serving ${entry} failed (exit ${code}): ${output.slice(0, 500)}`));
        return;
      }
      resolve({
        loadedMs: loaded.ms,
        startedMs: started.ms,
        answeredMs: answered.ms,
        status: answered.status,
      });
    });
  });
}

/** The first-request row for one store: the bundle vs the unbundled entry. */
function firstRequestRow(
  store: string,
  probe: string,
  bundle: FirstRequest[],
  unbundled: FirstRequest[],
): BenchRow {
  const ours = median(bundle.map((f) => f.answeredMs));
  const comparison = median(unbundled.map((f) => f.answeredMs));
  const phases = (runs: FirstRequest[]) =>
    `${range(runs.map((f) => f.answeredMs))} ms (loaded at ${median(runs.map((f) => f.loadedMs)).toFixed(0)}, ` +
    `started at ${median(runs.map((f) => f.startedMs)).toFixed(0)})`;
  return {
    name: `Cold start: entry load + appStart + first answered GET ${probe} through the local runner, on ${store}`,
    unit: 'ms median',
    ours,
    comparison,
    comparisonName: 'unbundled',
    ratio: comparison / ours,
    detail:
      `bundle ${phases(bundle)}; unbundled ${phases(unbundled)}; ${FIRST_REQUEST_ROUNDS} alternating rounds, ` +
      'each a fresh process; the host (the runner, bundled on its own) is loaded before the clock starts',
  };
}

function median(values: number[]): number {
  return spread(values).median;
}

function range(values: number[], digits = 0): string {
  const s = spread(values);
  return `${s.min.toFixed(digits)}..${s.max.toFixed(digits)}`;
}

/** Entry load, first answered request and package size: the bundle vs the unbundled app. */
export async function benchColdStart(): Promise<BenchRow[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-cold-'));
  try {
    const pkg: PackageReport = await buildDeploymentPackage({
      root: REPO,
      packageDir: path.join(work, 'package'),
      buildDir: path.join(work, 'build'),
    });
    const host = await buildHost(path.join(work, 'host'));

    // Entry load. One unmeasured load each warms the file cache, as an instance's disk is warm once the
    // package is mounted; rounds alternate so load on the machine hits both alike.
    for (let i = 0; i < WARM_UPS; i++) {
      loadOnce(pkg.entry, work);
      loadOnce(UNBUNDLED_ENTRY, work);
    }
    const bundleLoads: EntryLoad[] = [];
    const unbundledLoads: EntryLoad[] = [];
    for (let i = 0; i < ENTRY_LOAD_ROUNDS; i++) {
      bundleLoads.push(loadOnce(pkg.entry, work));
      unbundledLoads.push(loadOnce(UNBUNDLED_ENTRY, work));
    }

    const firstRequests = async (store: StoreEnv) => {
      for (let i = 0; i < WARM_UPS; i++) {
        await firstRequestOnce(host, pkg.entry, store);
        await firstRequestOnce(host, UNBUNDLED_ENTRY, store);
      }
      const bundle: FirstRequest[] = [];
      const unbundled: FirstRequest[] = [];
      for (let i = 0; i < FIRST_REQUEST_ROUNDS; i++) {
        bundle.push(await firstRequestOnce(host, pkg.entry, store));
        unbundled.push(await firstRequestOnce(host, UNBUNDLED_ENTRY, store));
      }
      return { bundle, unbundled };
    };
    const onLocal = await firstRequests(localStore);
    const server = await startBenchCosmosServer();
    let onCosmos: Awaited<ReturnType<typeof firstRequests>>;
    try {
      onCosmos = await firstRequests(cosmosStore(server.endpoint));
    } finally {
      await server.stop();
    }

    // The unbundled install (npm ci --omit=dev into a temporary folder) costs 15-25 s whatever the sizes, and
    // a failed one only turns into the row below, so a smoke run, which checks that the suite runs, leaves it out.
    const unbundled: UnbundledPackage = SMOKE
      ? { error: 'smoke run: the unbundled install is left out' }
      : measureUnbundledPackage(REPO);

    const loadB = median(bundleLoads.map((l) => l.ms));
    const loadU = median(unbundledLoads.map((l) => l.ms));
    const sizeB = pkg.bytes / MB;
    const rows: BenchRow[] = [
      {
        name: 'Cold start: entry module load, require() in a fresh node process (bundle vs dist/ + node_modules)',
        unit: 'ms median',
        ours: loadB,
        comparison: loadU,
        comparisonName: 'unbundled dist/functions/index.js',
        ratio: loadU / loadB,
        target: `≤ ${ENTRY_LOAD_TARGET_MS} ms`,
        pass: loadB <= ENTRY_LOAD_TARGET_MS,
        detail:
          `bundle ${range(bundleLoads.map((l) => l.ms))} ms, ${bundleLoads[0].modules} module file(s) loaded; ` +
          `unbundled ${range(unbundledLoads.map((l) => l.ms))} ms, ${unbundledLoads[0].modules} module files; ` +
          `${ENTRY_LOAD_ROUNDS} alternating rounds, warm file cache, Cosmos settings as in Azure`,
      },
      firstRequestRow('the local store', localStore.probe, onLocal.bundle, onLocal.unbundled),
      firstRequestRow(
        'the Cosmos-protocol test server (appStart creates the database and containers)',
        '/api/health',
        onCosmos.bundle,
        onCosmos.unbundled,
      ),
    ];
    if ('error' in unbundled) {
      rows.push({
        name: 'Deployment package size (bundle; unbundled not measured)',
        unit: 'MB',
        ours: sizeB,
        target: `≤ ${PACKAGE_TARGET_MB} MB`,
        pass: sizeB <= PACKAGE_TARGET_MB,
        detail: unbundled.error,
      });
      return rows;
    }
    const sizeU = unbundled.bytes / MB;
    const zip = pkg.zip ? `; zipped ${(pkg.zip.bytes / MB).toFixed(2)} MB` : '';
    rows.push(
      {
        name: 'Deployment package size (npm run package vs dist/ + production node_modules)',
        unit: 'MB',
        ours: sizeB,
        comparison: sizeU,
        comparisonName: 'unbundled',
        ratio: sizeU / sizeB,
        target: `≤ ${PACKAGE_TARGET_MB} MB`,
        pass: sizeB <= PACKAGE_TARGET_MB,
        detail:
          `bundle: app ${(pkg.bundle.bytes / MB).toFixed(2)} MB + ` +
          pkg.threads.map((t) => `${path.basename(t.file)} ${(t.bytes / MB).toFixed(2)} MB + `).join('') +
          pkg.separate.map((s) => `${s.name} ${(s.bytes / MB).toFixed(2)} MB`).join(' + ') +
          ' (each loaded only when needed)' +
          `${zip}, source maps kept out; unbundled: node_modules ${(unbundled.nodeModules.bytes / MB).toFixed(1)} MB + app ` +
          `${(unbundled.app.bytes / MB).toFixed(2)} MB (${unbundled.note})`,
      },
      {
        name: 'Deployment package file count',
        unit: 'files',
        ours: pkg.files,
        comparison: unbundled.files,
        comparisonName: 'unbundled',
        ratio: unbundled.files / pkg.files,
        detail: `unbundled: ${unbundled.nodeModules.files} in node_modules, ${unbundled.app.files} of the app`,
      },
    );
    return rows;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
