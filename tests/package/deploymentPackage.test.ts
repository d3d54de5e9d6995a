// The deployment package (npm run package), built into a temporary folder outside the repository, where
// no node_modules is within reach: what is in it, what its bundle leaves to run time, and that it runs as
// deployed — registering with the host's API, serving the API on Cosmos DB, writing reports through the
// separately bundled Blob Storage SDK and sending telemetry through the separately bundled Application
// Insights — without better-sqlite3, which is not in the package. The API suites themselves run against
// the bundle with `npm run test:bundle`.
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { buildFunctionTable } from '../../functions/functionTable';
import { loadSettings } from '../../shared/config/settings';
import { loadEntryModule } from '../../tools/local-runner/entryModule';
import {
  BUNDLE_EXTERNALS,
  packageExternals,
  separatePackages,
  unprovidedImports,
} from '../../tools/package/bundleExternals';
import type { BuiltBundle } from '../../tools/package/bundleApp';
import { buildDeploymentPackage, type PackageReport } from '../../tools/package/deploymentPackage';
import { directoryStats } from '../../tools/package/directoryStats';
import { RUNTIME_FILES } from '../../tools/package/runtimeFiles';
import { testAzuriteConnectionString } from '../helpers/azurite';
import { testCosmosEndpoint } from '../helpers/cosmosTestSettings';
import { itemsOf, startFakeIngestion, type FakeIngestion } from '../helpers/fakeIngestion';
import { jestEntryLoader } from '../helpers/jestEntryLoader';
import { killChildren, repoRoot, spawnRunner, type RunnerProcess } from '../runner/runnerHarness';

const SERVE_ENTRY = path.join(repoRoot, 'dist', 'tools', 'local-runner', 'serveEntry.js');
const ALICE = { 'x-ms-client-principal-id': 'alice' };
const ADMIN = { 'x-ms-client-principal-id': 'root', 'x-ms-client-principal-roles': 'admin' };

let work: string;
let report: PackageReport;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-package-'));
  report = await buildDeploymentPackage({
    root: repoRoot,
    packageDir: path.join(work, 'package'),
    buildDir: path.join(work, 'build'),
    zip: false,
  });
}, 60_000);

