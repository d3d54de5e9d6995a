import { randomUUID } from 'node:crypto';
import { loadSettings } from '../../shared/config/settings';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type { CallOptions, DocumentStore } from '../../shared/data/documentStore';
import { AppError } from '../../shared/errors/appError';
import { startApi } from '../api/apiHarness';
import {
  ResilientDocumentStore,
  type ResilienceOptions,
} from '../../shared/resilience/resilientDocumentStore';
import { createJsonLogger } from '../../shared/telemetry/logger';
import { testCosmosEndpoint, testCosmosSettings, testCosmosSettingsAt } from '../helpers/cosmosTestSettings';
import { seededRandom, startFaultProxy, type FaultProxy } from '../helpers/faultProxy';

// The resilience scenarios of issue 4, end to end through the real components: ResilientDocumentStore
// (cockatiel policies) -> CosmosDocumentStore -> the real @azure/cosmos SDK -> the fault proxy -> the
// Cosmos test server. Every scenario prints its figures, and after every scenario the test server's
// contents, read directly (not through the proxy), are compared with what the callers were told:
// every acknowledged write is there exactly as written, and no write is stored twice.
//
// Timeouts and the breaker's half-open delay are small so the file stays well under a minute and a half;
// the relations between them (SDK request timeout vs attempt timeout vs deadline) are the production ones.

const figures: string[] = [];
const figure = (line: string): void => {
  figures.push(line);
};

const CONTAINER = 'tasks';

/** Settings parsed by the app's own settings code (so STORE_* values are validated as in production). */
function storeSettings(
  endpoint: string,
  database: string,
  env: Record<string, string>,
): { cosmos: ReturnType<typeof testCosmosSettingsAt>; resilience: ResilienceOptions } {
  const settings = loadSettings({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: endpoint,
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: database,
    ...env,
  });
  return { cosmos: testCosmosSettingsAt(endpoint, database, env), resilience: settings.resilience };
}

/** A breaker transition as the store logged it, with the time (performance.now()) it was seen. */
interface BreakerEvent {
  state: string;
  at: number;
}

interface Guarded {
  store: ResilientDocumentStore;
  cosmos: CosmosDocumentStore;
  options: ResilienceOptions;
  breakerEvents: BreakerEvent[];
  events: Map<string, number>;
}

const opened: DocumentStore[] = [];

/** The production composition (storeFactory's), against the fault proxy; logs are kept, not printed. */
function guardedStore(
  env: Record<string, string>,
  wrapInner: (inner: DocumentStore) => DocumentStore = (inner) => inner,
): Guarded {
  const { cosmos: cosmosSettings, resilience } = storeSettings(proxy.endpoint, database, env);
  const cosmos = new CosmosDocumentStore(cosmosSettings);
  const breakerEvents: BreakerEvent[] = [];
  const events = new Map<string, number>();
  const log = createJsonLogger('debug', (line) => {
    const entry = JSON.parse(line) as { message?: string; state?: string };
    const key = entry.state ? `${entry.message}:${entry.state}` : String(entry.message);
    events.set(key, (events.get(key) ?? 0) + 1);
    if (entry.message === 'store breaker' && entry.state) {
      breakerEvents.push({ state: entry.state, at: performance.now() });
    }
  });
  const store = new ResilientDocumentStore(wrapInner(cosmos), resilience, log);
  opened.push(store);
  return { store, cosmos, options: resilience, breakerEvents, events };
}

// ---------------------------------------------------------------------------------------------------
// The ledger: what each caller was told, per document, and the check against the server's contents.

type State = { present: true; body: Record<string, unknown> } | { present: false };

interface DocRecord {
  /** The state after the last write the caller saw succeed (absent before the first). */
  acked: State;
  /** States written by calls that failed after that: each may or may not have landed. */
  maybe: State[];
}

interface LedgerReport {
  acknowledgedWrites: number;
  rejectedWrites: number;
  documents: number;
  /** Documents whose stored state is exactly their last acknowledged write. */
  asAcknowledged: number;
  /** Documents whose stored state is a later write that failed for its caller (it landed anyway). */
  rejectedButLanded: number;
  /** Rejected writes whose effect is not in the store (did not land, or were overwritten by a retry). */
  rejectedNotVisible: number;
  /** Documents whose stored state matches nothing a caller wrote or was told (must be empty). */
  wrong: string[];
  /** Write nonces found in more than one stored document (must be empty). */
  duplicated: string[];
}

