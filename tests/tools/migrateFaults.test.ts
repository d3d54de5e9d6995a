// The migration under the failures a real account produces, which the test server never does (it has no
// 429, no lost acknowledgements): runMigration in-process, its Cosmos side through the fault proxy in front
// of the test server, with the real SDK, bulk engine and resilience wrapper.
import { randomUUID } from 'node:crypto';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { runMigration, type MigrationIo } from '../../tools/migrate/migration';
import { parseMigrateOptions } from '../../tools/migrate/options';
import { testCosmosEndpoint, testCosmosSettings } from '../helpers/cosmosTestSettings';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import {
  contentsByAddress,
  expectedCounts,
  fillLocalStore,
  makeTempDir,
  removeTempDirs,
} from './toolHarness';

const USERS = 10;
const EXPECTED = expectedCounts(USERS);
const WRITES = { operations: ['write', 'batch'] as const };

let proxy: FaultProxy;
let sourceDir: string;
let local: LocalDocumentStore;
const direct: CosmosDocumentStore[] = [];

beforeAll(async () => {
  proxy = await startFaultProxy({ upstream: testCosmosEndpoint(), seed: 7 });
  sourceDir = makeTempDir('lt-migrate-faults-');
  await fillLocalStore(sourceDir, USERS);
  local = new LocalDocumentStore({ dataDir: sourceDir, sync: 'normal' });
}, 60_000);

afterAll(async () => {
  await local?.dispose();
  for (const store of direct) await store.dispose();
  await proxy?.close();
  removeTempDirs();
});

beforeEach(() => proxy.clearFaults());

/** Runs the migration into a fresh database through the proxy; `onNote` sees every stderr line. */
async function migrate(database: string, onNote: (text: string) => void = () => undefined) {
  let stderr = '';
  const io: MigrationIo = {
    env: {
      DATA_DIR: sourceDir,
      COSMOS_ENDPOINT: proxy.endpoint,
      COSMOS_KEY: 'test-key',
      COSMOS_ALLOW_INSECURE_TLS: 'true',
      COSMOS_DATABASE: database,
      LOG_LEVEL: 'error',
    },
    cwd: process.cwd(),
    stderr: {
      write: (text: string) => {
        stderr += text;
        onNote(text);
        return true;
      },
    },
    stop: new AbortController().signal,
    resendDelayMs: 20,
  };
  const report = await runMigration(parseMigrateOptions(['--chunk-size', '100']), io);
  return { report, stderr: () => stderr };
}

/** The target's documents, read past the proxy: each address exactly once, the same contents as the source. */
async function expectCopied(database: string): Promise<void> {
  const target = new CosmosDocumentStore(testCosmosSettings(database));
  direct.push(target);
  for (const container of Object.keys(EXPECTED)) {
    const [source, copy] = await Promise.all([
      contentsByAddress(local, container),
      contentsByAddress(target, container),
    ]);
    expect(copy.size).toBe(EXPECTED[container]);
    expect(Object.fromEntries(copy)).toEqual(Object.fromEntries(source));
  }
}

test('30% of writes throttled and 5% of acknowledgements lost: every document copied exactly once', async () => {
  const database = `migrate-faults-${randomUUID()}`;
  const throttle = proxy.inject({
    fault: { kind: 'status', status: 429, retryAfterMs: 5 },
    match: WRITES,
    probability: 0.3,
  });
  // The write lands, the answer never comes: the resend meets the document and counts it present.
  const lost = proxy.inject({
    fault: { kind: 'reset', phase: 'afterForward' },
    match: WRITES,
    probability: 0.05,
  });
  const { report } = await migrate(database);
  proxy.clearFaults();

  // The error first: when the run failed, it says why.
  expect(report.error).toBeUndefined();
  expect(report.exitCode).toBe(0);
  expect(throttle.fired).toBeGreaterThan(0);
  expect(lost.fired).toBeGreaterThan(0);
  for (const line of report.containers.filter((c) => c.result !== 'skipped')) {
    expect(line).toMatchObject({ result: 'ok', failed: 0, sourceCount: EXPECTED[line.name] });
    expect(line.created + line.alreadyPresent).toBe(EXPECTED[line.name]);
  }
  await expectCopied(database);
}, 120_000);

test('throttling that outlasts the bulk engine: the migration pauses, resends what was throttled, and completes', async () => {
  const database = `migrate-saturated-${randomUUID()}`;
  const throttle = proxy.inject({ fault: { kind: 'status', status: 429, retryAfterMs: 5 }, match: WRITES });
  const { report, stderr } = await migrate(database, (text) => {
    // The account recovers once the tool has given up on the engine's back-off and paused.
    if (text.includes('resending')) throttle.remove();
  });
  expect(stderr()).toMatch(/throttled or unavailable; resending in/);
  expect(report.exitCode).toBe(0);
  expect(report.containers.reduce((sum, c) => sum + c.throttled, 0)).toBeGreaterThan(0);
  await expectCopied(database);
}, 120_000);

test('throttling that never ends: the run stops with exit 1 before acknowledging the chunk, and the next run completes', async () => {
  const database = `migrate-stuck-${randomUUID()}`;
  proxy.inject({ fault: { kind: 'status', status: 429, retryAfterMs: 5 }, match: WRITES });
  const stuck = await migrate(database);
  expect(stuck.report.exitCode).toBe(1);
  expect(stuck.report.error).toMatch(/still throttled or unavailable after 3 resends/);
  expect(stuck.report.read).toBe(0);

  proxy.clearFaults();
  const { report } = await migrate(database);
  expect(report.exitCode).toBe(0);
  await expectCopied(database);
}, 120_000);