afterAll(async () => {
  await killChildren();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Every file of a folder, relative to it, sorted. */
function filesOf(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return found.sort();
}

describe('what the package holds', () => {
  test('host.json, a package.json whose main is the bundle and that installs nothing, the bundles and the files read at run time; no source maps', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(report.packageDir, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
      scripts?: unknown;
    };
    const rootManifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      main: string;
    };
    expect(manifest.main).toBe(rootManifest.main);
    expect(manifest.dependencies).toEqual({});
    expect(manifest.scripts).toBeUndefined();
    expect(path.join(report.packageDir, manifest.main)).toBe(report.entry);

    const separate = report.separate.map((s) => s.name);
    expect(filesOf(report.packageDir)).toEqual(
      [
        'host.json',
        'package.json',
        manifest.main,
        ...report.threads.map((thread) => path.relative(report.packageDir, thread.file)),
        ...separate.flatMap((name) => [`node_modules/${name}/index.js`, `node_modules/${name}/package.json`]),
        ...RUNTIME_FILES,
      ].sort(),
    );
    expect(fs.readFileSync(path.join(report.packageDir, 'host.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(repoRoot, 'host.json'), 'utf8'),
    );
    // The maps are beside the package, for reading stack traces; Azure does not need them.
    expect(fs.existsSync(report.bundle.mapFile)).toBe(true);
    expect(path.relative(report.packageDir, report.bundle.mapFile).startsWith('..')).toBe(true);
    expect(directoryStats(report.packageDir)).toEqual({ bytes: report.bytes, files: report.files });
  });

  test('every separately loaded package the app imports gets its own bundle, and the package stays under 10 MB', () => {
    // The app imports all of them today; a package no bundle imports would simply not be built.
    expect(report.separate.map((s) => s.name).sort()).toEqual([...separatePackages()].sort());
    for (const built of report.separate) {
      const manifest = JSON.parse(
        fs.readFileSync(path.join(path.dirname(built.file), 'package.json'), 'utf8'),
      ) as { name: string; main: string };
      expect(manifest).toMatchObject({ name: built.name, main: 'index.js' });
    }
    expect(report.bytes).toBeLessThanOrEqual(10 * 1024 * 1024);
  });

  // Which bundles require each shared package (paths in the package folder).
  const SHARED_USERS: Record<string, string[]> = {
    '@azure/logger': [
      'dist/functions/index.js',
      'dist/functions/telemetryWorker.js',
      'node_modules/applicationinsights/index.js',
      'node_modules/@azure/storage-blob/index.js',
    ],
    '@azure/core-tracing': [
      'dist/functions/index.js',
      'dist/functions/telemetryWorker.js',
      'node_modules/applicationinsights/index.js',
      'node_modules/@azure/storage-blob/index.js',
    ],
  };

  test.each(Object.keys(SHARED_USERS))(
    'a shared package is one copy: every bundle that uses %s requires it rather than carrying its own',
    (shared) => {
      const bundles = [report.bundle, ...report.threads, ...report.separate.filter((s) => s.name !== shared)];
      const carried = (built: BuiltBundle) =>
        Object.keys(built.metafile.inputs).filter((input) => input.includes(`node_modules/${shared}/`));
      for (const built of bundles) expect(carried(built)).toEqual([]);
      const users = bundles.filter((built) => built.imports.some((i) => i.path === shared));
      expect(users.map((built) => path.relative(report.packageDir, built.file)).sort()).toEqual(
        [...SHARED_USERS[shared]].sort(),
      );
    },
  );

  test('a shared package leaves to run time only the Functions host module and the other shared packages', () => {
    expect(packageExternals('@azure/logger')).toEqual({
      '@azure/functions-core': BUNDLE_EXTERNALS['@azure/functions-core'],
      '@azure/core-tracing': BUNDLE_EXTERNALS['@azure/core-tracing'],
    });
  });

  test('the bundles leave to run time only Node built-ins and the modules BUNDLE_EXTERNALS names', () => {
    const isBuiltin = (specifier: string) =>
      specifier.startsWith('node:') || builtinModules.includes(specifier);
    const leftToRunTime = new Set(
      [report.bundle, ...report.threads].flatMap((built) =>
        built.imports.map((i) => i.path).filter((p) => !isBuiltin(p)),
      ),
    );
    expect([...leftToRunTime].sort()).toEqual(Object.keys(BUNDLE_EXTERNALS).sort());
    // The SDK is the telemetry thread's alone: the entry module never requires it.
    expect(report.bundle.imports.map((i) => i.path)).not.toContain('applicationinsights');
    expect(report.threads.map((t) => path.basename(t.file))).toEqual(['telemetryWorker.js']);
    expect(report.threads[0].imports.map((i) => i.path)).toContain('applicationinsights');
    expect(unprovidedImports(report.bundle.imports)).toEqual([]);
    for (const built of [...report.threads, ...report.separate]) {
      expect(unprovidedImports(built.imports)).toEqual([]);
    }
  });
});

describe('unprovidedImports', () => {
  test('allows built-ins, the named externals and require.resolve probes; flags anything else, subpaths included', () => {
    expect(
      unprovidedImports([
        { path: 'node:fs', kind: 'require-call' },
        { path: 'crypto', kind: 'require-call' },
        { path: '@azure/functions-core', kind: 'require-call' },
        { path: 'applicationinsights', kind: 'dynamic-import' },
        { path: '@opentelemetry/instrumentation', kind: 'require-resolve' },
        { path: 'applicationinsights/out/src/shim', kind: 'require-call' },
        { path: 'left-pad', kind: 'import-statement' },
      ]),
    ).toEqual([
      { path: 'applicationinsights/out/src/shim', kind: 'require-call' },
      { path: 'left-pad', kind: 'import-statement' },
    ]);
  });
});

test('loaded as the host loads it, the bundle registers exactly the source table: names, routes, methods, schedules', () => {
  const env = { DATA_BACKEND: 'local', DATA_DIR: path.join(work, 'registration-data'), AUTH_MODE: 'dev' };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    const entry = loadEntryModule(report.entry, jestEntryLoader);
    expect(entry.programmingModel).toMatch(/^@azure\/functions@4\./);
    const describe = (f: (typeof entry.functions)[number]) =>
      f.trigger === 'http'
        ? { name: f.name, route: f.route, methods: f.methods, authLevel: f.authLevel }
        : { name: f.name, schedule: f.schedule, runOnStartup: f.runOnStartup ?? false };
    const table = buildFunctionTable(loadSettings({ ...env }));
    expect(entry.functions.map(describe)).toEqual(table.map(describe));
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

describe('the package as deployed, outside the repository', () => {
  /** serveEntry (the runner as host) on the package's entry module, with `env` as app settings. */
  function serve(env: Record<string, string>): RunnerProcess {
    return spawnRunner(
      { LOG_LEVEL: 'info', AUTH_MODE: 'dev', AzureWebJobsStorage: '', ...env },
      { script: SERVE_ENTRY, args: [report.entry, '--port', '0'], cwd: work },
    );
  }

  async function stop(runner: RunnerProcess): Promise<void> {
    runner.child.kill('SIGTERM');
    expect(await runner.exited).toEqual({ code: 0, signal: null });
  }

  const cosmos = (database: string) => ({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: testCosmosEndpoint(),
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: `${database}-${Date.now()}`,
  });

  test('on Cosmos DB it serves the API and stores a health report, without better-sqlite3 or any node_modules', async () => {
    const runner = serve({ ...cosmos('package-cosmos'), AzureWebJobsStorage: testAzuriteConnectionString() });
    const url = await runner.listening;
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { backend: string }).backend).toBe('cosmos');

    const put = await fetch(`${url}/api/me`, {
      method: 'PUT',
      headers: { ...ALICE, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Alice', timezone: 'Europe/Berlin' }),
    });
    expect(put.status).toBe(201);
    const me = await fetch(`${url}/api/me`, { headers: ALICE });
    expect(((await me.json()) as { displayName: string }).displayName).toBe('Alice');

    // The health timer writes its report through @azure/storage-blob, bundled on its own.
    const run = await fetch(`${url}/admin/functions/healthCheck`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: '' }),
    });
    expect(run.status).toBe(202);
    let latest = 0;
    for (let tries = 0; tries < 100 && latest !== 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      latest = (await fetch(`${url}/api/reports/health/latest`, { headers: ADMIN })).status;
    }
    expect(latest).toBe(200);

    await stop(runner);
    expect(runner.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(runner.stdoutText() + runner.stderrText()).not.toMatch(/better-sqlite3/);
  });

  test('on the local store it fails clearly: better-sqlite3 is not in the package', async () => {
    const runner = serve({ DATA_BACKEND: 'local', DATA_DIR: path.join(work, 'local-data') });
    const url = await runner.listening;
    expect((await fetch(`${url}/api/health`)).status).toBe(503);
    await stop(runner);
    const notReady = runner.lines.find((l) => l.message === 'document store not ready at start-up');
    expect(JSON.stringify(notReady)).toMatch(/Cannot find module 'better-sqlite3'/);
  });

  describe('with an Application Insights connection string', () => {
    let ingestion: FakeIngestion;
    beforeAll(async () => {
      ingestion = await startFakeIngestion();
    });
    afterAll(async () => ingestion?.close());

    test('the separately bundled SDK sends each request, and its Cosmos DB calls as its dependencies', async () => {
      const runner = serve({
        ...cosmos('package-telemetry'),
        APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
        NODE_EXTRA_CA_CERTS: ingestion.caFile,
        OTEL_TRACES_SAMPLER: 'always_on',
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      });
      const url = await runner.listening;
      const read = await fetch(`${url}/api/tasks/no-such-task`, {
        headers: { ...ALICE, 'x-correlation-id': 'package-telemetry' },
      });
      expect(read.status).toBe(404);
      // appTerminate flushes what is queued before the process exits.
      await stop(runner);
      expect(runner.stdoutText()).toContain('"message":"telemetry started"');
      // The SDK's own diagnostics and the Azure SDK logger it takes over stay out of stdout's JSON lines.
      expect(runner.lines.filter((l) => l.message === '(not JSON)')).toEqual([]);

      const request = itemsOf(ingestion.envelopes, 'RequestData').find(
        (e) => e.data.baseData.properties?.correlationId === 'package-telemetry',
      );
      expect(request?.data.baseData).toMatchObject({ name: 'GET tasks/{id}', responseCode: '404' });
      const dependencies = itemsOf(ingestion.envelopes, 'RemoteDependencyData').filter(
        (e) => e.tags?.['ai.operation.id'] === request?.tags?.['ai.operation.id'],
      );
      expect(dependencies.map((d) => [d.data.baseData.type, d.data.baseData.name])).toContainEqual([
        'cosmosdb',
        'read tasks',
      ]);
    });
  });
});