class Ledger {
  readonly docs = new Map<string, DocRecord>();
  acknowledgedWrites = 0;
  rejectedWrites = 0;

  constructor(readonly userId: string) {}

  record(id: string): DocRecord {
    let record = this.docs.get(id);
    if (!record) {
      record = { acked: { present: false }, maybe: [] };
      this.docs.set(id, record);
    }
    return record;
  }

  acknowledge(id: string, state: State): void {
    this.acknowledgedWrites += 1;
    // An acknowledged write supersedes earlier failed ones: in these scenarios a failed write never lands
    // after a later call on the same document starts (resets and black holes answer or drop at once).
    this.docs.set(id, { acked: state, maybe: [] });
  }

  reject(id: string, state: State): void {
    this.rejectedWrites += 1;
    this.record(id).maybe.push(state);
  }

  /** Compares with the server's contents, read directly from the test server (bypassing the proxy). */
  async verify(direct: DocumentStore): Promise<LedgerReport> {
    const page = await direct.query<Record<string, unknown>>(
      CONTAINER,
      { query: 'SELECT * FROM c WHERE c.userId = @u', parameters: [{ name: '@u', value: this.userId }] },
      { partitionKey: this.userId },
    );
    const stored = new Map<string, Record<string, unknown>>();
    const nonces = new Map<string, number>();
    for (const item of page.items) {
      stored.set(String(item.id), withoutSystemFields(item));
      const nonce = String(item.w);
      nonces.set(nonce, (nonces.get(nonce) ?? 0) + 1);
    }
    const report: LedgerReport = {
      acknowledgedWrites: this.acknowledgedWrites,
      rejectedWrites: this.rejectedWrites,
      documents: this.docs.size,
      asAcknowledged: 0,
      rejectedButLanded: 0,
      rejectedNotVisible: 0,
      wrong: [],
      duplicated: [...nonces].filter(([, n]) => n > 1).map(([nonce]) => nonce),
    };
    for (const [id, record] of this.docs) {
      const actual: State = stored.has(id)
        ? { present: true, body: stored.get(id) as Record<string, unknown> }
        : { present: false };
      stored.delete(id);
      const landed = record.maybe.findIndex((state) => sameState(state, actual));
      if (landed >= 0) {
        report.rejectedButLanded += 1;
        report.rejectedNotVisible += record.maybe.length - 1;
      } else if (sameState(record.acked, actual)) {
        report.asAcknowledged += 1;
        report.rejectedNotVisible += record.maybe.length;
      } else {
        report.wrong.push(id);
      }
    }
    // A document nobody wrote (or wrote under another id) is as wrong as a lost one.
    report.wrong.push(...[...stored.keys()].map((id) => `unexpected:${id}`));
    return report;
  }
}

function withoutSystemFields(doc: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc).filter(([key]) => !key.startsWith('_')));
}

function sameState(a: State, b: State): boolean {
  if (!a.present || !b.present) return a.present === b.present;
  const canonical = (doc: Record<string, unknown>) => JSON.stringify(Object.entries(doc).sort());
  return canonical(a.body) === canonical(b.body);
}

function describeLedger(report: LedgerReport): string {
  return (
    `${report.acknowledgedWrites} writes acknowledged, ${report.rejectedWrites} rejected; ` +
    `${report.documents} documents: ${report.asAcknowledged} exactly as last acknowledged, ` +
    `${report.rejectedButLanded} hold a write that was rejected but landed, ` +
    `${report.rejectedNotVisible} rejected writes not in the store; ` +
    `${report.wrong.length} wrong, ${report.duplicated.length} stored twice`
  );
}

function expectLedgerHolds(report: LedgerReport): void {
  expect(report.wrong).toEqual([]);
  expect(report.duplicated).toEqual([]);
  expect(report.asAcknowledged + report.rejectedButLanded).toBe(report.documents);
}

// ---------------------------------------------------------------------------------------------------
// A mixed workload: each lane owns its documents, so calls on one document are sequential and the
// ledger knows what each read must return.

interface WorkloadFigures {
  operations: number;
  succeeded: number;
  failed: Map<string, number>;
  reads: number;
  readFailures: number;
  readMismatches: number;
  byKind: Map<string, number>;
}

interface LaneDoc {
  id: string;
  n: number;
}

/** Every document the scenarios write; w is unique per write. */
type ScenarioDocument = { id: string; userId: string; lane: number; n: number; w: string };

