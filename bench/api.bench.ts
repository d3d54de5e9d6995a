// API throughput: the whole request path of the local runner (routing, HttpRequest/HttpResponse of
// @azure/functions, identity, validation, repository, local store, JSON) against a bare node:http server
// answering the very same bytes. Each server is its own child process and the load generator (autocannon)
// runs in this one, so no two of them share an event loop; rounds alternate so noise hits both alike.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { BareFixture } from './bareHttpServer';
import { type BenchRow, processCpuMicros, sized, spread } from './measure';
import { freePort } from './freePort';
import { waitUntilHealthy } from './healthy';

const REPO = path.resolve(__dirname, '..', '..');
const DIST = path.join(REPO, 'dist');
const USER = 'bench-user';
const IDENTITY = { 'x-ms-client-principal-id': USER };
const SEEDED = sized(200, 60);
const CONNECTIONS = 10;
const ROUND_SECONDS = sized(3, 0.5);
const ROUNDS = sized(3, 1);
/** Target from issue 3/8: the API reaches at least this share of the bare server's requests per second. */
const TARGET_SHARE = 0.4;

/** Stops a child server and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Starts `node dist/tools/local-runner/main.js` (what npm start runs) on a fresh store; resolves when healthy. */
export async function startApi(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(DIST, 'tools', 'local-runner', 'main.js')], {
    cwd: REPO,
    // LOG_LEVEL=warn: the runner's per-request access line is local-runner console I/O, not the API path
    // (in Azure the host does its own request logging).
    env: {
      ...process.env,
      PORT: String(port),
      DATA_BACKEND: 'local',
      DATA_DIR: dataDir,
      AUTH_MODE: 'dev',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(url, child, { what: 'the local runner', started, pollMs: 20 });
  return { child, url };
}

/** Starts the bare server on the captured responses. */
async function startBare(fixtureFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(DIST, 'bench', 'bareHttpServer.js'), fixtureFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bare server exited with ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) =>
      resolve((JSON.parse(chunk.toString('utf8')) as { port: number }).port),
    );
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

// What makes a realistic task list: titles, notes, tags, due dates, every status and priority.
function taskBody(i: number): Record<string, unknown> {
  return {
    title: `Task ${i}: prepare the quarterly review notes`,
    notes: 'Collect the figures from the dashboard and draft the summary for the team meeting.',
    status: ['todo', 'in_progress', 'done'][i % 3],
    priority: (i % 5) + 1,
    tags: ['work', `area-${i % 7}`],
    dueDate: new Date(Date.UTC(2026, 0, 1) + (i % 365) * 86_400_000).toISOString().slice(0, 10),
  };
}

/** Seeds the store through the API and returns the collection measured (tasks, or projects before tasks existed). */
async function seed(url: string): Promise<{ collection: string; ids: string[] }> {
  const probe = await fetch(`${url}/api/tasks`, { headers: IDENTITY });
  const collection = probe.status === 404 ? 'projects' : 'tasks';
  const ids: string[] = [];
  for (let i = 0; i < SEEDED; i++) {
    const body =
      collection === 'tasks' ? taskBody(i) : { name: `Project ${i}`, description: 'Benchmark project.' };
    const response = await fetch(`${url}/api/${collection}`, {
      method: 'POST',
      headers: { ...IDENTITY, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201)
      throw new Error(`seeding ${collection}: ${response.status} ${await response.text()}`);
    ids.push(((await response.json()) as { id: string }).id);
  }
  return { collection, ids };
}

// Headers the bare server must not copy: its own framing and date.
const NOT_COPIED = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/** The API's real response to a GET, as a fixture for the bare server. */
async function capture(url: string, pathAndQuery: string): Promise<BareFixture> {
  const response = await fetch(`${url}${pathAndQuery}`, { headers: IDENTITY });
  if (response.status !== 200) throw new Error(`GET ${pathAndQuery}: ${response.status}`);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!NOT_COPIED.has(name)) headers[name] = value;
  });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers, bodyBase64: body.toString('base64') };
}

/** One measured round: autocannon's result and the server process's CPU microseconds per request. */
interface Round {
  result: autocannon.Result;
  cpuPerRequest: number | undefined;
}

async function load(url: string, seconds: number, pid?: number): Promise<Round> {
  const before = processCpuMicros(pid);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: IDENTITY,
    timeout: 10,
  });
  // A benchmark of error answers would measure the wrong thing.
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  }
  const after = processCpuMicros(pid);
  const cpuPerRequest =
    before === undefined || after === undefined ? undefined : (after - before) / result.requests.total;
  return { result, cpuPerRequest };
}

const rate = (r: autocannon.Result) => r.requests.total / r.duration;

/** A server under test: its URL and process (for its CPU time). */
interface Target {
  url: string;
  pid: number | undefined;
}

