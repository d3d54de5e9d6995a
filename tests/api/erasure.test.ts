// Account erasure (what DELETE /api/me runs) on both adapters: everything of the user goes, nothing of
// anyone else, and an erasure interrupted at any point and then repeated leaves nothing behind. The
// interruption is real: a store decorator lets N deletes through and then throws, as a crash would.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type {
  BatchOperation,
  BatchResponse,
  DocumentBody,
  DocumentStore,
  PartitionKeyValue,
  WriteOptions,
} from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { eraseUserData, hasUserData, userDataContainers } from '../../shared/repositories/accountErasure';
import { testCosmosSettings } from '../helpers/cosmosTestSettings';

// The catalogue this file runs with has one more user-data container than infra/containers.json, one the
// erasure code has never heard of: erasure must cover it because it is partitioned by /userId.
jest.mock('../../infra/containers.json', () => {
  const actual = jest.requireActual<{ containers: { name: string }[] }>('../../infra/containers.json');
  const fitness = actual.containers.find((c) => c.name === 'fitness');
  return {
    containers: [
      ...actual.containers,
      { ...fitness, name: 'journal', description: 'A container added after the erasure code (test only).' },
    ],
  };
});

/** What seed() writes per user; the same ids for every user, so a partition slip would show. */
const SEEDED: Record<string, number> = { users: 1, projects: 6, tasks: 150, fitness: 120, journal: 25 };
const TOTAL = Object.values(SEEDED).reduce((a, b) => a + b, 0);

const pad = (n: number) => String(n).padStart(3, '0');

function documentsFor(userId: string): Record<string, DocumentBody[]> {
  const now = new Date().toISOString();
  const stamp = { userId, createdAt: now, updatedAt: now };
  const range = (container: string) => Array.from({ length: SEEDED[container] }, (_, i) => i);
  return {
    users: [{ id: userId, displayName: 'Seeded', timezone: 'UTC', ...stamp }],
    projects: range('projects').map((i) => ({
      id: `p-${i}`,
      name: `Project ${i}`,
      archived: false,
      ...stamp,
    })),
    // Every seventh task has no project; the others name one of the six projects.
    tasks: range('tasks').map((i) => ({
      id: `t-${pad(i)}`,
      title: `Task ${i}`,
      status: 'todo',
      priority: 3,
      tags: [],
      dueDate: null,
      ...(i % 7 === 6 ? {} : { projectId: `p-${i % 7}` }),
      ...stamp,
    })),
    fitness: range('fitness').map((i) => ({
      id: `f-${pad(i)}`,
      type: 'run',
      date: '2026-03-01',
      durationMinutes: 30,
      ...stamp,
    })),
    journal: range('journal').map((i) => ({ id: `j-${pad(i)}`, text: 'dear diary', ...stamp })),
  };
}

async function seed(store: DocumentStore, userId: string): Promise<void> {
  for (const [container, documents] of Object.entries(documentsFor(userId))) {
    for (let start = 0; start < documents.length; start += 100) {
      const operations = documents
        .slice(start, start + 100)
        .map((resourceBody) => ({ operationType: 'Create' as const, resourceBody }));
      expect((await store.batch(container, userId, operations)).succeeded).toBe(true);
    }
  }
}

/** The user's document ids per user-data container (the query filters userId: the test server ignores partitions). */
async function idsPerContainer(store: DocumentStore, userId: string): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const { name } of userDataContainers()) {
    const page = await store.query<string>(
      name,
      { query: 'SELECT VALUE c.id FROM c WHERE c.userId = @u', parameters: [{ name: '@u', value: userId }] },
      { partitionKey: userId },
    );
    result[name] = page.items;
  }
  return result;
}

async function countsOf(store: DocumentStore, userId: string): Promise<Record<string, number>> {
  const ids = await idsPerContainer(store, userId);
  return Object.fromEntries(Object.entries(ids).map(([name, list]) => [name, list.length]));
}

const EMPTY = Object.fromEntries(Object.keys(SEEDED).map((name) => [name, 0]));

class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash');
    this.name = 'SimulatedCrash';
  }
}

const succeededCount = (response: BatchResponse) =>
  response.results.filter((r) => r.statusCode >= 200 && r.statusCode < 300).length;

/**
 * The store, but the process "dies" after `allowed` deletes: the next delete throws, and a batch that would
 * go past the limit applies only its first operations before throwing. That is harsher than a crash on
 * Cosmos DB (whose batches are all or nothing) and exactly what a non-atomic store could do.
 */