function body(ledger: Ledger, lane: number, doc: LaneDoc): ScenarioDocument {
  // w is a nonce per write: two stored documents with the same w would be one write stored twice.
  return { id: doc.id, userId: ledger.userId, lane, n: doc.n, w: randomUUID() };
}

async function runLane(
  store: DocumentStore,
  ledger: Ledger,
  lane: number,
  operations: number,
  seed: number,
  figures: WorkloadFigures,
): Promise<void> {
  const random = seededRandom(seed);
  const live: LaneDoc[] = [];
  const pick = (): LaneDoc => live[Math.floor(random() * live.length)];
  const count = (kind: string) => figures.byKind.set(kind, (figures.byKind.get(kind) ?? 0) + 1);
  const failed = (error: unknown) => {
    const code = error instanceof AppError ? error.code : String(error);
    figures.failed.set(code, (figures.failed.get(code) ?? 0) + 1);
  };
  const write = async (
    kind: string,
    doc: LaneDoc,
    intended: State,
    call: () => Promise<unknown>,
  ): Promise<boolean> => {
    count(kind);
    figures.operations += 1;
    try {
      await call();
      figures.succeeded += 1;
      ledger.acknowledge(doc.id, intended);
      return true;
    } catch (error) {
      failed(error);
      ledger.reject(doc.id, intended);
      return false;
    }
  };

  for (let i = 0; i < operations; i += 1) {
    const r = random();
    if (live.length < 3 || r < 0.2) {
      const doc = { id: randomUUID(), n: 0 };
      const document = body(ledger, lane, doc);
      if (
        await write('create', doc, { present: true, body: document }, () => store.create(CONTAINER, document))
      )
        live.push(doc);
    } else if (r < 0.45) {
      const doc = pick();
      count('read');
      figures.operations += 1;
      figures.reads += 1;
      try {
        const read = await store.read(CONTAINER, doc.id, ledger.userId);
        figures.succeeded += 1;
        const record = ledger.record(doc.id);
        const actual: State = read.resource
          ? { present: true, body: withoutSystemFields(read.resource) }
          : { present: false };
        if (![record.acked, ...record.maybe].some((state) => sameState(state, actual))) {
          figures.readMismatches += 1;
        }
      } catch (error) {
        failed(error);
        figures.readFailures += 1;
      }
    } else if (r < 0.55) {
      count('query');
      figures.operations += 1;
      figures.reads += 1;
      try {
        await store.query(
          CONTAINER,
          {
            query: 'SELECT c.id, c.n FROM c WHERE c.userId = @u AND c.lane = @l',
            parameters: [
              { name: '@u', value: ledger.userId },
              { name: '@l', value: lane },
            ],
          },
          { partitionKey: ledger.userId },
        );
        figures.succeeded += 1;
      } catch (error) {
        failed(error);
        figures.readFailures += 1;
      }
    } else if (r < 0.72) {
      const doc = pick();
      doc.n += 1;
      const document = body(ledger, lane, doc);
      await write('upsert', doc, { present: true, body: document }, () => store.upsert(CONTAINER, document));
    } else if (r < 0.9) {
      const doc = pick();
      doc.n += 1;
      const document = body(ledger, lane, doc);
      await write('replace', doc, { present: true, body: document }, () =>
        store.replace(CONTAINER, document),
      );
    } else {
      const doc = pick();
      if (
        await write('delete', doc, { present: false }, () => store.delete(CONTAINER, doc.id, ledger.userId))
      )
        live.splice(live.indexOf(doc), 1);
    }
  }
}

function emptyWorkload(): WorkloadFigures {
  return {
    operations: 0,
    succeeded: 0,
    failed: new Map(),
    reads: 0,
    readFailures: 0,
    readMismatches: 0,
    byKind: new Map(),
  };
}

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
};
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const fmt = (map: Map<string, number>) => JSON.stringify(Object.fromEntries(map));

// ---------------------------------------------------------------------------------------------------

let proxy: FaultProxy;
let direct: CosmosDocumentStore;
const database = `scenarios-${randomUUID()}`;

beforeAll(async () => {
  proxy = await startFaultProxy({ upstream: testCosmosEndpoint(), seed: 11 });
  // Straight to the test server: the referee the ledgers are checked against.
  direct = new CosmosDocumentStore(testCosmosSettings(database));
  await direct.initialize();
});

