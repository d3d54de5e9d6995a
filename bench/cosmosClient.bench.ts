// Against the Cosmos-protocol test server in its own process: (1) a point read through the app's store
// with its module-scoped client vs the review's anti-pattern of a new CosmosClient per invocation, strictly
// (a new client, then the read) and as the review wrote it (a new client, then the database and every
// container created-if-not-exists in turn, then the read); (2) the app's whole store path (query cache,
// usage recording, resilience policies, adapter) vs raw SDK calls on the same client for the same
// operations, with the resilience policies alone around raw SDK calls as a third side, to show which part
// of the added time is theirs. Every path is warmed up first; the sides alternate, so noise and drift hit
// them alike.
import https from 'node:https';
import tls from 'node:tls';
import { CosmosClient, type Container } from '@azure/cosmos';
import { loadSettings } from '../shared/config/settings';
import { listContainers } from '../shared/data/catalogue';
import { leaseCosmosClient } from '../shared/data/cosmos/cosmosClientRegistry';
import { CosmosDocumentStore } from '../shared/data/cosmos/cosmosDocumentStore';
import type { CosmosSettings } from '../shared/data/cosmos/cosmosSettings';
import { toContainerRequest } from '../shared/data/cosmos/provisioning';
import type {
  CallOptions,
  DocumentBody,
  DocumentStore,
  PartitionKeyValue,
  StoreResponse,
  StoredDocument,
} from '../shared/data/documentStore';
import { createDocumentStore } from '../shared/data/storeFactory';
import { ResilientDocumentStore } from '../shared/resilience/resilientDocumentStore';
import { createJsonLogger } from '../shared/telemetry/logger';
import { startBenchCosmosServer } from './cosmosServer';
import { percentile, sized, type BenchRow } from './measure';

// A warm instance has served thousands of calls: its code is optimised by V8 (and so is the test server's).
// Until then calls run partly in V8's lower tiers, where each layer costs several times what it costs once
// optimised, and p50s keep falling for the first ~2,000 calls of a path; timed from a cold start, the rows
// would measure how soon V8 optimises the app's longer path rather than what a call costs in a running
// instance.
const WARMUP_CALLS = sized(3_000, 5);
const WARMUP_QUERIES = sized(600, 2);
const WARMUP_FRESH = sized(5, 1);
const ROUNDS = sized(10, 1);
// Per round, on each side.
const READS = sized(100, 3);
const QUERIES = sized(30, 2);
const CREATES = sized(60, 3);
const FRESH = sized(10, 1);
const PER_INIT = sized(4, 1);
const DATABASE = 'bench-client';
const USER = 'bench-user';
// Created documents go to another container: the test server scans a container to answer a query, so
// thousands of creates in 'tasks' would slow the query row down as the run goes on.
const WRITES = 'projects';

function median(values: number[]): number {
  return percentile(values, 50);
}

interface Side {
  durations: number[];
  call: (i: number) => Promise<unknown>;
}

async function timed(side: Side, i: number): Promise<void> {
  const started = performance.now();
  await side.call(i);
  side.durations.push(performance.now() - started);
}

// Call by call, each side in turn, the side that goes first rotating: none always follows another.
async function rotate(count: number, sides: Side[]): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    for (let k = 0; k < sides.length; k += 1) await timed(sides[(i + k) % sides.length], i);
  }
}

// A block of each side in turn, the first one alternating by round. For the new-client paths: a new client
// leaves garbage that is collected during whatever runs next, which call by call would be the reused read.
async function blocks(round: number, count: number, a: Side, b: Side): Promise<void> {
  for (const side of round % 2 === 0 ? [a, b] : [b, a]) {
    for (let i = 0; i < count; i += 1) await timed(side, i);
  }
}

function newAgent(): https.Agent {
  return new https.Agent({ rejectUnauthorized: false, keepAlive: true });
}

