// Telemetry overhead, side by side in one run: GET /api/tasks/{id} throughput of the local runner without
// a connection string, with one and the SDK's default sampling (5 traces/s per instance), and with every
// request sent (OTEL_TRACES_SAMPLER=always_on, the worst case), on the local store and (default sampling
// only) on the Cosmos DB test server; and `npm start` to the first healthy /api/health without and with one. Each runner is its own child process (as in api.bench.ts), the load
// generator (autocannon) runs here, rounds alternate so noise hits every variant alike. Telemetry goes to
// a fake ingestion endpoint in this process, which answers as Application Insights does.
//
// The endpoint is a trimmed copy of tests/helpers/fakeIngestion.ts (tsconfig.build.json does not compile
// tests/): HTTPS with a self-signed certificate (the 3.x exporter only speaks https), trusted by the
// children through NODE_EXTRA_CA_CERTS.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import autocannon from 'autocannon';
import { generate } from 'selfsigned';
import { stop } from './api.bench';
import { startBenchCosmosServer } from './cosmosServer';
import { freePort } from './freePort';
import { waitUntilHealthy } from './healthy';
import { timeToFirstHealthy } from './startup.bench';
import { type BenchRow, processCpuMicros, sized, spread } from './measure';

const REPO = path.resolve(__dirname, '..', '..');
const MAIN = path.join(REPO, 'dist', 'tools', 'local-runner', 'main.js');
const IDENTITY = { 'x-ms-client-principal-id': 'bench-user' };
const SEEDED = sized(200, 20);
const CONNECTIONS = 10;
const ROUND_SECONDS = sized(3, 0.5);
const ROUNDS = sized(5, 1);
const WARM_UP_SECONDS = sized(3, 0.5);
const STARTS = sized(5, 1);
/** Target from issue 7: telemetry costs less than this share of the throughput. */
const TARGET_OVERHEAD = 0.1;

interface FakeIngestion {
  connectionString: string;
  caFile: string;
  /** Envelopes received so far. */
  items(): number;
  close(): Promise<void>;
}