afterAll(async () => {
  for (const store of opened) await store.dispose();
  await direct?.dispose();
  await proxy?.close();
  console.log(`resilience scenario figures:\n  ${figures.join('\n  ')}`);
});

beforeEach(() => {
  proxy.clearFaults();
  proxy.resetStats();
});

test('(1) 20% of requests throttled (429 + x-ms-retry-after-ms): 1,000 mixed operations all succeed', async () => {
  const { store, events } = guardedStore({
    COSMOS_REQUEST_TIMEOUT_MS: '5000',
    STORE_OPERATION_TIMEOUT_MS: '10000',
    STORE_BREAKER_THRESHOLD: '5',
    STORE_BREAKER_HALF_OPEN_MS: '1000',
  });
  await store.initialize();
  proxy.reseed(1);
  const throttle = proxy.inject({
    fault: { kind: 'status', status: 429, retryAfterMs: 10 },
    match: { operations: ['read', 'query', 'write'] },
    probability: 0.2,
  });
  const ledger = new Ledger(`throttled-${randomUUID()}`);
  const work = emptyWorkload();
  const started = performance.now();
  // One lane: the proxy draws its random numbers in request order, so a sequential run gets the same
  // throttling decisions every time (concurrent lanes would make the draws depend on timing).
  await runLane(store, ledger, 0, 1000, 101, work);
  const ms = Math.round(performance.now() - started);
  proxy.clearFaults();
  const stats = proxy.stats();
  const report = await ledger.verify(direct);
  figure(
    `(1) 429 at 20%: ${work.succeeded}/${work.operations} operations succeeded (${((100 * work.succeeded) / work.operations).toFixed(1)}%) ` +
      `in ${ms} ms ${fmt(work.byKind)}; ${throttle.fired} of ${stats.requestsSeen} requests throttled, all retried by the SDK; ` +
      `wrapper retries ${events.get('store retry') ?? 0}; ${describeLedger(report)}`,
  );
  // 0.2^6 per request (one attempt + the SDK's 5 throttle retries): ~6e-5, so ~6% of 1,000-operation runs
  // would see one THROTTLED; this seed's run does not, and the figure says how many were throttled.
  expect(work.failed).toEqual(new Map());
  expect(work.succeeded).toBe(1000);
  expect(work.readMismatches).toBe(0);
  expect(throttle.fired).toBeGreaterThan(150);
  expect(events.get('store retry') ?? 0).toBe(0); // throttling is the SDK's to retry, never the wrapper's
  expectLedgerHolds(report);
  expect(report.rejectedWrites).toBe(0);
});

test('(2) 10% connection resets, before and after forwarding: every read succeeds, no write duplicated or lost', async () => {
  // Each attempt (3 s) outlasts the SDK's own reset retry of a read (1 s pause), so a reset read is
  // normally healed inside one attempt; writes are not retried by the SDK, so the wrapper retries them.
  const { store, events } = guardedStore({
    COSMOS_REQUEST_TIMEOUT_MS: '2000',
    STORE_OPERATION_TIMEOUT_MS: '9000',
    STORE_RETRY_ATTEMPTS: '2',
    STORE_BREAKER_THRESHOLD: '5',
    STORE_BREAKER_HALF_OPEN_MS: '1000',
  });
  await store.initialize();
  proxy.reseed(2);
  const match = { operations: ['read', 'query', 'write'] as const };
  const before = proxy.inject({ fault: { kind: 'reset', phase: 'beforeForward' }, match, probability: 0.05 });
  // The second rule sees only what the first let through: 0.05 / 0.95 of it makes 5% + 5% = 10% overall.
  const after = proxy.inject({
    fault: { kind: 'reset', phase: 'afterForward' },
    match,
    probability: 0.05 / 0.95,
  });
  const ledger = new Ledger(`resets-${randomUUID()}`);
  const work = emptyWorkload();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, (_, lane) => runLane(store, ledger, lane, 50, 200 + lane, work)),
  );
  const ms = Math.round(performance.now() - started);
  proxy.clearFaults();
  const stats = proxy.stats();
  const report = await ledger.verify(direct);
  figure(
    `(2) resets at 10%: ${work.succeeded}/${work.operations} operations succeeded (${((100 * work.succeeded) / work.operations).toFixed(1)}%) ` +
      `in ${ms} ms ${fmt(work.byKind)}; reads ${work.reads - work.readFailures}/${work.reads}; ` +
      `resets ${before.fired} before + ${after.fired} after forwarding of ${stats.requestsSeen} requests; ` +
      `wrapper retries ${events.get('store retry') ?? 0}; failures ${fmt(work.failed)}; ${describeLedger(report)}`,
  );
  expect(before.fired + after.fired).toBeGreaterThan(20);
  expect(work.readFailures).toBe(0);
  expect(work.readMismatches).toBe(0);
  expectLedgerHolds(report);
});