// "A new client on each init", strictly: construction, account discovery and a fresh connection, then the read.
async function readWithNewClient(endpoint: string, key: string, id: string): Promise<void> {
  const agent = newAgent();
  const client = new CosmosClient({ endpoint, key, agent });
  try {
    await client.database(DATABASE).container('tasks').item(id, USER).read();
  } finally {
    client.dispose();
    agent.destroy();
  }
}

// The review's init as written: a new client, the database and then every container created-if-not-exists
// one after the other (each an existence check here, as they exist), no reference cached; then the read.
async function readWithReviewInit(endpoint: string, key: string, id: string): Promise<void> {
  const agent = newAgent();
  const client = new CosmosClient({ endpoint, key, agent });
  try {
    const { database } = await client.databases.createIfNotExists({ id: DATABASE });
    for (const definition of listContainers()) {
      await database.containers.createIfNotExists(toContainerRequest(definition));
    }
    await database.container('tasks').item(id, USER).read();
  } finally {
    client.dispose();
    agent.destroy();
  }
}

/** Where a new client's time goes, phase by phase (ms), for the client reuse row's detail. */
interface FreshPhases {
  construct: number[];
  firstRead: number[];
  handshake: number[];
  accountRead: number[];
  laterRead: number[];
  dispose: number[];
}

async function tlsHandshake(endpoint: string): Promise<number> {
  const url = new URL(endpoint);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const socket = tls.connect(
      { host: url.hostname, port: Number(url.port), rejectUnauthorized: false },
      () => {
        socket.destroy();
        resolve();
      },
    );
    socket.once('error', reject);
  });
  return performance.now() - started;
}

// One new client taken apart: its construction, its first read (account discovery over a new TLS
// connection, then the read), an account read and a read on its now open connection, its disposal; and a
// bare TLS handshake with the same server, which the first read pays for its connection.
async function measureFreshPhases(endpoint: string, key: string, id: string, into: FreshPhases) {
  const agent = newAgent();
  let at = performance.now();
  const lap = (phase: number[]) => {
    const now = performance.now();
    phase.push(now - at);
    at = now;
  };
  const client = new CosmosClient({ endpoint, key, agent });
  lap(into.construct);
  const item = client.database(DATABASE).container('tasks').item(id, USER);
  await item.read();
  lap(into.firstRead);
  await client.getDatabaseAccount();
  lap(into.accountRead);
  await item.read();
  lap(into.laterRead);
  client.dispose();
  agent.destroy();
  lap(into.dispose);
  into.handshake.push(await tlsHandshake(endpoint));
}

/**
 * The adapter with its point read and create replaced by the bare SDK calls (given the attempt's signal),
 * so that the resilience policies around it can be timed on their own.
 */
class RawSdkStore extends CosmosDocumentStore {
  constructor(
    settings: CosmosSettings,
    private readonly reads: Container,
    private readonly writes: Container,
  ) {
    super(settings);
  }