async function compare(
  name: string,
  apiTarget: Target,
  bareTarget: Target,
  bytes: number,
): Promise<BenchRow[]> {
  const apiUrl = apiTarget.url;
  const bareUrl = bareTarget.url;
  await load(apiUrl, 1); // warm-up, not counted (JIT, store page cache, connection set-up)
  await load(bareUrl, 1);
  const apiRounds: Round[] = [];
  const bareRounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    apiRounds.push(await load(apiUrl, ROUND_SECONDS, apiTarget.pid));
    bareRounds.push(await load(bareUrl, ROUND_SECONDS, bareTarget.pid));
  }
  const api = apiRounds.map((r) => r.result);
  const bare = bareRounds.map((r) => r.result);
  const cpu = (rounds: Round[]) => {
    const values = rounds.flatMap((r) => (r.cpuPerRequest === undefined ? [] : [r.cpuPerRequest]));
    return values.length > 0 ? spread(values).median : undefined;
  };
  const apiCpu = cpu(apiRounds);
  const bareCpu = cpu(bareRounds);
  const apiRate = spread(api.map(rate));
  const bareRate = spread(bare.map(rate));
  const apiP99 = spread(api.map((r) => r.latency.p99));
  const bareP99 = spread(bare.map((r) => r.latency.p99));
  const share = apiRate.median / bareRate.median;
  const how = `${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s each, autocannon`;
  const cpuRows: BenchRow[] =
    apiCpu === undefined || bareCpu === undefined
      ? []
      : [
          {
            name: `Server CPU per request: ${name} (local runner, local store) vs bare node:http`,
            unit: 'µs',
            ours: apiCpu,
            comparison: bareCpu,
            comparisonName: 'bare node:http',
            ratio: bareCpu / apiCpu,
            detail:
              `median of ${ROUNDS} rounds, all threads of the server process (/proc/<pid>/stat); ` +
              `the load generator runs on the same ${os.cpus().length} cores, so a server needing less ` +
              `CPU than autocannon spends per request is held back by it`,
          },
        ];
  return [
    ...cpuRows,
    {
      name: `API throughput: ${name} (local runner, local store) vs bare node:http with the same ${bytes} bytes`,
      unit: 'req/s',
      ours: apiRate.median,
      comparison: bareRate.median,
      comparisonName: 'bare node:http',
      ratio: share,
      target: `≥ ${TARGET_SHARE}x (${TARGET_SHARE * 100}% of bare)`,
      pass: share >= TARGET_SHARE,
      // The table prints ratios with one decimal; a share well under 1 needs its percentage spelled out.
      detail:
        `API = ${(share * 100).toFixed(1)}% of bare; API ${apiRate.min.toFixed(0)}..${apiRate.max.toFixed(0)}, ` +
        `bare ${bareRate.min.toFixed(0)}..${bareRate.max.toFixed(0)} req/s; ${how}`,
    },
    {
      name: `API p99 latency: ${name} vs bare node:http`,
      unit: 'ms p99',
      ours: apiP99.median,
      comparison: bareP99.median,
      comparisonName: 'bare node:http',
      // BenchRow ratios are "higher is better": for times, comparison / ours. autocannon records whole
      // milliseconds, so a bare p99 under 1 ms reads 0 and has no meaningful ratio.
      ratio: bareP99.median > 0 && apiP99.median > 0 ? bareP99.median / apiP99.median : undefined,
      detail: `API ${apiP99.min}..${apiP99.max} ms, bare ${bareP99.min}..${bareP99.max} ms over ${ROUNDS} rounds (whole ms, as autocannon records them)`,
    },
  ];
}

/** Requests per second and p99 of the API's task reads vs a bare server returning the same bytes. */
export async function benchApi(): Promise<BenchRow[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-api-'));
  const fixtureFile = path.join(dataDir, 'fixtures.json');
  let api: { child: ChildProcess; url: string } | undefined;
  let bare: { child: ChildProcess; url: string } | undefined;
  try {
    api = await startApi(dataDir);
    const { collection, ids } = await seed(api.url);
    const itemPath = `/api/${collection}/${encodeURIComponent(ids[SEEDED / 2])}`;
    const listPath = `/api/${collection}?limit=50`;
    const fixtures = {
      [itemPath]: await capture(api.url, itemPath),
      [listPath]: await capture(api.url, listPath),
    };
    fs.writeFileSync(fixtureFile, JSON.stringify(fixtures));
    bare = await startBare(fixtureFile);
    const size = (p: string) => Buffer.from(fixtures[p].bodyBase64, 'base64').length;
    return [
      ...(await compare(
        `GET /api/${collection}/{id}`,
        { url: `${api.url}${itemPath}`, pid: api.child.pid },
        { url: `${bare.url}${itemPath}`, pid: bare.child.pid },
        size(itemPath),
      )),
      ...(await compare(
        `GET /api/${collection}?limit=50`,
        { url: `${api.url}${listPath}`, pid: api.child.pid },
        { url: `${bare.url}${listPath}`, pid: bare.child.pid },
        size(listPath),
      )),
    ];
  } finally {
    if (bare) await stop(bare.child);
    if (api) await stop(api.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