test('(3) a 5 s outage (black hole): fail fast with 503 STORE_CIRCUIT_OPEN once open, first success within half-open + 1 s', async () => {
  const HALF_OPEN_MS = 1000;
  const OUTAGE_MS = 5000;
  const { store, options, breakerEvents } = guardedStore({
    COSMOS_REQUEST_TIMEOUT_MS: '1000',
    STORE_OPERATION_TIMEOUT_MS: '900', // 300 ms per attempt, 3 attempts
    STORE_RETRY_ATTEMPTS: '2',
    STORE_BREAKER_THRESHOLD: '3',
    STORE_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
  });
  await store.initialize();
  const ledger = new Ledger(`outage-${randomUUID()}`);
  const seedDoc = { id: randomUUID(), userId: ledger.userId, lane: 0, n: 0, w: randomUUID() };
  await store.create(CONTAINER, seedDoc);
  ledger.acknowledge(seedDoc.id, { present: true, body: seedDoc });

  interface Call {
    kind: string;
    start: number;
    end: number;
    code?: string;
    error?: AppError;
  }
  const calls: Call[] = [];
  let outageStart = 0;
  let outageEnd = Infinity;
  let stop = false;
  const worker = async (lane: number): Promise<void> => {
    for (let i = 0; !stop; i += 1) {
      const isWrite = i % 2 === 1;
      const document = { id: randomUUID(), userId: ledger.userId, lane, n: 0, w: randomUUID() };
      const call: Call = { kind: isWrite ? 'create' : 'read', start: performance.now(), end: 0 };
      try {
        if (isWrite) await store.create(CONTAINER, document);
        else await store.read(CONTAINER, seedDoc.id, ledger.userId);
        if (isWrite) ledger.acknowledge(document.id, { present: true, body: document });
      } catch (error) {
        if (isWrite) ledger.reject(document.id, { present: true, body: document });
        call.error = error instanceof AppError ? error : undefined;
        call.code = error instanceof AppError ? error.code : String(error);
      }
      call.end = performance.now();
      calls.push(call);
      // Stop once the backend has answered again after the outage (and a little more traffic went through).
      if (!call.code && call.end > outageEnd + 300) stop = true;
      await sleep(10);
    }
  };
  const workers = [0, 1, 2, 3].map((lane) => worker(lane));
  await sleep(300);
  proxy.resetStats();
  outageStart = performance.now();
  await proxy.blackHole(OUTAGE_MS);
  outageEnd = performance.now();
  const duringOutage = proxy.stats();
  const guard = setTimeout(() => (stop = true), HALF_OPEN_MS + 5000);
  await Promise.all(workers);
  clearTimeout(guard);

  const openedAt = breakerEvents.find((e) => e.state === 'open' && e.at >= outageStart)?.at;
  expect(openedAt).toBeDefined();
  const firstOpen = openedAt as number;
  // Calls that started while the backend was gone and the breaker had opened.
  const whileOpen = calls.filter((c) => c.start >= firstOpen && c.start < outageEnd);
  const durations = whileOpen.map((c) => c.end - c.start);
  const rejected = whileOpen.filter((c) => c.code === 'STORE_CIRCUIT_OPEN');
  // A half-open probe waits out its attempt timeout in the black hole; its retry then meets the reopened
  // breaker, so it too ends as STORE_CIRCUIT_OPEN: probes are told apart by how long they took.
  const probes = whileOpen.filter((c) => c.end - c.start >= 100);
  const beforeOpen = calls.filter((c) => c.start >= outageStart && c.start < firstOpen);
  const firstSuccess = calls.filter((c) => !c.code && c.end >= outageEnd).sort((a, b) => a.end - b.end)[0];
  expect(firstSuccess).toBeDefined();
  const recoveryMs = firstSuccess.end - outageEnd;
  const p99 = percentile(durations, 0.99);
  const report = await ledger.verify(direct);

  figure(
    `(3) black hole ${OUTAGE_MS} ms: breaker opened ${Math.round(firstOpen - outageStart)} ms in ` +
      `(${beforeOpen.length} calls before it, codes ${fmt(countBy(beforeOpen.map((c) => c.code ?? 'ok')))}); ` +
      `${whileOpen.length} calls while open: ${rejected.length} STORE_CIRCUIT_OPEN, fail-fast p50 ${percentile(durations, 0.5).toFixed(2)} ms ` +
      `p99 ${p99.toFixed(2)} ms max ${Math.max(...durations).toFixed(0)} ms; ${probes.length} calls were half-open probes ` +
      `(>= 100 ms: ${probes.map((c) => Math.round(c.end - c.start)).join(', ')} ms); codes ${fmt(countBy(whileOpen.map((c) => c.code ?? 'ok')))}; first success ${Math.round(recoveryMs)} ms after the end ` +
      `(bound ${HALF_OPEN_MS + 1000} ms); proxy during the outage: ${duringOutage.faults.blackHoledRequests} requests held, ` +
      `${duringOutage.faults.blackHoledConnections} connections held, ${duringOutage.forwarded} forwarded; ` +
      `breaker ${breakerEvents.map((e) => e.state).join('>')}; ${describeLedger(report)}`,
  );
  expect(rejected.length).toBeGreaterThan(50);
  expect(whileOpen.every((c) => c.code !== undefined)).toBe(true);
  expect(p99).toBeLessThan(100);
  for (const call of rejected) {
    expect(call.error?.status).toBe(503);
    expect(call.error?.retryAfterMs).toBeGreaterThan(0);
    expect(call.error?.retryAfterMs).toBeLessThanOrEqual(options.breakerHalfOpenMs);
  }
  expect(recoveryMs).toBeLessThan(HALF_OPEN_MS + 1000);
  expectLedgerHolds(report);
});

