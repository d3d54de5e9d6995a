// `npm run migrate` end to end: the built CLI as a child process, from a local store with a few thousand
// documents to the Cosmos-protocol test server (through the real SDK) and back, killed mid-way and resumed.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type { DocumentStore } from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { getContainer } from '../../shared/data/catalogue';
import { listPartitionKeys } from '../../tools/migrate/sourceScan';
import type { Checkpoint } from '../../tools/migrate/checkpoint';
import type { MigrationReport } from '../../tools/migrate/report';
import { testCosmosSettings } from '../helpers/cosmosTestSettings';
import {
  contentsByAddress,
  cosmosEnv,
  expectedCounts,
  fillLocalStore,
  killTools,
  makeTempDir,
  readAll,
  removeTempDirs,
  runTool,
  spawnTool,
  USAGE_DOCUMENTS,
  waitFor,
} from './toolHarness';

const USER_CONTAINERS = ['users', 'projects', 'tasks', 'fitness'] as const;
const USERS = 60;
const EXPECTED = expectedCounts(USERS);

async function expectSameContents(a: DocumentStore, b: DocumentStore): Promise<void> {
  for (const container of USER_CONTAINERS) {
    const [left, right] = await Promise.all([
      contentsByAddress(a, container),
      contentsByAddress(b, container),
    ]);
    expect(right.size).toBe(EXPECTED[container]);
    expect(left.size).toBe(EXPECTED[container]);
    expect(Object.fromEntries(right)).toEqual(Object.fromEntries(left));
  }
}

function reportOf(stdout: string): MigrationReport {
  return JSON.parse(stdout) as MigrationReport;
}

function checkpointIn(dataDir: string): Checkpoint | undefined {
  const dir = path.join(dataDir, 'migrations');
  if (!fs.existsSync(dir)) return undefined;
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
  return file ? (JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Checkpoint) : undefined;
}

const readSoFar = (checkpoint: Checkpoint | undefined) =>
  Object.values(checkpoint?.containers ?? {}).reduce((sum, c) => sum + c.read, 0);

