// The `npm start` path (scripts/start.mjs -> tools/local-runner/main.ts) as a child process: telemetry is
// switched on by the connection string alone, the SDK is loaded only then and only in the telemetry thread
// (require.cache of each thread, read at exit by a preloaded module), and what is queued is sent before the
// process exits on SIGTERM. Also where only a
// real process shows it: the SDK's HTTP instrumentation hooks require() itself, which jest's module
// registry bypasses, so what is and is not sent for Cosmos DB calls is checked here.
import fs from 'node:fs';
import path from 'node:path';
import { METRIC_NAMES } from '../../shared/telemetry/telemetryNames';
import { testCosmosEndpoint } from '../helpers/cosmosTestSettings';
import {
  itemsOf,
  metricPoints,
  startFakeIngestion,
  type Envelope,
  type FakeIngestion,
} from '../helpers/fakeIngestion';
import {
  killChildren,
  makeTempDir,
  removeTempDirs,
  spawnRunner,
  type LogLine,
} from '../runner/runnerHarness';

// Modules that are the telemetry SDK (or only it loads).
const SDK_MODULE = /node_modules[\\/](applicationinsights|@opentelemetry|@azure[\\/]monitor-opentelemetry)/;
const USER = { 'x-ms-client-principal-id': 'npm-start-user' };

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
        "const { isMainThread, threadId } = require('node:worker_threads');",
        'const file = isMainThread ? process.env.LT_MODULES_OUT : `${process.env.LT_MODULES_OUT}.thread-${threadId}`;',
        'const write = () => fs.writeFileSync(file, JSON.stringify(Object.keys(require.cache)));',
        // A terminated worker thread emits no 'exit': its list is written once its main module has run.
        "if (isMainThread) process.on('exit', write); else setImmediate(write);",
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await killChildren();
    await ingestion?.close();
    removeTempDirs();
  });

  // The child's telemetry settings: the fake endpoint trusted, every trace kept, no SDK self-telemetry.
  const withTelemetry = () => ({
    APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
    NODE_EXTRA_CA_CERTS: ingestion.caFile,
    OTEL_TRACES_SAMPLER: 'always_on',
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
  });

  /**
   * Runs npm start with env, makes the requests, stops it with SIGTERM; returns the modules of its request
   * thread and of its other threads, and its log.
   */
  async function run(
    env: Record<string, string>,
    requests: (url: string) => Promise<void>,
  ): Promise<{ modules: string[]; threadModules: string[]; stdout: string; lines: LogLine[] }> {
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
    await requests(await runner.listening);
    runner.child.kill('SIGTERM');
    expect(await runner.exited).toEqual({ code: 0, signal: null });
    const threadFiles = fs.readdirSync(dir).filter((name) => name.startsWith('modules.json.thread-'));
    return {
      modules: JSON.parse(fs.readFileSync(modulesFile, 'utf8')) as string[],
      threadModules: threadFiles.flatMap(
        (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as string[],
      ),
      stdout: runner.stdoutText(),
      lines: runner.lines,
    };
  }

  const healthAnd404 = async (url: string) => {
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    const headers = { ...USER, 'x-correlation-id': 'npm-start-telemetry' };
    expect((await fetch(`${url}/api/tasks/no-such-task`, { headers })).status).toBe(404);
  };

  it('without a connection string: nothing sent, and the SDK is never loaded', async () => {
    const { modules, threadModules, stdout } = await run({}, healthAnd404);
    expect(modules.length).toBeGreaterThan(50); // the preload saw the app's modules
    expect(modules.filter((file) => SDK_MODULE.test(file))).toEqual([]);
    expect(threadModules).toEqual([]); // no telemetry thread either
    expect(stdout).not.toContain('telemetry started');
    expect(ingestion.requests).toEqual([]);
  });

  it('with one: started once, in its own thread, the requests sent before exit, and the key never logged', async () => {
    const { modules, threadModules, stdout } = await run(withTelemetry(), healthAnd404);
    // The SDK lives in the telemetry thread; the request thread never loads it (nor OpenTelemetry's API).
    expect(threadModules.some((file) => SDK_MODULE.test(file))).toBe(true);
    expect(modules.filter((file) => SDK_MODULE.test(file))).toEqual([]);
    expect(stdout.split('"message":"telemetry started"')).toHaveLength(2); // exactly once
    expect(stdout).not.toContain('InstrumentationKey');
    expect(stdout).not.toContain('"message":"telemetry sdk"'); // the SDK had nothing to complain about
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

  it('on the Cosmos DB store: each store call a dependency of its request, the breaker gauge, JSON-only stdout', async () => {
    ingestion.envelopes.length = 0;
    const { lines } = await run(
      {
        ...withTelemetry(),
        DATA_BACKEND: 'cosmos',
        COSMOS_ENDPOINT: testCosmosEndpoint(),
        COSMOS_KEY: 'test-key',
        COSMOS_ALLOW_INSECURE_TLS: 'true',
        COSMOS_DATABASE: `npm-start-telemetry-${Date.now()}`,
      },
      async (url) => {
        // The store opens in the background: wait until it answers.
        for (let tries = 0; (await fetch(`${url}/api/health`)).status !== 200; tries += 1) {
          if (tries > 200) throw new Error('the Cosmos DB store did not become healthy');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const json = { ...USER, 'content-type': 'application/json' };
        const created = await fetch(`${url}/api/tasks`, {
          method: 'POST',
          headers: { ...json, 'x-correlation-id': 'cosmos-create' },
          body: JSON.stringify({ id: 'cosmos-tele', title: 'Through Cosmos DB' }),
        });
        expect(created.status).toBe(201);
        const read = await fetch(`${url}/api/tasks/cosmos-tele`, {
          headers: { ...USER, 'x-correlation-id': 'cosmos-read' },
        });
        expect(read.status).toBe(200);
      },
    );
    const envelopes = ingestion.envelopes;
    const request = (correlationId: string) =>
      itemsOf(envelopes, 'RequestData').find(
        (e) => e.data.baseData.properties?.correlationId === correlationId,
      );
    const cosmosCalls = (item: Envelope | undefined) =>
      itemsOf(envelopes, 'RemoteDependencyData').filter(
        (e) =>
          e.tags?.['ai.operation.id'] === item?.tags?.['ai.operation.id'] &&
          e.data.baseData.type === 'cosmosdb',
      );

    const read = request('cosmos-read');
    expect(read?.data.baseData).toMatchObject({ name: 'GET tasks/{id}', responseCode: '200', success: true });
    const readCall = cosmosCalls(read).find((e) => e.data.baseData.name === 'read tasks');
    expect(readCall?.data.baseData).toMatchObject({ success: true });
    expect(readCall?.data.baseData.data).toMatch(/^\/dbs\/npm-start-telemetry-\d+\/colls\/tasks\/docs$/);
    expect(readCall?.data.baseData.target).toMatch(/^127\.0\.0\.1:\d+\|npm-start-telemetry-\d+$/);
    expect(readCall?.data.baseData.properties).toMatchObject({ container: 'tasks', outcome: 'ok' });
    expect(cosmosCalls(request('cosmos-create')).map((e) => e.data.baseData.name)).toContain('create tasks');
    // The SDK's HTTP instrumentation is not installed (it is what costs): no raw HTTP item per Cosmos call.
    expect(itemsOf(envelopes, 'RemoteDependencyData').filter((e) => e.data.baseData.type === 'Http')).toEqual(
      [],
    );
    // The account key signs requests in a header: it is never in what is sent.
    expect(JSON.stringify(envelopes)).not.toContain('test-key');

    const breaker = metricPoints(envelopes).filter((p) => p.name === METRIC_NAMES.breakerState);
    expect(breaker.map((p) => p.value)).toContain(0); // closed
    // The Azure SDK's warnings (a 404 for each container checked at start-up) stay out of stdout.
    expect(lines.filter((line) => line.message === '(not JSON)')).toEqual([]);
  });
});