test('(3b) an attempt the wrapper gave up on stops in the SDK too: no retries behind the caller’s back', async () => {
  // The same timed-out read, with the attempt's signal passed down (production) and with it withheld
  // (the adapter before the signal existed). A 100 ms SDK request timeout in a black hole: the SDK's
  // timeout-failover policy would retry the read up to 120 times, one new connection each.
  const env = {
    COSMOS_REQUEST_TIMEOUT_MS: '100',
    STORE_OPERATION_TIMEOUT_MS: '300',
    STORE_RETRY_ATTEMPTS: '0',
    STORE_BREAKER_THRESHOLD: '100',
  };
  const withSignal = guardedStore(env);
  const withoutSignal = guardedStore(env, withheldSignals);
  const userId = `abandoned-${randomUUID()}`;
  const doc = { id: randomUUID(), userId, w: randomUUID() };
  await withSignal.store.create(CONTAINER, doc);
  await withoutSignal.store.read(CONTAINER, doc.id, userId); // both clients connected and discovered

  const afterGivingUp = async (store: DocumentStore): Promise<[number, number]> => {
    const ended = proxy.blackHole();
    const started = performance.now();
    const error = await store.read(CONTAINER, doc.id, userId).then(
      () => undefined,
      (e: unknown) => e,
    );
    const failedAfter = Math.round(performance.now() - started);
    expect(error).toMatchObject({ code: 'STORE_TIMEOUT' });
    const atFailure = proxy.stats().connectionsAccepted;
    await sleep(1500);
    const behind = proxy.stats().connectionsAccepted - atFailure;
    proxy.endBlackHole();
    await ended;
    return [failedAfter, behind];
  };
  const [withMs, withBehind] = await afterGivingUp(withSignal.store);
  const [withoutMs, withoutBehind] = await afterGivingUp(withoutSignal.store);
  figure(
    `(3b) read abandoned after ${withMs} ms in a black hole: with the signal passed down the SDK opened ` +
      `${withBehind} connections in the next 1.5 s; with it withheld (${withoutMs} ms) it opened ${withoutBehind} ` +
      `(background retries every ~100 ms request timeout)`,
  );
  expect(withoutBehind).toBeGreaterThanOrEqual(5);
  expect(withBehind).toBeLessThanOrEqual(1);
});