function crashingAfter(store: DocumentStore, allowed: number): DocumentStore {
  let budget = allowed;
  const deleteOne = async (container: string, id: string, pk: PartitionKeyValue, options?: WriteOptions) => {
    if (budget <= 0) throw new SimulatedCrash();
    const response = await store.delete(container, id, pk, options);
    budget -= 1;
    return response;
  };
  const batch = async (container: string, pk: PartitionKeyValue, operations: BatchOperation[]) => {
    const deletes = operations.filter((o) => o.operationType === 'Delete').length;
    if (deletes <= budget) {
      const response = await store.batch(container, pk, operations);
      budget -= succeededCount(response);
      return response;
    }
    const landed = operations.slice(0, budget);
    budget = 0;
    if (landed.length > 0) await store.batch(container, pk, landed);
    throw new SimulatedCrash();
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'delete') return deleteOne;
      if (property === 'batch') return batch;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test('the erasure order comes from the catalogue: every /userId container, referrers first, profile last', () => {
  // "journal" exists only in this file's catalogue; "usage" is partitioned by day and holds no user data.
  expect(userDataContainers().map((c) => c.name)).toEqual([
    'journal',
    'fitness',
    'tasks',
    'projects',
    'users',
  ]);
});

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each([
  [
    'local store',
    async (): Promise<DocumentStore> => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-erasure-'));
      tempDirs.push(dataDir);
      return new LocalDocumentStore({ dataDir, sync: 'normal' });
    },
  ],
  [
    'cosmos adapter (@vercel/cosmosdb-server)',
    async (): Promise<DocumentStore> =>
      new CosmosDocumentStore(
        testCosmosSettings(`erasure-${randomUUID()}`, {}, { COSMOS_REQUEST_TIMEOUT_MS: '5000' }),
      ),
  ],
])('account erasure on the %s', (_name, open) => {
  let store: DocumentStore;
  beforeAll(async () => {
    store = await open();
    await store.initialize();
  });
  afterAll(async () => store.dispose());

  let user: string;
  let bystander: string;
  beforeEach(async () => {
    user = `user-${randomUUID()}`;
    bystander = `other-${randomUUID()}`;
    await seed(store, user);
    await seed(store, bystander);
  });

  test("erases everything of the user in every container, nothing of another user's; a repeat is a no-op", async () => {
    expect(await countsOf(store, user)).toEqual(SEEDED);
    expect(await eraseUserData(store, user)).toEqual(SEEDED);
    expect(await countsOf(store, user)).toEqual(EMPTY);
    expect(await hasUserData(store, user)).toBe(false);
    expect(await countsOf(store, bystander)).toEqual(SEEDED);
    expect(await hasUserData(store, bystander)).toBe(true);
    expect(await eraseUserData(store, user)).toEqual(EMPTY);
    expect(await countsOf(store, bystander)).toEqual(SEEDED);
  });

  test.each([0, 1, 24, 25, 99, 100, 101, 250, 295, TOTAL - 1])(
    'interrupted after %i deletes, then repeated: nothing is left behind',
    async (allowed) => {
      await expect(eraseUserData(crashingAfter(store, allowed), user)).rejects.toBeInstanceOf(SimulatedCrash);

      // The partial state: exactly `allowed` documents are gone, and it is a consistent one.
      const left = await idsPerContainer(store, user);
      const remaining = Object.values(left).reduce((sum, ids) => sum + ids.length, 0);
      expect(remaining).toBe(TOTAL - allowed);
      // The profile goes last, so it is still there to show that the erasure has not finished ...
      expect(left.users).toEqual([user]);
      // ... and projects go after tasks, so no task left behind names a project that is gone.
      const projects = new Set(left.projects);
      const tasks = await store.query<{ projectId?: string }>(
        'tasks',
        { query: 'SELECT c.projectId FROM c WHERE c.userId = @u', parameters: [{ name: '@u', value: user }] },
        { partitionKey: user },
      );
      const dangling = tasks.items.filter((t) => t.projectId !== undefined && !projects.has(t.projectId));
      expect(dangling).toEqual([]);
      expect(await countsOf(store, bystander)).toEqual(SEEDED);

      // The repeat, on the plain store, finds what is left by querying: nothing survives.
      const report = await eraseUserData(store, user);
      expect(Object.values(report).reduce((a, b) => a + b, 0)).toBe(TOTAL - allowed);
      expect(await countsOf(store, user)).toEqual(EMPTY);
      expect(await countsOf(store, bystander)).toEqual(SEEDED);
    },
  );

  test('interrupted again and again, every attempt makes progress and the erasure completes', async () => {
    const perAttempt = 70;
    let crashes = 0;
    for (;;) {
      try {
        await eraseUserData(crashingAfter(store, perAttempt), user);
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(SimulatedCrash);
        crashes += 1;
        expect(crashes).toBeLessThan(10);
      }
    }
    expect(crashes).toBe(Math.ceil(TOTAL / perAttempt) - 1);
    expect(await countsOf(store, user)).toEqual(EMPTY);
    expect(await countsOf(store, bystander)).toEqual(SEEDED);
  });
});