  override async read<T extends DocumentBody = DocumentBody>(
    _container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T> | undefined>> {
    const response = await this.reads
      .item(id, partitionKey)
      .read<StoredDocument<T>>({ abortSignal: options?.signal });
    const stats = { requestCharge: response.requestCharge, durationMs: 0, itemCount: 1 };
    return { resource: response.resource, stats };
  }

  override async create<T extends DocumentBody>(
    _container: string,
    document: T,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    const response = await this.writes.items.create(document, { abortSignal: options?.signal });
    const stats = { requestCharge: response.requestCharge, durationMs: 0, itemCount: 1 };
    return { resource: response.resource as unknown as StoredDocument<T>, stats };
  }
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
  let policiesOnly: DocumentStore | undefined;
  // The raw side uses the app's own process client (same settings, same registry entry): the overhead rows
  // then time the layers around the SDK and nothing else.
  const lease = leaseCosmosClient(settings.cosmos);
  try {
    store = await createDocumentStore(settings);
    await store.initialize();
    const app = store;
    const ids = Array.from({ length: 50 }, (_, i) => `task-${i}`);
    for (const id of ids)
      await app.create('tasks', { id, userId: USER, title: `Task ${id}`, status: 'todo' });
    const database = (await lease.client()).database(DATABASE);
    const container: Container = database.container('tasks');
    const writes: Container = database.container(WRITES);
    const policies = new ResilientDocumentStore(
      new RawSdkStore(settings.cosmos, container, writes),
      settings.resilience,
      createJsonLogger('error', () => undefined),
    );
    policiesOnly = policies;
    const list = {
      query: 'SELECT * FROM c WHERE c.userId = @userId AND c.status = @status',
      parameters: [
        { name: '@userId', value: USER },
        { name: '@status', value: 'todo' },
      ],
    };
    let created = 0;
    const project = (side: string) => {
      created += 1;
      return { id: `${side}-${created}`, userId: USER, name: `${side} ${created}` };
    };
    const raw = {
      read: (i: number) => container.item(ids[i % ids.length], USER).read(),
      query: () => container.items.query(list, { partitionKey: USER }).fetchAll(),
      create: () => writes.items.create(project('raw')),
    };
    const guarded = {
      read: (i: number) => policies.read('tasks', ids[i % ids.length], USER),
      create: () => policies.create(WRITES, project('policies')),
    };
    const ours = {
      read: (i: number) => app.read('tasks', ids[i % ids.length], USER),
      // cacheTtlMs 0: this row measures the path around the store, not the cache (which has its own row).
      query: () => app.query('tasks', list, { partitionKey: USER, cacheTtlMs: 0 }),
      create: () => app.create(WRITES, project('app')),
    };
    const fresh = (i: number) => readWithNewClient(server.endpoint, key, ids[i % ids.length]);
    const perInit = (i: number) => readWithReviewInit(server.endpoint, key, ids[i % ids.length]);

    for (let i = 0; i < WARMUP_CALLS; i += 1) {
      await raw.read(i);
      await guarded.read(i);
      await ours.read(i);
      await raw.create();
      await guarded.create();
      await ours.create();
    }
    for (let i = 0; i < WARMUP_QUERIES; i += 1) {
      await raw.query();
      await ours.query();
    }
    for (let i = 0; i < WARMUP_FRESH; i += 1) {
      await fresh(i);
      await perInit(i);
    }

    const side = (call: (i: number) => Promise<unknown>): Side => ({ durations: [], call });
    const reused = side(ours.read);
    const freshReads = side(fresh);
    const reusedForInit = side(ours.read);
    const perInitReads = side(perInit);
    const phases: FreshPhases = {
      construct: [],
      firstRead: [],
      handshake: [],
      accountRead: [],
      laterRead: [],
      dispose: [],
    };
    const reads = { raw: side(raw.read), policies: side(guarded.read), app: side(ours.read) };
    const queries = { raw: side(raw.query), app: side(ours.query) };
    const creates = { raw: side(raw.create), policies: side(guarded.create), app: side(ours.create) };
    for (let round = 0; round < ROUNDS; round += 1) {
      await blocks(round, FRESH, reused, freshReads);
      await blocks(round, PER_INIT, reusedForInit, perInitReads);
      await measureFreshPhases(server.endpoint, key, ids[round % ids.length], phases);
      await rotate(READS, [reads.raw, reads.policies, reads.app]);
      await rotate(QUERIES, [queries.raw, queries.app]);
      await rotate(CREATES, [creates.raw, creates.policies, creates.app]);
    }

    const ms = (values: number[]) => median(values).toFixed(2);
    const micros = (milliseconds: number) => `${(milliseconds * 1000).toFixed(0)} µs`;
    const reuseRatio = median(freshReads.durations) / median(reused.durations);
    const perInitRatio = median(perInitReads.durations) / median(reusedForInit.durations);
    const phaseSum = median(phases.construct) + median(phases.firstRead) + median(phases.dispose);
    const firstReadRest =
      median(phases.firstRead) -
      median(phases.handshake) -
      median(phases.accountRead) -
      median(phases.laterRead);
    const warm = `after a warm-up (${WARMUP_CALLS.toLocaleString('en-US')} calls of each read and create path, ${WARMUP_QUERIES} of each query, ${WARMUP_FRESH} of each new-client path: a warm instance's optimised code and open connections)`;
    const overhead = (name: string, sides: { raw: Side; app: Side; policies?: Side }): BenchRow => {
      const ourTimes = sides.app.durations;
      const theirs = sides.raw.durations;
      const added = median(ourTimes) / median(theirs) - 1;
      const total = median(ourTimes) - median(theirs);
      const policyTime = sides.policies ? median(sides.policies.durations) - median(theirs) : undefined;
      const split =
        policyTime === undefined
          ? ''
          : `: the resilience policies alone (cockatiel, timed around the bare SDK call) ${micros(policyTime)}, the adapter, usage recording and cache layers ${micros(total - policyTime)}`;
      return {
        name: `Wrapper overhead: ${name} through the app's store path vs the raw SDK (Cosmos test server)`,
        unit: 'ms p50',
        ours: median(ourTimes),
        comparison: median(theirs),
        comparisonName: 'raw SDK, same client',
        ratio: median(theirs) / median(ourTimes),
        target: '<= 10% added time',
        pass: added <= 0.1,
        detail: `${(added * 100).toFixed(1)}% added (${micros(total)}${split}); p99 ${percentile(ourTimes, 99).toFixed(2)} vs ${percentile(theirs, 99).toFixed(2)} ms; query cache, usage recording, resilience (deadline, bulkhead, retry, breaker, attempt timeout) and the adapter, the raw side on the app's own CosmosClient; ${ourTimes.length} calls a side, call by call in turn over ${ROUNDS} rounds, ${warm}`,
      };
    };
    return [
      {
        name: 'Client reuse: point read with the module-scoped client vs a new CosmosClient per invocation (Cosmos test server, separate process)',
        unit: 'ms p50',
        ours: median(reused.durations),
        comparison: median(freshReads.durations),
        comparisonName: 'new client per invocation',
        ratio: reuseRatio,
        target: '>= 5x',
        pass: reuseRatio >= 5,
        detail: `the reused read goes through the app's whole store path; ${freshReads.durations.length} of each in alternating blocks, ${warm}; HTTPS on loopback with keep-alive as a real account's gateway. Where a new client's ${ms(freshReads.durations)} ms go (medians of ${phases.construct.length} taken apart): construction ${ms(phases.construct)}, first read ${ms(phases.firstRead)} = TLS handshake ${ms(phases.handshake)} + account read ${ms(phases.accountRead)} + the read ${ms(phases.laterRead)} + ${Math.max(0, firstReadRest).toFixed(2)} other, dispose ${ms(phases.dispose)} (sum ${phaseSum.toFixed(2)}). Loopback adds no network latency: on a real network each of its extra round trips (account read, TCP and TLS handshakes) adds ~1 ms in region, so the gap is wider`,
      },
      {
        name: "Client reuse: point read with the module-scoped client vs the review's per-init pattern (new client, database and each catalogue container createIfNotExists in turn, then the read)",
        unit: 'ms p50',
        ours: median(reusedForInit.durations),
        comparison: median(perInitReads.durations),
        comparisonName: 'review per-init pattern',
        ratio: perInitRatio,
        target: '>= 5x',
        pass: perInitRatio >= 5,
        detail: `what the review's code does per init (database-architecture-review.md, Performance Bottlenecks): a new client, createIfNotExists of the database and then of each of the ${listContainers().length} catalogue containers one after the other (each an existence check, as they exist), no reference cached, then the read; ${perInitReads.durations.length} of each in alternating blocks, ${warm}; loopback, so each of its ${listContainers().length + 3} round trips and its TLS handshake cost far less than on a real network`,
      },
      overhead('point read', reads),
      overhead('partition-scoped query', queries),
      overhead('create', creates),
    ];
  } finally {
    await lease.release();
    await policiesOnly?.dispose();
    await store?.dispose();
    await server.stop();
  }
}
