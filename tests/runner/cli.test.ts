// The runner as `npm start` runs it: `node scripts/start.mjs` in a child process, real HTTP, real signals.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { LOCAL_STORE_FILE } from '../../shared/data/local/sqliteDatabase';
import { freePort } from '../helpers/freePort';
import {
  killChildren,
  makeTempDir,
  removeTempDirs,
  repoRoot,
  spawnRunner,
  waitFor,
  type RunnerProcess,
} from './runnerHarness';

const localEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  PORT: '0',
  DATA_BACKEND: 'local',
  DATA_DIR: makeTempDir('lt-runner-data-'),
  ...extra,
});

let main: RunnerProcess;
let url: string;

beforeAll(async () => {
  main = spawnRunner(localEnv());
  url = await main.listening;
}, 60_000);

afterAll(async () => {
  await killChildren();
  removeTempDirs();
});

describe('npm start (scripts/start.mjs) serving the app', () => {
  it('prints the actual loopback URL when PORT=0', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$/);
  });

  it('GET /api/health answers 200 with the local backend', async () => {
    const response = await fetch(`${url}/api/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      backend: string;
      checks: { store: { ok: boolean } };
    };
    expect(body).toMatchObject({ status: 'healthy', backend: 'local', checks: { store: { ok: true } } });
    const access = await waitFor(
      () => main.lines.find((l) => l.message === 'request' && l.path === '/api/health'),
      'the access line',
    );
    expect(access).toMatchObject({ method: 'GET', status: 200, functionName: 'health' });
  });

  it('answers 404 for an unknown route', async () => {
    const response = await fetch(`${url}/api/does-not-exist`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });

  it('lists the registered functions at GET /admin/functions', async () => {
    const response = await fetch(`${url}/admin/functions`);
    expect(response.status).toBe(200);
    const functions = (await response.json()) as Record<string, unknown>[];
    expect(functions).toEqual(
      expect.arrayContaining([
        {
          name: 'health',
          trigger: 'http',
          route: 'health',
          methods: ['GET'],
          invokeUrl: `${url}/api/health`,
        },
        expect.objectContaining({ name: 'healthCheck', trigger: 'timer', schedule: '0 */5 * * * *' }),
      ]),
    );
  });

  it('POST /admin/functions/healthCheck answers 202 and the run is logged', async () => {
    const response = await fetch(`${url}/admin/functions/healthCheck`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input": ""}',
    });
    expect(response.status).toBe(202);
    const { invocationId } = (await response.json()) as { invocationId: string };
    const check = await waitFor(
      () => main.lines.find((l) => l.invocationId === invocationId && l.message === 'health check'),
      'the health check log line',
    );
    expect(check).toMatchObject({
      functionName: 'healthCheck',
      level: 'info',
      properties: { status: 'healthy', backend: 'local' },
    });
    await waitFor(
      () =>
        main.lines.find(
          (l) =>
            l.invocationId === invocationId && l.message === 'function completed' && l.status === 'succeeded',
        ),
      'the completion line',
    );
  });

  it('POST /admin/functions/nope answers 404, and an HTTP function 400', async () => {
    expect(
      (await fetch(`${url}/admin/functions/nope`, { method: 'POST', body: '{"input": ""}' })).status,
    ).toBe(404);
    expect(
      (await fetch(`${url}/admin/functions/health`, { method: 'POST', body: '{"input": ""}' })).status,
    ).toBe(400);
  });

  it('exits 0 on SIGTERM after logging the stop, with nothing on stderr', async () => {
    main.child.kill('SIGTERM');
    expect(await main.exited).toEqual({ code: 0, signal: null });
    expect(main.lines.map((l) => l.message)).toEqual(expect.arrayContaining(['signal received', 'stopped']));
    expect(main.stderrText()).toBe('');
  });
});

describe('settings at start-up', () => {
  async function expectStartupFailure(runner: RunnerProcess, setting: string): Promise<string> {
    const { code } = await runner.exited;
    expect(code).toBe(1);
    const stderr = runner.stderrText();
    expect(stderr.endsWith('\n')).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(setting);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(runner.lines.find((l) => l.message === 'listening')).toBeUndefined();
    return stderr;
  }

  it('rebuilds when a source is newer than the last build, and a malformed PORT exits 1 with one line', async () => {
    // A source touched now is newer than the build stamp, so start.mjs must run tsc before starting.
    const touched = path.join(repoRoot, 'tools', 'local-runner', 'runnerErrors.ts');
    const now = new Date();
    fs.utimesSync(touched, now, now);
    const runner = spawnRunner(localEnv({ PORT: 'abc' }));
    const stderr = await expectStartupFailure(runner, 'PORT');
    expect(stderr).toBe('Invalid setting PORT="abc": expected a port number\n');
    expect(runner.lines.find((l) => l.message === 'building')).toMatchObject({
      reason: `${path.join('tools', 'local-runner', 'runnerErrors.ts')} changed`,
    });
    expect(runner.lines.find((l) => l.message === 'built')).toBeDefined();
  }, 60_000);

  it('DATA_BACKEND=mongo exits 1 naming the setting', async () => {
    const runner = spawnRunner(localEnv({ DATA_BACKEND: 'mongo' }));
    await expectStartupFailure(runner, 'DATA_BACKEND');
    // Nothing changed since the last build: no rebuild.
    expect(runner.lines.find((l) => l.message === 'building')).toBeUndefined();
  });

  it('a misspelt setting exits 1 with a suggestion', async () => {
    const runner = spawnRunner(localEnv({ COSMOS_ENDPIONT: 'https://example.documents.azure.com' }));
    const stderr = await expectStartupFailure(runner, 'COSMOS_ENDPIONT');
    expect(stderr).toContain('did you mean COSMOS_ENDPOINT?');
  });

  it('reads local.settings.json from the working directory; the environment wins over it', async () => {
    const cwd = makeTempDir('lt-runner-cwd-');
    fs.writeFileSync(
      path.join(cwd, 'local.settings.json'),
      JSON.stringify({
        IsEncrypted: false,
        Values: { PORT: 'abc', LOG_LEVEL: 'warn', DATA_BACKEND: 'local' },
      }),
    );
    const failing = spawnRunner({ DATA_DIR: path.join(cwd, 'data') }, { cwd });
    await expectStartupFailure(failing, 'PORT');

    const runner = spawnRunner({ PORT: '0', DATA_DIR: path.join(cwd, 'data') }, { cwd });
    const started = await runner.listening;
    expect((await fetch(`${started}/api/health`)).status).toBe(200);
    // LOG_LEVEL=warn came from the file: no info lines (access log, function list) after "listening".
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runner.lines.filter((l) => l.level === 'info' && l.message !== 'listening')).toEqual([]);
    runner.child.kill('SIGINT');
    expect((await runner.exited).code).toBe(0);
  });

  it('a port already in use exits 1 with one line', async () => {
    const holder = spawnRunner(localEnv());
    const busyPort = new URL(await holder.listening).port;
    const runner = spawnRunner(localEnv({ PORT: busyPort }));
    const stderr = await expectStartupFailure(runner, busyPort);
    expect(stderr).toContain('already in use');
    holder.child.kill('SIGTERM');
    expect((await holder.exited).code).toBe(0);
  });
});

describe('the local store at start-up', () => {
  it('a corrupt store file stops start-up with one line naming its path, and is left untouched', async () => {
    const dataDir = makeTempDir('lt-runner-corrupt-');
    const file = path.join(dataDir, LOCAL_STORE_FILE);
    fs.writeFileSync(file, 'this is not a database'.repeat(500));
    const before = fs.readFileSync(file);
    const runner = spawnRunner(localEnv({ DATA_DIR: dataDir }));
    const { code } = await runner.exited;
    expect(code).toBe(1);
    const stderr = runner.stderrText();
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(file);
    expect(runner.lines.find((l) => l.message === 'listening')).toBeUndefined();
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('after a SIGKILL the app restarts on the same DATA_DIR with its data intact and healthy', async () => {
    const dataDir = makeTempDir('lt-runner-restart-');
    const store = new LocalDocumentStore({ dataDir, sync: 'normal' });
    await store.initialize();
    await store.create('projects', { id: 'p1', userId: 'u1', name: 'Survives restarts' });
    await store.dispose();

    const first = spawnRunner(localEnv({ DATA_DIR: dataDir }));
    expect((await fetch(`${await first.listening}/api/health`)).status).toBe(200);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = spawnRunner(localEnv({ DATA_DIR: dataDir }));
    expect((await fetch(`${await second.listening}/api/health`)).status).toBe(200);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    const reopened = new LocalDocumentStore({ dataDir, sync: 'normal' });
    expect((await reopened.read('projects', 'p1', 'u1')).resource).toMatchObject({
      name: 'Survives restarts',
    });
    await reopened.dispose();
  });
});

describe('a Cosmos DB endpoint that accepts connections and never answers', () => {
  it('does not hold up start-up, health answers 503 within its bound, and SIGTERM still stops the app', async () => {
    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as net.AddressInfo).port;
    try {
      const runner = spawnRunner({
        PORT: '0',
        DATA_BACKEND: 'cosmos',
        COSMOS_ENDPOINT: `https://127.0.0.1:${port}/`,
        COSMOS_KEY: 'test-key',
        COSMOS_ALLOW_INSECURE_TLS: 'true',
        COSMOS_REQUEST_TIMEOUT_MS: '300',
      });
      const url = await runner.listening;
      const started = performance.now();
      const response = await fetch(`${url}/api/health`);
      const elapsed = performance.now() - started;
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'unhealthy', backend: 'cosmos' });
      expect(elapsed).toBeLessThan(3000); // bound: 2 x COSMOS_REQUEST_TIMEOUT_MS, plus slack for a busy machine
      runner.child.kill('SIGTERM');
      expect((await runner.exited).code).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      blackHole.close();
    }
  });
});