test('(4) latency spikes beyond the timeout: the caller gets STORE_TIMEOUT within STORE_OPERATION_TIMEOUT_MS + slack', async () => {
  const OPERATION_TIMEOUT_MS = 600;
  const SLACK_MS = 100;
  const SPIKE_MS = 1500;
  const { store, events } = guardedStore({
    COSMOS_REQUEST_TIMEOUT_MS: '5000', // the SDK would wait out the spike: the wrapper's timeout must act
    STORE_OPERATION_TIMEOUT_MS: String(OPERATION_TIMEOUT_MS),
    STORE_RETRY_ATTEMPTS: '2',
    // High, so the breaker stays closed: this scenario is about the timeout path, (3) about the breaker.
    STORE_BREAKER_THRESHOLD: '1000',
    STORE_BREAKER_HALF_OPEN_MS: '1000',
  });
  await store.initialize();
  const ledger = new Ledger(`latency-${randomUUID()}`);
  const seedDoc = { id: randomUUID(), userId: ledger.userId, lane: 0, n: 0, w: randomUUID() };
  await store.create(CONTAINER, seedDoc);
  ledger.acknowledge(seedDoc.id, { present: true, body: seedDoc });

  const run = async (lanes: number, perLane: number) => {
    const outcomes: { ms: number; code?: string; error?: unknown }[] = [];
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let i = 0; i < perLane; i += 1) {
          const isWrite = i % 2 === 0;
          const document = { id: randomUUID(), userId: ledger.userId, lane, n: i, w: randomUUID() };
          const started = performance.now();
          try {
            if (isWrite) await store.create(CONTAINER, document);
            else await store.read(CONTAINER, seedDoc.id, ledger.userId);
            if (isWrite) ledger.acknowledge(document.id, { present: true, body: document });
            outcomes.push({ ms: performance.now() - started });
          } catch (error) {
            if (isWrite) ledger.reject(document.id, { present: true, body: document });
            outcomes.push({
              ms: performance.now() - started,
              code: error instanceof AppError ? error.code : String(error),
              error,
            });
          }
        }
      }),
    );
    return outcomes;
  };

  // Spikes: half the requests are held 1.5 s before reaching the server (a slow path; the server still
  // does the work when they arrive, as a real gateway would after the client gave up).
  proxy.reseed(4);
  proxy.inject({
    fault: { kind: 'latency', ms: SPIKE_MS, phase: 'beforeForward' },
    match: { operations: ['read', 'write'] },
    probability: 0.5,
  });
  const spiky = await run(4, 10);
  proxy.clearFaults();
  // Every request slow: nothing can succeed, every call must end as STORE_TIMEOUT within the bound.
  proxy.inject({
    fault: { kind: 'latency', ms: SPIKE_MS, phase: 'beforeForward' },
    match: { operations: ['read', 'write'] },
  });
  const allSlow = await run(2, 4);
  proxy.clearFaults();
  // Let the delayed requests land (or not) before the contents are compared.
  await sleep(SPIKE_MS + 500);
  const report = await ledger.verify(direct);

  const describe = (label: string, outcomes: { ms: number; code?: string }[]) => {
    const failed = outcomes.filter((o) => o.code);
    return (
      `${label}: ${outcomes.length - failed.length}/${outcomes.length} succeeded, ` +
      `failures ${fmt(countBy(failed.map((o) => o.code as string)))}, slowest failure ` +
      `${Math.round(Math.max(0, ...failed.map((o) => o.ms)))} ms, slowest call ${Math.round(Math.max(...outcomes.map((o) => o.ms)))} ms`
    );
  };
  figure(
    `(4) latency +${SPIKE_MS} ms, timeout ${OPERATION_TIMEOUT_MS} ms (bound ${OPERATION_TIMEOUT_MS + SLACK_MS} ms): ` +
      `${describe('50% spiky', spiky)}; ${describe('all slow', allSlow)}; wrapper retries ${events.get('store retry') ?? 0}; ` +
      `${describeLedger(report)}`,
  );
  for (const outcome of [...spiky, ...allSlow]) {
    expect(outcome.ms).toBeLessThan(OPERATION_TIMEOUT_MS + SLACK_MS);
    if (outcome.code) expect(outcome.error).toMatchObject({ code: 'STORE_TIMEOUT', status: 503 });
  }
  expect(allSlow.every((o) => o.code === 'STORE_TIMEOUT')).toBe(true);
  expect(spiky.some((o) => !o.code)).toBe(true);
  expectLedgerHolds(report);
});

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** The adapter as it was before CallOptions: every call's signal is dropped on the way in. */
function withheldSignals(inner: DocumentStore): DocumentStore {
  const strip = (arg: unknown): unknown => {
    if (typeof arg !== 'object' || arg === null || !('signal' in arg)) return arg;
    const rest: Partial<CallOptions> & Record<string, unknown> = { ...(arg as Record<string, unknown>) };
    delete rest.signal;
    return rest;
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => unknown).apply(target, args.map(strip)) as unknown;
    },
  });
}

