// Against the Cosmos-protocol test server in its own process: (1) a point read through the app's store
// with its module-scoped client vs the review's anti-pattern of a new CosmosClient per invocation, and
// (2) the app's whole store path (query cache, usage recording, resilience policies, adapter) vs raw SDK
// calls on one shared client for the same operations. Rounds alternate so noise hits both sides alike.
import https from 'node:https';
import { CosmosClient, type Container } from '@azure/cosmos';
import { loadSettings } from '../shared/config/settings';
import type { DocumentStore } from '../shared/data/documentStore';
import { createDocumentStore } from '../shared/data/storeFactory';
import { startBenchCosmosServer } from './cosmosServer';
import { percentile, type BenchRow } from './measure';

const ROUNDS = 5;
const DATABASE = 'bench-client';
const USER = 'bench-user';

async function timeEach(count: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await call(i);
    durations.push(performance.now() - started);
  }
  return durations;
}

// What "a new client on each init" costs: construction, account discovery and fresh connections, then the read.
async function readWithNewClient(endpoint: string, key: string, id: string): Promise<void> {
  const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });
  const client = new CosmosClient({ endpoint, key, agent });
  try {
    await client.database(DATABASE).container('tasks').item(id, USER).read();
  } finally {
    client.dispose();
    agent.destroy();
  }
}

function median(values: number[]): number {
  return percentile(values, 50);
}

/** Client reuse and wrapper overhead against the Cosmos test server in a separate process. */
export async function benchCosmosClient(): Promise<BenchRow[]> {
  const server = await startBenchCosmosServer({ keepAlive: true });
  const key = 'bench-key';
  const settings = loadSettings({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: server.endpoint,
    COSMOS_KEY: key,
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: DATABASE,
    LOG_LEVEL: 'error',
  });
  let store: DocumentStore | undefined;
  const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });
  const raw = new CosmosClient({ endpoint: server.endpoint, key, agent });
  try {
    store = await createDocumentStore(settings);
    await store.initialize();
    const ids = Array.from({ length: 50 }, (_, i) => `task-${i}`);
    for (const id of ids)
      await store.create('tasks', { id, userId: USER, title: `Task ${id}`, status: 'todo' });
    const container: Container = raw.database(DATABASE).container('tasks');
    await container.item(ids[0], USER).read(); // discovery and connections before timing, as in a warm instance
    const list = {
      query: 'SELECT * FROM c WHERE c.userId = @userId AND c.status = @status',
      parameters: [
        { name: '@userId', value: USER },
        { name: '@status', value: 'todo' },
      ],
    };

    const reused: number[] = [];
    const fresh: number[] = [];
    const rawReads: number[] = [];
    const appReads: number[] = [];
    const rawQueries: number[] = [];
    const appQueries: number[] = [];
    const rawCreates: number[] = [];
    const appCreates: number[] = [];
    const app = store;
    for (let round = 0; round < ROUNDS; round += 1) {
      reused.push(...(await timeEach(100, (i) => app.read('tasks', ids[i % ids.length], USER))));
      fresh.push(
        ...(await timeEach(20, (i) => readWithNewClient(server.endpoint, key, ids[i % ids.length]))),
      );
      rawReads.push(...(await timeEach(100, (i) => container.item(ids[i % ids.length], USER).read())));
      appReads.push(...(await timeEach(100, (i) => app.read('tasks', ids[i % ids.length], USER))));
      rawQueries.push(
        ...(await timeEach(50, () => container.items.query(list, { partitionKey: USER }).fetchAll())),
      );
      // cacheTtlMs 0: this row measures the path around the store, not the cache (which has its own row).
      appQueries.push(
        ...(await timeEach(50, () => app.query('tasks', list, { partitionKey: USER, cacheTtlMs: 0 }))),
      );
      rawCreates.push(
        ...(await timeEach(50, (i) =>
          container.items.create({ id: `raw-${round}-${i}`, userId: USER, title: 'raw', status: 'done' }),
        )),
      );
      appCreates.push(
        ...(await timeEach(50, (i) =>
          app.create('tasks', { id: `app-${round}-${i}`, userId: USER, title: 'app', status: 'done' }),
        )),
      );
    }

    const reuseRatio = median(fresh) / median(reused);
    const overhead = (ours: number[], theirs: number[], name: string): BenchRow => {
      const added = median(ours) / median(theirs) - 1;
      return {
        name: `Wrapper overhead: ${name} through the app's store path vs the raw SDK (Cosmos test server)`,
        unit: 'ms p50',
        ours: median(ours),
        comparison: median(theirs),
        comparisonName: 'raw SDK, shared client',
        ratio: median(theirs) / median(ours),
        target: '<= 10% added time',
        pass: added <= 0.1,
        detail: `${(added * 100).toFixed(1)}% added; p99 ${percentile(ours, 99).toFixed(2)} vs ${percentile(theirs, 99).toFixed(2)} ms; query cache, usage recording, resilience (deadline, bulkhead, retry, breaker, timeout) and the adapter; ${ROUNDS} alternating rounds`,
      };
    };
    return [
      {
        name: 'Client reuse: point read with the module-scoped client vs a new CosmosClient per invocation (Cosmos test server, separate process)',
        unit: 'ms p50',
        ours: median(reused),
        comparison: median(fresh),
        comparisonName: 'new client per invocation',
        ratio: reuseRatio,
        target: '>= 5x',
        pass: reuseRatio >= 5,
        detail: `${ROUNDS} alternating rounds (100 reused, 20 fresh each), HTTPS on loopback with keep-alive as a real account's gateway; a new client reads the account, opens a connection and handshakes TLS before the read, the reused one sends the read on its open connection; no network latency is added, so on a real network (each extra round trip ~1 ms in region) the gap is wider`,
      },
      overhead(appReads, rawReads, 'point read'),
      overhead(appQueries, rawQueries, 'partition-scoped query'),
      overhead(appCreates, rawCreates, 'create'),
    ];
  } finally {
    await store?.dispose();
    raw.dispose();
    agent.destroy();
    await server.stop();
  }
}