async function startFakeIngestion(dir: string): Promise<FakeIngestion> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  let items = 0;
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let received = 0;
      if (request.method === 'POST' && /\/v2(\.1)?\/track/.test(request.url ?? '')) {
        const body = Buffer.concat(chunks);
        const text = (
          request.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body
        ).toString();
        received = (JSON.parse(text || '[]') as unknown[]).length;
        items += received;
      }
      // Live Metrics pings are answered "nobody is watching", as the service does when no one is.
      response.writeHead(200, { 'content-type': 'application/json', 'x-ms-qps-subscribed': 'false' });
      response.end(JSON.stringify({ itemsReceived: received, itemsAccepted: received, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const caFile = path.join(dir, 'fake-ingestion-ca.pem');
  fs.writeFileSync(caFile, pems.cert);
  return {
    connectionString: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=${url};LiveEndpoint=${url}`,
    caFile,
    items: () => items,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The variant whose overhead the target judges: what a deployment runs with, the SDK's default sampling. */
const DEFAULT_VARIANT = 'connection string, default sampling';

/** The child environment of each variant, on top of the runner's own. */
function variants(ingestion: FakeIngestion): Record<string, Record<string, string>> {
  const telemetry = {
    APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
    NODE_EXTRA_CA_CERTS: ingestion.caFile,
    // The SDK's own health telemetry goes to Microsoft's endpoint, which this machine cannot reach.
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
  };
  return {
    'no connection string': {},
    [DEFAULT_VARIANT]: telemetry,
    'connection string, every request sent': { ...telemetry, OTEL_TRACES_SAMPLER: 'always_on' },
  };
}

// The environment without any telemetry setting of the shell the bench runs in.
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(APPLICATIONINSIGHTS_|OTEL_|NODE_EXTRA_CA_CERTS$)/.test(name),
    ),
  );
}

/** Starts the built local runner (what npm start runs) with env; resolves when /api/health answers 200. */
async function startRunner(
  dataDir: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    cwd: REPO,
    // LOG_LEVEL=warn keeps the runner's per-request access line (local console I/O) out of the figure.
    env: {
      ...cleanEnv(),
      PORT: String(port),
      DATA_BACKEND: 'local',
      DATA_DIR: dataDir,
      AUTH_MODE: 'dev',
      LOG_LEVEL: 'warn',
      AzureWebJobsStorage: '',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(url, child, { what: 'the local runner', started, pollMs: 20 });
  return { child, url };
}

/** Creates SEEDED tasks and returns the path of the one read under load. */
async function seed(url: string): Promise<string> {
  const ids: string[] = [];
  for (let i = 0; i < SEEDED; i++) {
    const response = await fetch(`${url}/api/tasks`, {
      method: 'POST',
      headers: { ...IDENTITY, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: `Task ${i}: prepare the quarterly review`,
        priority: (i % 5) + 1,
        tags: ['work'],
      }),
    });
    if (response.status !== 201) throw new Error(`seeding: ${response.status} ${await response.text()}`);
    ids.push(((await response.json()) as { id: string }).id);
  }
  return `/api/tasks/${encodeURIComponent(ids[SEEDED / 2])}`;
}

/** Loads a runner for `seconds`: requests per second, and the runner's CPU microseconds per request. */
async function load(
  url: string,
  seconds: number,
  pid?: number,
): Promise<{ rate: number; cpuPerRequest: number | undefined }> {
  const before = processCpuMicros(pid);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: IDENTITY,
    timeout: 10,
  });
  const after = processCpuMicros(pid);
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  }
  const cpuPerRequest =
    before === undefined || after === undefined ? undefined : (after - before) / result.requests.total;
  return { rate: result.requests.total / result.duration, cpuPerRequest };
}

/** Milliseconds from `npm start` to the first healthy /api/health with env on top of a telemetry-free one. */
function timeToHealthy(env: Record<string, string>): Promise<number> {
  return timeToFirstHealthy({ ...cleanEnv(), AzureWebJobsStorage: '', ...env });
}

/** Where the runners keep their data: the store's settings and how the rows name it. */
interface BenchStore {
  label: string;
  env: (variant: number) => Record<string, string>;
}

async function throughputRows(
  ingestion: FakeIngestion,
  dir: string,
  store: BenchStore,
  which: (name: string) => boolean = () => true,
): Promise<BenchRow[]> {
  const runners: { name: string; child: ChildProcess; url: string }[] = [];
  try {
    const chosen = Object.entries(variants(ingestion)).filter(([name]) => which(name));
    for (const [index, [name, env]] of chosen.entries()) {
      const dataDir = fs.mkdtempSync(path.join(dir, 'data-'));
      const runner = await startRunner(dataDir, { ...store.env(index), ...env });
      runners.push({ name, ...runner, url: `${runner.url}${await seed(runner.url)}` });
    }
    // Warm-up, not counted: the JIT settles on the request path in a few seconds.
    for (const runner of runners) await load(runner.url, WARM_UP_SECONDS);
    const rates = new Map<string, number[]>(runners.map((r) => [r.name, []]));
    const cpu = new Map<string, number[]>(runners.map((r) => [r.name, []]));
    const itemsBefore = ingestion.items();
    for (let round = 0; round < ROUNDS; round++) {
      for (const runner of runners) {
        const measured = await load(runner.url, ROUND_SECONDS, runner.child.pid);
        rates.get(runner.name)?.push(measured.rate);
        if (measured.cpuPerRequest !== undefined) cpu.get(runner.name)?.push(measured.cpuPerRequest);
      }
    }
    const sent = ingestion.items() - itemsBefore;
    const summary = (name: string) => {
      const cpuRounds = cpu.get(name) ?? [];
      return {
        name,
        rate: spread(rates.get(name) ?? []),
        cpu: cpuRounds.length > 0 ? spread(cpuRounds).median : undefined,
      };
    };
    const [baseline, ...measured] = runners.map((r) => summary(r.name));
    const how =
      `${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s after ` +
      `${WARM_UP_SECONDS} s of warm-up each, autocannon`;
    const cpuText = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(0)} µs`);
    return measured.map(({ name, rate, cpu: cpuPerRequest }) => {
      const overhead = 1 - rate.median / baseline.rate.median;
      // Every request sent is the worst case, a setting for a debugging session: figures only, no target.
      const judged = name === DEFAULT_VARIANT;
      return {
        name: `Telemetry overhead on GET /api/tasks/{id} (local runner, ${store.label}): ${name} vs none`,
        unit: 'req/s',
        ours: rate.median,
        comparison: baseline.rate.median,
        comparisonName: 'no connection string',
        ratio: rate.median / baseline.rate.median,
        ...(judged
          ? { target: `overhead < ${TARGET_OVERHEAD * 100}%`, pass: overhead < TARGET_OVERHEAD }
          : {}),
        detail:
          `overhead ${(overhead * 100).toFixed(1)}%; runner CPU per request ${cpuText(cpuPerRequest)} vs ` +
          `${cpuText(baseline.cpu)} (median of rounds); ${rate.min.toFixed(0)}..${rate.max.toFixed(0)} vs ` +
          `${baseline.rate.min.toFixed(0)}..${baseline.rate.max.toFixed(0)} req/s; ${how}; ` +
          `${sent} telemetry items reached the fake ingestion endpoint during the measured rounds (all variants)`,
      };
    });
  } finally {
    for (const runner of runners) await stop(runner.child);
  }
}

async function startupRows(ingestion: FakeIngestion): Promise<BenchRow[]> {
  const withTelemetry = variants(ingestion)[DEFAULT_VARIANT];
  await timeToHealthy({}); // warm the file cache; not counted
  await timeToHealthy(withTelemetry);
  const without: number[] = [];
  const withIt: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    without.push(await timeToHealthy({}));
    withIt.push(await timeToHealthy(withTelemetry));
  }
  const a = spread(without);
  const b = spread(withIt);
  return [
    {
      name: 'npm start to the first 200 from /api/health: with a connection string vs without',
      unit: 'ms median',
      ours: b.median,
      comparison: a.median,
      comparisonName: 'no connection string',
      ratio: a.median / b.median,
      detail:
        `+${(b.median - a.median).toFixed(0)} ms: the telemetry thread loads the SDK while the app starts, on the same cores; with ${b.min.toFixed(0)}..${b.max.toFixed(0)}, ` +
        `without ${a.min.toFixed(0)}..${a.max.toFixed(0)} ms over ${STARTS} alternating runs; no rebuild, ` +
        `empty DATA_DIR, AzureWebJobsStorage empty (no Azurite), npm's own start-up included`,
    },
  ];
}

/** Telemetry's cost: throughput of GET /api/tasks/{id} and start-up time, with and without a connection string. */
export async function benchTelemetry(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-telemetry-'));
  const ingestion = await startFakeIngestion(dir);
  try {
    const local: BenchStore = { label: 'local store', env: () => ({}) };
    // Every request sent is measured against its own baseline: on two cores, that runner exporting its
    // backlog between its rounds would otherwise run during the other variants' rounds.
    const everyRequest = (name: string) => name.includes('every request');
    const rows = await throughputRows(ingestion, dir, local, (name) => !everyRequest(name));
    rows.push(...(await throughputRows(ingestion, dir, local, (name) => name !== DEFAULT_VARIANT)));
    // A request that calls a store over the network, as in Azure: the span and the store metrics cost the
    // same, the request costs more. Only the default sampling, to keep the run short.
    // Keep-alive, as a real account's gateway: otherwise every request would pay a TLS handshake.
    const cosmos = await startBenchCosmosServer({ keepAlive: true });
    try {
      const server: BenchStore = {
        label: 'Cosmos DB test server',
        env: (variant) => ({
          DATA_BACKEND: 'cosmos',
          COSMOS_ENDPOINT: cosmos.endpoint,
          COSMOS_KEY: 'bench-key',
          COSMOS_ALLOW_INSECURE_TLS: 'true',
          COSMOS_DATABASE: `telemetry-bench-${variant}`,
        }),
      };
      rows.push(...(await throughputRows(ingestion, dir, server, (name) => !everyRequest(name))));
    } finally {
      await cosmos.stop();
    }
    return [...rows, ...(await startupRows(ingestion))];
  } finally {
    await ingestion.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