test('(5) through the HTTP API: 429 + Retry-After when throttling outlives the SDK, 503 + Retry-After in an outage', async () => {
  const HALF_OPEN_MS = 1500;
  const storeEnv = {
    STORE_OPERATION_TIMEOUT_MS: '3000',
    STORE_RETRY_ATTEMPTS: '2',
    STORE_BREAKER_THRESHOLD: '2',
    STORE_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
  };
  const api = await startApi({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: proxy.endpoint,
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: database,
    COSMOS_REQUEST_TIMEOUT_MS: '1000',
    ...storeEnv,
  });
  try {
    const alice = api.as(`api-${randomUUID()}`);
    // A point read: the test server cannot serve the list's ORDER BY (no composite indexes), Azure can.
    const project = `projects/${randomUUID()}`;
    const created = await alice.post('projects', { id: project.split('/')[1], name: 'Before the faults' });
    expect(created.status).toBe(201);

    // Throttling on every request: the SDK retries 5 times (waiting the 20 ms asked each time), gives up,
    // and the API answers 429 with the server's wait rounded up to whole seconds.
    const throttle = proxy.inject({
      fault: { kind: 'status', status: 429, retryAfterMs: 20 },
      match: { operations: ['query', 'read', 'write'] },
    });
    const throttled = await alice.get(project);
    proxy.clearFaults();
    expect(throttled.status).toBe(429);
    expect(throttled.body.code).toBe('THROTTLED');
    expect(throttled.headers.get('retry-after')).toBe('1');

    // The outage: the first calls wait out their attempts, then the breaker answers at once.
    const ended = proxy.blackHole();
    const outage: { status: number; code: unknown; retryAfter: number; ms: number }[] = [];
    for (let i = 0; i < 30; i += 1) {
      const started = performance.now();
      const response = await alice.get(project);
      outage.push({
        status: response.status,
        code: response.body.code,
        retryAfter: Number(response.headers.get('retry-after')),
        ms: performance.now() - started,
      });
    }
    proxy.endBlackHole();
    await ended;
    // The first call waits out its attempts until the breaker opens (threshold 2); every later one meets
    // the open breaker, and those must be fast.
    const open = outage.slice(1).filter((o) => o.code === 'STORE_CIRCUIT_OPEN');
    const fastP99 = percentile(
      open.map((o) => o.ms),
      0.99,
    );
    // Recovery: poll until the half-open probe succeeds.
    const endedAt = performance.now();
    let recovered: number | undefined;
    while (recovered === undefined && performance.now() - endedAt < HALF_OPEN_MS + 3000) {
      if ((await alice.get(project)).status === 200) recovered = performance.now() - endedAt;
      else await sleep(50);
    }
    figure(
      `(5) API: all-throttled GET /projects/{id} -> ${throttled.status} ${String(throttled.body.code)} Retry-After ${throttled.headers.get('retry-after')} ` +
        `(${throttle.fired} throttled requests); black hole: ${outage.length} GETs -> ${fmt(countBy(outage.map((o) => `${o.status} ${String(o.code)}`)))}, ` +
        `Retry-After ${fmt(countBy(outage.map((o) => String(o.retryAfter))))}, first ${Math.round(outage[0].ms)} ms, breaker-open p99 ${fastP99.toFixed(1)} ms; ` +
        `200 again ${recovered === undefined ? 'never' : `${Math.round(recovered)} ms`} after the end`,
    );
    // One attempt plus the SDK's 5 throttle retries, never a retry of the wrapper on top.
    expect(throttle.fired).toBe(6);
    expect(outage.every((o) => o.status === 503 && o.retryAfter >= 1)).toBe(true);
    expect(open.length).toBeGreaterThanOrEqual(25);
    expect(open.every((o) => o.retryAfter <= Math.ceil(HALF_OPEN_MS / 1000))).toBe(true);
    expect(fastP99).toBeLessThan(100);
    expect(recovered).toBeLessThan(HALF_OPEN_MS + 1000);
  } finally {
    await api.close();
    // startApi clears the COSMOS_ and DATA_ variables it owns, not STORE_: leave nothing for later files.
    for (const name of Object.keys(storeEnv)) delete process.env[name];
  }
});
