// `npm start` (scripts/start.mjs as a child process) and its Azurite: started beside the app when the
// storage setting names a local one, stopped with the app on SIGTERM and even after a SIGKILL, reused
// when one already listens, and never a reason for the app not to run. Every Azurite here listens on a
// free port named by the connection string in the environment, never on a developer's 10000.
import fs from 'node:fs';
import path from 'node:path';
import { isListening } from '../../tools/local-runner/azurite';
import { applyStorageDefault } from '../../tools/local-runner/localSettings';
import { localAzuriteEndpoint } from '../../tools/local-runner/localAzurite';
import { azuriteConnectionString, testAzuriteConnectionString } from '../helpers/azurite';
import { freePort } from '../helpers/freePort';
import {
  killChildren,
  makeTempDir,
  removeTempDirs,
  repoRoot,
  spawnRunner,
  waitFor,
  type LogLine,
  type RunnerProcess,
} from '../runner/runnerHarness';

const ADMIN = { 'x-ms-client-principal-id': 'ops', 'x-ms-client-principal-roles': 'admin' };

afterAll(async () => {
  await killChildren();
  removeTempDirs();
});

const appEnv = (storage: string, dataDir = makeTempDir('lt-azurite-app-')): Record<string, string> => ({
  PORT: '0',
  DATA_BACKEND: 'local',
  DATA_DIR: dataDir,
  AzureWebJobsStorage: storage,
  // Timers run only when a test runs them.
  HEALTH_CHECK_SCHEDULE: '0 0 0 1 1 *',
});

function lineOf(runner: RunnerProcess, message: string, timeoutMs = 20_000): Promise<LogLine> {
  return waitFor(() => runner.lines.find((l) => l.message === message), `the "${message}" line`, timeoutMs);
}

async function closedWithin(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isListening('127.0.0.1', port, 200))) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start with a local Azurite in AzureWebJobsStorage', () => {
  test('starts Azurite beside the app, serves reports from it, and stops it on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = makeTempDir('lt-azurite-app-');
    const runner = spawnRunner(appEnv(azuriteConnectionString(port), dataDir));
    const url = await runner.listening;
    expect((await fetch(`${url}/api/health`)).status).toBe(200);

    const ready = await lineOf(runner, 'azurite listening');
    expect(ready).toMatchObject({
      level: 'info',
      url: `http://127.0.0.1:${port}/devstoreaccount1`,
      location: path.join(dataDir, 'azurite'),
      log: path.join(dataDir, 'azurite.log'),
    });
    expect(await isListening('127.0.0.1', port)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'azurite.log'))).toBe(true);

    // The reports go to this Azurite: none yet, then the one the health timer stores.
    const none = await fetch(`${url}/api/reports/health/latest`, { headers: ADMIN });
    expect(none.status).toBe(404);
    const run = await fetch(`${url}/admin/functions/healthCheck`, { method: 'POST', body: '{"input": ""}' });
    expect(run.status).toBe(202);
    await lineOf(runner, 'health report stored');
    const report = await fetch(`${url}/api/reports/health/latest?format=markdown`, { headers: ADMIN });
    expect(report.status).toBe(200);
    expect(await report.text()).toMatch(/^# Health report: healthy/);

    runner.child.kill('SIGTERM');
    expect(await runner.exited).toEqual({ code: 0, signal: null });
    expect(await closedWithin(port, 5_000)).toBe(true);
    expect(processAlive(Number(ready.pid))).toBe(false);
    expect(runner.stderrText()).toBe('');
  });

  test('after a SIGKILL of the app, its Azurite stops by itself (no orphan holding the port)', async () => {
    const port = await freePort();
    const runner = spawnRunner(appEnv(azuriteConnectionString(port)));
    await runner.listening;
    const ready = await lineOf(runner, 'azurite listening');
    runner.child.kill('SIGKILL');
    await runner.exited;
    expect(await closedWithin(port, 5_000)).toBe(true);
    await waitFor(() => !processAlive(Number(ready.pid)), 'the orphaned Azurite to exit', 5_000);
  });

  test('an Azurite already listening is used as it is, and left running when the app stops', async () => {
    const shared = testAzuriteConnectionString();
    const port = localAzuriteEndpoint(shared)?.port as number;
    const runner = spawnRunner(appEnv(shared));
    const url = await runner.listening;
    expect(await lineOf(runner, 'azurite already listening; using it for reports')).toMatchObject({
      url: `http://127.0.0.1:${port}/devstoreaccount1`,
    });
    expect((await fetch(`${url}/api/reports/cost/latest`, { headers: ADMIN })).status).not.toBe(503);
    runner.child.kill('SIGTERM');
    expect((await runner.exited).code).toBe(0);
    expect(runner.lines.find((l) => l.message === 'azurite listening')).toBeUndefined();
    expect(await isListening('127.0.0.1', port)).toBe(true);
  });

  test('when Azurite cannot start the app still runs, and the reports say storage is unavailable', async () => {
    const port = await freePort();
    const dataDir = makeTempDir('lt-azurite-broken-');
    // A file where Azurite's workspace folder should be.
    fs.writeFileSync(path.join(dataDir, 'azurite'), 'not a folder');
    const runner = spawnRunner(appEnv(azuriteConnectionString(port), dataDir));
    const url = await runner.listening;
    const warning = await lineOf(runner, 'azurite did not start; reports are unavailable until it runs');
    expect(warning).toMatchObject({ level: 'warn', log: path.join(dataDir, 'azurite.log') });
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    const report = await fetch(`${url}/api/reports/health/latest`, { headers: ADMIN });
    expect(report.status).toBe(503);
    expect(await report.json()).toMatchObject({ code: 'REPORTS_STORAGE_UNAVAILABLE' });
    runner.child.kill('SIGTERM');
    expect((await runner.exited).code).toBe(0);
  });
});

