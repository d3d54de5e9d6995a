// The `npm start` path (scripts/start.mjs -> tools/local-runner/main.ts) as a child process: telemetry is
// switched on by the connection string alone, the SDK is loaded only then (require.cache, read at exit by
// a preloaded module), and what is queued is sent before the process exits on SIGTERM.
import fs from 'node:fs';
import path from 'node:path';
import { itemsOf, startFakeIngestion, type FakeIngestion } from '../helpers/fakeIngestion';
import { killChildren, makeTempDir, removeTempDirs, spawnRunner } from '../runner/runnerHarness';

// Modules that are the telemetry SDK (or only it loads).
const SDK_MODULE = /node_modules[\\/](applicationinsights|@opentelemetry|@azure[\\/]monitor-opentelemetry)/;

describe('npm start and Application Insights', () => {
  let ingestion: FakeIngestion;
  let preload: string;

  beforeAll(async () => {
    ingestion = await startFakeIngestion();
    preload = path.join(makeTempDir('lt-telemetry-preload-'), 'recordModules.cjs');
    fs.writeFileSync(
      preload,
      [
        "const fs = require('node:fs');",
        "process.on('exit', () => fs.writeFileSync(process.env.LT_MODULES_OUT, JSON.stringify(Object.keys(require.cache))));",
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await killChildren();
    await ingestion?.close();
    removeTempDirs();
  });

  async function run(env: Record<string, string>): Promise<{ modules: string[]; lines: string }> {
    const dir = makeTempDir('lt-telemetry-run-');
    const modulesFile = path.join(dir, 'modules.json');
    const runner = spawnRunner({
      PORT: '0',
      DATA_DIR: path.join(dir, 'data'),
      AzureWebJobsStorage: '',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: `--require ${preload}`,
      LT_MODULES_OUT: modulesFile,
      ...env,
    });
    const url = await runner.listening;
    const headers = {
      'x-ms-client-principal-id': 'npm-start-user',
      'x-correlation-id': 'npm-start-telemetry',
    };
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect((await fetch(`${url}/api/tasks/no-such-task`, { headers })).status).toBe(404);
    runner.child.kill('SIGTERM');
    expect(await runner.exited).toEqual({ code: 0, signal: null });
    return {
      modules: JSON.parse(fs.readFileSync(modulesFile, 'utf8')) as string[],
      lines: runner.stdoutText(),
    };
  }

  it('without a connection string: nothing sent, and the SDK is never loaded', async () => {
    const { modules, lines } = await run({});
    expect(modules.length).toBeGreaterThan(50); // the preload saw the app's modules
    expect(modules.filter((file) => SDK_MODULE.test(file))).toEqual([]);
    expect(lines).not.toContain('telemetry started');
    expect(ingestion.requests).toEqual([]);
  });

  it('with one: started once, the requests sent before exit, and the key never logged', async () => {
    const { modules, lines } = await run({
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
      NODE_EXTRA_CA_CERTS: ingestion.caFile,
      OTEL_TRACES_SAMPLER: 'always_on',
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    });
    expect(modules.some((file) => SDK_MODULE.test(file))).toBe(true);
    expect(lines.split('"message":"telemetry started"')).toHaveLength(2); // exactly once
    expect(lines).not.toContain('InstrumentationKey');
    // Queued when SIGTERM came, sent by the shutdown: nothing waited for a batch interval.
    const requests = itemsOf(ingestion.envelopes, 'RequestData');
    expect(requests.map((r) => r.data.baseData.name)).toEqual(
      expect.arrayContaining(['GET health', 'GET tasks/{id}']),
    );
    const notFound = requests.find(
      (r) => r.data.baseData.properties?.correlationId === 'npm-start-telemetry',
    );
    expect(notFound?.data.baseData.responseCode).toBe('404');
  });
});