describe('npm run migrate (local store <-> Cosmos test server)', () => {
  let sourceDir: string;
  let local: LocalDocumentStore;
  const cosmosStores: CosmosDocumentStore[] = [];
  const cosmos = async (database: string) => {
    const store = new CosmosDocumentStore(testCosmosSettings(database));
    cosmosStores.push(store);
    return store;
  };

  beforeAll(async () => {
    sourceDir = makeTempDir('lt-migrate-src-');
    await fillLocalStore(sourceDir, USERS);
    local = new LocalDocumentStore({ dataDir: sourceDir, sync: 'normal' });
  }, 60_000);

  afterAll(async () => {
    killTools();
    await local.dispose();
    await Promise.all(cosmosStores.map((s) => s.dispose()));
    removeTempDirs();
  });

  describe.each(['container', 'partition'] as const)('--scan %s', (scan) => {
    const database = `migrate-${scan}-${randomUUID()}`;
    // Each scan mode keeps its checkpoint in its own copy of the source folder.
    let dataDir: string;
    beforeAll(() => {
      dataDir = makeTempDir(`lt-migrate-${scan}-`);
      fs.copyFileSync(path.join(sourceDir, 'lifetracker.sqlite'), path.join(dataDir, 'lifetracker.sqlite'));
    });
    const env = () => ({ ...cosmosEnv(database), DATA_DIR: dataDir });

    test('killed with SIGKILL mid-way, resumed without re-reading from the start, then a third run copies nothing', async () => {
      const args = ['--json', '--scan', scan, '--chunk-size', '200'];
      const first = spawnTool('migrate', args, env());
      // Killed once the checkpoint shows acknowledged chunks, but long before the end.
      await waitFor(
        () => (readSoFar(checkpointIn(dataDir)) >= 400 ? true : undefined),
        'checkpointed progress',
      );
      first.child.kill('SIGKILL');
      const killed = await first.exited;
      expect(killed.signal).toBe('SIGKILL');
      const atKill = checkpointIn(dataDir) as Checkpoint;
      const acknowledged = readSoFar(atKill);
      const total = Object.values(EXPECTED).reduce((a, b) => a + b, 0);
      expect(acknowledged).toBeGreaterThanOrEqual(400);
      expect(acknowledged).toBeLessThan(total);

      const second = await runTool('migrate', args, env());
      expect(second.stderr).not.toContain('test-key');
      expect(second.code).toBe(0);
      const resumed = reportOf(second.stdout);
      // Resumed: what the checkpoint acknowledged was not read again.
      expect(resumed.read).toBe(total - acknowledged);
      for (const line of resumed.containers.filter((c) => c.result !== 'skipped')) {
        const before = atKill.containers[line.name];
        expect(line.resumedAt).toBe(before?.status === 'copying' ? before.read : 0);
        expect(line.sourceCount).toBe(EXPECTED[line.name]);
        expect(line.targetCount).toBe(EXPECTED[line.name]);
        expect(line.result).toBe('ok');
        expect(line.failed).toBe(0);
      }
      // Documents written by chunks in flight at the kill (not yet acknowledged) come back as already present.
      const created = resumed.containers.reduce((sum, c) => sum + c.created + c.alreadyPresent, 0);
      expect(created).toBe(total - acknowledged);

      const target = await cosmos(database);
      await expectSameContents(local, target);
      // The operational container stays behind unless asked for.
      expect(resumed.containers.find((c) => c.name === 'usage')?.result).toBe('skipped');
      expect(await readAll(target, 'usage')).toHaveLength(0);

      const third = await runTool('migrate', args, env());
      expect(third.code).toBe(0);
      const again = reportOf(third.stdout);
      for (const line of again.containers.filter((c) => c.result !== 'skipped')) {
        expect(line).toMatchObject({
          result: 'ok',
          created: 0,
          alreadyPresent: EXPECTED[line.name],
          precheck: true,
        });
      }
      await expectSameContents(local, target);
    }, 180_000);
  });

  test('Ctrl+C finishes the chunk in flight, saves the checkpoint and exits 130; the next run completes', async () => {
    const database = `migrate-sigint-${randomUUID()}`;
    const dataDir = makeTempDir('lt-migrate-sigint-');
    fs.copyFileSync(path.join(sourceDir, 'lifetracker.sqlite'), path.join(dataDir, 'lifetracker.sqlite'));
    const env = { ...cosmosEnv(database), DATA_DIR: dataDir };
    const run = spawnTool('migrate', ['--json', '--chunk-size', '200'], env);
    await waitFor(
      () => (readSoFar(checkpointIn(dataDir)) >= 200 ? true : undefined),
      'checkpointed progress',
    );
    run.child.kill('SIGINT');
    const stopped = await run.exited;
    expect(stopped.code).toBe(130);
    const report = reportOf(stopped.stdout);
    expect(report.interrupted).toBe(true);
    // Everything this run read was acknowledged and checkpointed before it exited.
    expect(readSoFar(checkpointIn(dataDir))).toBe(report.read);

    const finished = await runTool('migrate', ['--json'], env);
    expect(finished.code).toBe(0);
    expect(reportOf(finished.stdout).read).toBe(
      Object.values(EXPECTED).reduce((a, b) => a + b, 0) - report.read,
    );
  }, 120_000);

  test('cosmos -> local into an empty DATA_DIR copies exact counts (usage too when asked)', async () => {
    const database = `migrate-back-${randomUUID()}`;
    const copyDir = makeTempDir('lt-migrate-forth-');
    fs.copyFileSync(path.join(sourceDir, 'lifetracker.sqlite'), path.join(copyDir, 'lifetracker.sqlite'));
    const forth = await runTool('migrate', ['--json', '--include-usage'], {
      ...cosmosEnv(database),
      DATA_DIR: copyDir,
    });
    expect(forth.code).toBe(0);

    const emptyDir = path.join(makeTempDir('lt-migrate-back-'), 'not-yet-created');
    const back = await runTool(
      'migrate',
      ['--json', '--from', 'cosmos', '--to', 'local', '--include-usage'],
      {
        ...cosmosEnv(database),
        DATA_DIR: emptyDir,
      },
    );
    expect(back.code).toBe(0);
    const report = reportOf(back.stdout);
    expect(report.source).toContain(database);
    for (const line of report.containers) {
      const expected = EXPECTED[line.name] ?? USAGE_DOCUMENTS;
      expect(line).toMatchObject({
        result: 'ok',
        sourceCount: expected,
        targetCount: expected,
        created: expected,
      });
    }
    const copy = new LocalDocumentStore({ dataDir: emptyDir, sync: 'normal' });
    try {
      await expectSameContents(local, copy);
      const usage = async (store: DocumentStore) => (await contentsByAddress(store, 'usage')).size;
      expect(await usage(copy)).toBe(USAGE_DOCUMENTS);
      expect(await usage(local)).toBe(USAGE_DOCUMENTS);
    } finally {
      await copy.dispose();
    }
  }, 120_000);

  test('--dry-run prints the plan and writes nothing: no database, no documents, no checkpoint, no local file', async () => {
    const database = `migrate-dry-${randomUUID()}`;
    const dataDir = makeTempDir('lt-migrate-dry-');
    fs.copyFileSync(path.join(sourceDir, 'lifetracker.sqlite'), path.join(dataDir, 'lifetracker.sqlite'));
    const dry = await runTool('migrate', ['--json', '--dry-run'], {
      ...cosmosEnv(database),
      DATA_DIR: dataDir,
    });
    expect(dry.code).toBe(0);
    const plan = reportOf(dry.stdout);
    expect(plan.dryRun).toBe(true);
    for (const container of USER_CONTAINERS) {
      expect(plan.containers.find((c) => c.name === container)).toMatchObject({
        result: 'planned',
        sourceCount: EXPECTED[container],
        targetCount: null,
        created: 0,
      });
    }
    expect(fs.existsSync(path.join(dataDir, 'migrations'))).toBe(false);
    const target = await cosmos(database);
    await expect(target.query('users', { query: 'SELECT VALUE COUNT(1) FROM c' })).rejects.toMatchObject({
      status: 404,
    });

    // The text form, and the other direction into a folder that does not exist yet (and must stay so).
    const absent = path.join(makeTempDir('lt-migrate-dry-back-'), 'absent');
    const back = await runTool('migrate', ['--dry-run', '--from', 'cosmos'], {
      ...cosmosEnv(`migrate-${randomUUID()}`),
      DATA_DIR: absent,
    });
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('Dry run: nothing was written.');
    expect(fs.existsSync(absent)).toBe(false);
  }, 60_000);

  test('GAP: the test server has no DISTINCT, so the partition scan lists partition keys with a plain projection there (Cosmos DB runs SELECT DISTINCT VALUE)', async () => {
    const store = await cosmos(`migrate-gap-${randomUUID()}`);
    await store.initialize();
    for (const userId of ['b', 'a', 'b', 'c', 'a']) await store.create('tasks', { id: randomUUID(), userId });
    // Recorded so a server that learns DISTINCT is noticed: then the DISTINCT path runs here too.
    await expect(
      store.query('tasks', { query: 'SELECT DISTINCT VALUE c["userId"] FROM c' }),
    ).rejects.toMatchObject({ status: 400 });
    expect(await listPartitionKeys(store, getContainer('tasks'))).toEqual(['"a"', '"b"', '"c"']);
  });

  test('--help explains the flags and why usage is left out; a wrong flag is exit 2', async () => {
    const help = await runTool('migrate', ['--help'], {});
    expect(help.code).toBe(0);
    for (const flag of ['--from', '--to', '--dry-run', '--include-usage', '--chunk-size', '--restart']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toMatch(/operational 'usage' container/);
    const wrong = await runTool('migrate', ['--form', 'local'], {});
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('Unknown option --form');
    const missing = await runTool('migrate', [], { DATA_DIR: makeTempDir('lt-migrate-none-') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No local store at/);
  });
});