describe('npm start without storage settings', () => {
  test('takes AzureWebJobsStorage from local.settings.sample.json in the working directory', async () => {
    // A copy of the project's sample whose Azurite is on a free port instead of 10000.
    const port = await freePort();
    const cwd = makeTempDir('lt-azurite-cwd-');
    const sample = JSON.parse(fs.readFileSync(path.join(repoRoot, 'local.settings.sample.json'), 'utf8')) as {
      Values: Record<string, string>;
    };
    expect(sample.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    sample.Values.AzureWebJobsStorage = azuriteConnectionString(port);
    fs.writeFileSync(path.join(cwd, 'local.settings.sample.json'), JSON.stringify(sample));
    const { AzureWebJobsStorage: _none, ...env } = appEnv('', path.join(cwd, 'data'));
    const runner = spawnRunner(env, { cwd });
    await runner.listening;
    expect(await lineOf(runner, 'azurite listening')).toMatchObject({
      url: `http://127.0.0.1:${port}/devstoreaccount1`,
    });
    runner.child.kill('SIGTERM');
    expect((await runner.exited).code).toBe(0);
    expect(await closedWithin(port, 5_000)).toBe(true);
  });

  test('an empty AzureWebJobsStorage means no storage: no Azurite, reports answer 503 naming the setting', async () => {
    const runner = spawnRunner(appEnv(''), { cwd: repoRoot });
    const url = await runner.listening;
    const report = await fetch(`${url}/api/reports/cost/latest`, { headers: ADMIN });
    expect(report.status).toBe(503);
    const body = (await report.json()) as { code: string; detail: string };
    expect(body.code).toBe('REPORTS_STORAGE_NOT_CONFIGURED');
    expect(body.detail).toContain('AzureWebJobsStorage');
    runner.child.kill('SIGTERM');
    expect((await runner.exited).code).toBe(0);
    expect(runner.lines.filter((l) => String(l.message).startsWith('azurite'))).toEqual([]);
  });
});

describe('which storage settings mean a local Azurite', () => {
  test.each([
    ['UseDevelopmentStorage=true', { port: 10000 }],
    ['usedevelopmentstorage=TRUE;', { port: 10000 }],
    [azuriteConnectionString(10123), { port: 10123 }],
    [
      'AccountName=devstoreaccount1;AccountKey=k==;BlobEndpoint=http://localhost:10124/devstoreaccount1',
      { port: 10124 },
    ],
    [
      'DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=k==;EndpointSuffix=core.windows.net',
      undefined,
    ],
    ['BlobEndpoint=https://127.0.0.1:10000/devstoreaccount1', undefined],
    ['BlobEndpoint=http://10.0.0.5:10000/devstoreaccount1', undefined],
    ['BlobEndpoint=http://127.0.0.1:10000/otheraccount', undefined],
    ['BlobEndpoint=not a url', undefined],
    ['', undefined],
  ])('%s', (connectionString, expected) => {
    expect(localAzuriteEndpoint(connectionString)).toEqual(expected);
  });

  test("the sample's default applies only when nothing configures storage, and never in Azure", () => {
    const cwd = makeTempDir('lt-storage-default-');
    fs.copyFileSync(
      path.join(repoRoot, 'local.settings.sample.json'),
      path.join(cwd, 'local.settings.sample.json'),
    );
    const env = (values: Record<string, string>): Record<string, string | undefined> => ({ ...values });

    const fresh = env({});
    expect(applyStorageDefault(cwd, fresh)).toBe('UseDevelopmentStorage=true');
    expect(fresh.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    const configurations: Record<string, string>[] = [
      { AzureWebJobsStorage: '' },
      { AzureWebJobsStorage: 'UseDevelopmentStorage=false' },
      { AzureWebJobsStorage__blobServiceUri: 'https://account.blob.core.windows.net' },
      { WEBSITE_INSTANCE_ID: 'instance-1' },
    ];
    for (const configured of configurations) {
      const values = env(configured);
      expect(applyStorageDefault(cwd, values)).toBeUndefined();
      expect(values).toEqual(configured);
    }
    expect(applyStorageDefault(makeTempDir('lt-no-sample-'), env({}))).toBeUndefined();
  });
});
