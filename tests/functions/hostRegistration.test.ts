import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../shared/config/settings';
import { buildFunctionTable } from '../../functions/functionTable';

// The Functions host (Core Tools or Azure) loads package.json "main" and @azure/functions registers each
// function through the worker's @azure/functions-core module. The worker cannot be installed here, so
// this test puts a recording stand-in for that one module on NODE_PATH, loads the built entry module in
// a fresh node process exactly as the worker would, and checks what the host would be told.

const repoRoot = path.resolve(__dirname, '..', '..');

const RECORDER = `
const calls = { programmingModel: null, functions: [], hooks: [] };
module.exports = {
  setProgrammingModel(model) { calls.programmingModel = model.name + '@' + model.version; },
  registerFunction(metadata) { calls.functions.push(metadata); return { dispose() {} }; },
  registerHook(name, callback) { calls.hooks.push(name); if (name === 'appStart') calls.appStart = callback; return { dispose() {} }; },
};
process.on('beforeExit', async () => {
  if (calls.appStart && !calls.appStartRan) {
    calls.appStartRan = true;
    await calls.appStart({ hookData: {}, appHookData: {} });
    const { appStart, ...report } = calls;
    process.stdout.write('REGISTRATIONS ' + JSON.stringify(report) + '\\n');
  }
});
`;

interface Binding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  schedule?: string;
  runOnStartup?: boolean;
}

test('the built entry module registers every function of the table with the host, with the same routes and schedules', () => {
  const fakeModules = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-host-'));
  const dataDir = path.join(fakeModules, 'data');
  fs.mkdirSync(path.join(fakeModules, '@azure', 'functions-core'), { recursive: true });
  fs.writeFileSync(path.join(fakeModules, '@azure', 'functions-core', 'index.js'), RECORDER);
  try {
    const env = { ...process.env, NODE_PATH: fakeModules, DATA_BACKEND: 'local', DATA_DIR: dataDir };
    const run = spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(path.join(repoRoot, 'dist', 'functions', 'index.js'))})`],
      {
        env,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(run.stderr).not.toMatch(/test mode|Error/);
    const line = run.stdout.split('\n').find((l) => l.startsWith('REGISTRATIONS '));
    expect(line).toBeDefined();
    const report = JSON.parse((line as string).slice('REGISTRATIONS '.length)) as {
      programmingModel: string;
      functions: { name: string; bindings: Record<string, Binding> }[];
      hooks: string[];
    };
    expect(report.programmingModel).toMatch(/^@azure\/functions@4\./);
    expect(report.hooks.sort()).toEqual(['appStart', 'appTerminate']);

    const table = buildFunctionTable(loadSettings({ DATA_BACKEND: 'local' }));
    expect(report.functions.map((f) => f.name).sort()).toEqual(table.map((f) => f.name).sort());
    for (const definition of table) {
      const registered = report.functions.find((f) => f.name === definition.name);
      const trigger = Object.values(registered?.bindings ?? {}).find((b) => b.direction === 'in');
      if (definition.trigger === 'http') {
        expect(trigger).toMatchObject({
          type: 'httpTrigger',
          route: definition.route,
          methods: definition.methods,
          authLevel: 'anonymous',
        });
      } else {
        expect(trigger).toMatchObject({ type: 'timerTrigger', schedule: definition.schedule });
      }
    }
    // The appStart hook opened (and so created) the local store, as it verifies the store under the host.
    expect(fs.existsSync(path.join(dataDir, 'lifetracker.sqlite'))).toBe(true);
  } finally {
    fs.rmSync(fakeModules, { recursive: true, force: true });
  }
});
