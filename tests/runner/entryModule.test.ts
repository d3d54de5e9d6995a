// loadEntryModule: an entry module loaded the way the Functions worker loads it becomes the runner's table.
// The deployment bundle is covered in tests/package; here the compiled entry (dist/functions/index.js)
// and small entry modules written for the test, each registering through the real @azure/functions.
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { buildFunctionTable } from '../../functions/functionTable';
import { loadSettings } from '../../shared/config/settings';
import { loadEntryModule, nodeEntryLoader } from '../../tools/local-runner/entryModule';
import { RunnerConfigError } from '../../tools/local-runner/runnerErrors';
import { jestEntryLoader } from '../helpers/jestEntryLoader';
import { makeTempDir, removeTempDirs, repoRoot, startInProcess } from './runnerHarness';

afterAll(() => removeTempDirs());

/** Writes an entry module that registers through the repository's @azure/functions. */
function entryModule(body: string): string {
  const file = path.join(makeTempDir('lt-entry-'), 'index.js');
  const functionsPackage = JSON.stringify(path.join(repoRoot, 'node_modules', '@azure', 'functions'));
  fs.writeFileSync(file, `const { app } = require(${functionsPackage});\n${body}\n`);
  return file;
}

test('the compiled entry module registers the source table: the same names, routes, methods and schedules', () => {
  const env = { DATA_BACKEND: 'local', DATA_DIR: makeTempDir(), AUTH_MODE: 'dev' };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const entry = loadEntryModule(path.join(repoRoot, 'dist', 'functions', 'index.js'), jestEntryLoader);
    expect(entry.programmingModel).toMatch(/^@azure\/functions@4\./);
    const shape = (f: (typeof entry.functions)[number]) =>
      f.trigger === 'http' ? [f.name, f.route, f.methods.join(',')] : [f.name, f.schedule];
    expect(entry.functions.map(shape)).toEqual(buildFunctionTable(loadSettings(env)).map(shape));
  } finally {
    process.env = saved;
  }
});

test('HTTP and timer registrations are served with their handlers; hooks run on start and terminate', async () => {
  const file = entryModule(`
    const calls = (globalThis.__entryCalls = []);
    app.http('greet', { route: 'greet/{name}', methods: ['GET'], authLevel: 'anonymous',
      handler: async (request) => ({ jsonBody: { hello: request.params.name } }) });
    app.timer('tick', { schedule: '0 0 0 1 1 *', handler: () => { calls.push('tick'); } });
    app.hook.appStart(() => { calls.push('start'); });
    app.hook.appTerminate(() => { calls.push('terminate'); });
  `);
  const entry = loadEntryModule(file, jestEntryLoader);
  expect(entry.functions.map((f) => [f.name, f.trigger])).toEqual([
    ['greet', 'http'],
    ['tick', 'timer'],
  ]);
  const calls = (globalThis as { __entryCalls?: string[] }).__entryCalls ?? [];
  await entry.start();
  const { runner, api } = await startInProcess(entry.functions, { logLevel: 'error' });
  try {
    const response = await fetch(api('greet/ada'));
    expect(await response.json()).toEqual({ hello: 'ada' });
    expect(runner.describe().find((f) => f.name === 'tick')).toMatchObject({ schedule: '0 0 0 1 1 *' });
  } finally {
    await runner.close();
  }
  await entry.terminate();
  expect(calls).toEqual(['start', 'terminate']);
});

test('a trigger the runner cannot serve, or an entry that registers nothing, is a clear start-up error', () => {
  const queue = entryModule(
    "app.storageQueue('onMessage', { queueName: 'q', connection: 'AzureWebJobsStorage', handler: () => {} });",
  );
  expect(() => loadEntryModule(queue, jestEntryLoader)).toThrow(
    new RunnerConfigError(
      'Function "onMessage" has a queueTrigger trigger; the local runner serves HTTP and timer functions',
    ),
  );
  const keyed = entryModule(
    "app.http('secret', { authLevel: 'function', handler: async () => ({ status: 204 }) });",
  );
  expect(() => loadEntryModule(keyed, jestEntryLoader)).toThrow(/authLevel "function"/);
  expect(() => loadEntryModule(entryModule('// registers nothing'), jestEntryLoader)).toThrow(
    /registered no functions/,
  );
});

test("outside jest, Node's own require is intercepted only while the entry loads", () => {
  // jest's registry stands in for Node's module system in this process, so the default loader's
  // interception is checked from what it leaves behind: Module._load restored after a failing load.
  const loader = Module as unknown as { _load: unknown };
  const before = loader._load;
  expect(() => loadEntryModule(entryModule('throw new Error("broken entry");'), nodeEntryLoader())).toThrow(
    'broken entry',
  );
  expect(loader._load).toBe(before);
});