describe('signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s sent the moment "listening" is printed still stops gracefully',
    async (signal) => {
      const runner = spawnRunner(localEnv(), { onListening: (child) => child.kill(signal) });
      expect(await runner.exited).toEqual({ code: 0, signal: null });
      expect(runner.lines.find((l) => l.message === 'stopped')).toBeDefined();
    },
  );
});

describe('npm start itself', () => {
  it('serves the app, and SIGTERM to npm stops the runner (the script execs node, so the signal reaches it)', async () => {
    const port = await freePort();
    const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['start', '--silent'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_BACKEND: 'local',
        DATA_DIR: makeTempDir('lt-npm-start-'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const status = () =>
        fetch(`http://127.0.0.1:${port}/api/health`).then(
          (r) => r.status,
          () => undefined,
        );
      const poll = async (until: (s: number | undefined) => boolean, timeoutMs: number) => {
        const deadline = Date.now() + timeoutMs;
        let last = await status();
        while (!until(last) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          last = await status();
        }
        return last;
      };
      expect(await poll((s) => s !== undefined, 45_000)).toBe(200);
      npm.kill('SIGTERM');
      await new Promise((resolve) => npm.once('exit', resolve));
      // Nothing listens any more: the runner went down with npm instead of lingering on the port.
      expect(await poll((s) => s === undefined, 10_000)).toBeUndefined();
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  });
});

describe('two copies side by side', () => {
  it('run with different PORT and DATA_DIR, each serving its own store', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const dataA = makeTempDir('lt-runner-a-');
    const dataB = makeTempDir('lt-runner-b-');
    const a = spawnRunner({ PORT: String(portA), DATA_BACKEND: 'local', DATA_DIR: dataA });
    const b = spawnRunner({ PORT: String(portB), DATA_BACKEND: 'local', DATA_DIR: dataB });
    expect(await a.listening).toBe(`http://127.0.0.1:${portA}`);
    expect(await b.listening).toBe(`http://127.0.0.1:${portB}`);

    const [healthA, healthB] = await Promise.all([
      fetch(`http://127.0.0.1:${portA}/api/health`),
      fetch(`http://127.0.0.1:${portB}/api/health`),
    ]);
    expect([healthA.status, healthB.status]).toEqual([200, 200]);
    // Each local store lives in its own DATA_DIR.
    expect(fs.readdirSync(dataA).length).toBeGreaterThan(0);
    expect(fs.readdirSync(dataB).length).toBeGreaterThan(0);

    a.child.kill('SIGINT');
    b.child.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
  });
});
