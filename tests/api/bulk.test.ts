// POST /api/bulk/{entity} end to end over real HTTP, on the local store and on the Cosmos adapter against
// the test server; then the bulk writer itself on both, with conflicts that appear only at write time.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type { DocumentBody, DocumentStore } from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { AppError } from '../../shared/errors/appError';
import { getDocumentStore } from '../../shared/data/storeFactory';
import { createMany } from '../../shared/repositories/bulkWriter';
import { testCosmosEndpoint, testCosmosSettings } from '../helpers/cosmosTestSettings';
import { startApi, type ApiClient, type ApiUnderTest, type Body } from './apiHarness';

type Result = { index: number; status: number; id?: string; etag?: string; code?: string; errors?: Body[] };

const resultsOf = (body: Body) => body.results as Result[];
const statusesOf = (body: Body) => resultsOf(body).map((r) => r.status);

// Counted in the store the API runs on (this process's), not through the list routes: the Cosmos test
// server cannot run their multi-field ORDER BY. The query filters userId: the test server ignores partitions.
async function countOf(userId: string, container: string): Promise<number> {
  const page = await (
    await getDocumentStore()
  ).query<number>(
    container,
    {
      query: 'SELECT VALUE COUNT(1) FROM c WHERE c.userId = @u',
      parameters: [{ name: '@u', value: userId }],
    },
    { partitionKey: userId },
  );
  return page.items[0] ?? 0;
}

const adapters: [string, () => Record<string, string>][] = [
  ['local store', () => ({})],
  [
    'cosmos adapter (@vercel/cosmosdb-server)',
    () => ({
      DATA_BACKEND: 'cosmos',
      COSMOS_ENDPOINT: testCosmosEndpoint(),
      COSMOS_KEY: 'test-key',
      COSMOS_ALLOW_INSECURE_TLS: 'true',
      COSMOS_DATABASE: `bulk-${randomUUID()}`,
    }),
  ],
];

describe.each(adapters)('POST /api/bulk/{entity} on the %s', (_name, env) => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi(env());
  });
  afterAll(async () => api.close());

  // A fresh user per test, so counts start at zero.
  let me: ApiClient;
  let userId: string;
  beforeEach(() => {
    userId = `u-${randomUUID()}`;
    me = api.as(userId);
  });

  test('one result per item in input order; invalid items never block valid ones', async () => {
    expect((await me.post('projects', { id: 'taken', name: 'Original' })).status).toBe(201);
    const items = [
      { name: 'First' },
      { name: '' },
      { id: 'mine-1', name: 'Client id', userId: 'mallory', createdAt: '1999-01-01T00:00:00.000Z' },
      42,
      { name: 'Unknown field', extra: true },
      { id: 'taken', name: 'Exists already' },
      null,
      { id: 'mine-1', name: 'Same id again' },
      { name: 'Last', color: '#123456', archived: true },
    ];
    const response = await me.post('bulk/projects', { items });
    expect(response.status).toBe(207);
    const results = resultsOf(response.body);
    expect(results.map((r) => r.index)).toEqual(items.map((_, i) => i));
    expect(statusesOf(response.body)).toEqual([201, 400, 201, 400, 400, 409, 400, 409, 201]);
    expect(results[1]).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'name' }] });
    expect(results[3]).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(results[4].errors).toEqual([
      expect.objectContaining({ field: 'extra', message: 'Unknown field.' }),
    ]);
    expect(results[5]).toEqual({ index: 5, status: 409, id: 'taken', code: 'CONFLICT' });
    expect(results[7]).toEqual({ index: 7, status: 409, id: 'mine-1', code: 'CONFLICT' });

    // Created items are there with the ETag the result named; server-owned fields came from the server.
    for (const index of [0, 2, 8]) {
      const read = await me.get(`projects/${String(results[index].id)}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe(results[index].etag);
    }
    const clientId = await me.get('projects/mine-1');
    expect(clientId.body).toMatchObject({ name: 'Client id', archived: false });
    expect(clientId.body.userId).not.toBe('mallory');
    expect(clientId.body.createdAt).not.toBe('1999-01-01T00:00:00.000Z');
    expect((await me.get('projects/taken')).body.name).toBe('Original');
    expect(await countOf(userId, 'projects')).toBe(4);
  });

  test("tasks: a projectId must name one of the caller's projects (422 for that item only)", async () => {
    const other = api.as(`other-${randomUUID()}`);
    expect((await me.post('projects', { id: 'mine', name: 'Mine' })).status).toBe(201);
    expect((await other.post('projects', { id: 'theirs', name: 'Theirs' })).status).toBe(201);
    const response = await me.post('bulk/tasks', {
      items: [
        { id: 't0', title: 'In my project', projectId: 'mine' },
        { id: 't1', title: "In someone else's project", projectId: 'theirs' },
        { id: 't2', title: 'No project' },
        { id: 't3', title: 'Missing project', projectId: 'nowhere' },
        // The id of a refused item is free: a later item may use it.
        { id: 't1', title: 'Second try', projectId: 'mine', status: 'done' },
        { id: 't4', title: 'x', priority: 9 },
      ],
    });
    expect(response.status).toBe(207);
    expect(statusesOf(response.body)).toEqual([201, 422, 201, 422, 201, 400]);
    for (const index of [1, 3]) {
      expect(resultsOf(response.body)[index]).toMatchObject({
        code: 'PROJECT_NOT_FOUND',
        errors: [{ field: 'projectId' }],
      });
    }
    expect(resultsOf(response.body)[5].errors).toEqual([expect.objectContaining({ field: 'priority' })]);
    expect((await me.get('tasks/t1')).body).toMatchObject({ title: 'Second try', projectId: 'mine' });
    expect((await me.get('tasks/t3')).status).toBe(404);
    expect(await countOf(userId, 'tasks')).toBe(3);
  });

  test('a bulk-created task or fitness entry is the same as one created alone', async () => {
    expect((await me.post('projects', { id: 'p', name: 'P' })).status).toBe(201);
    const task = {
      title: 'Done already',
      projectId: 'p',
      status: 'done',
      tags: ['a'],
      dueDate: '2026-05-01',
    };
    const entry = { type: 'swim', date: '2026-04-02', durationMinutes: 45, calories: 300 };
    const single = [(await me.post('tasks', task)).body, (await me.post('fitness', entry)).body];
    const bulk = [
      (await me.post('bulk/tasks', { items: [task] })).body,
      (await me.post('bulk/fitness', { items: [entry] })).body,
    ];
    const timeless = ({ id: _id, createdAt: _c, updatedAt: _u, completedAt, ...rest }: Body) => ({
      ...rest,
      completed: completedAt !== undefined,
    });
    const reads = await Promise.all(
      ['tasks', 'fitness'].map((list, i) => me.get(`${list}/${String(resultsOf(bulk[i])[0].id)}`)),
    );
    expect(reads.map((r) => timeless(r.body))).toEqual(single.map(timeless));
    expect(timeless(reads[0].body).completed).toBe(true);
  });

  test('fitness: each entry validated like POST /fitness', async () => {
    const response = await me.post('bulk/fitness', {
      items: [
        { type: 'run', date: '2026-02-01', durationMinutes: 30 },
        { type: 'fly', date: '2026-02-30', durationMinutes: 0 },
        { id: 'summary', type: 'walk', date: '2026-02-01', durationMinutes: 10 },
      ],
    });
    expect(statusesOf(response.body)).toEqual([201, 400, 400]);
    const fields = (resultsOf(response.body)[1].errors ?? []).map((e) => e.field).sort();
    expect(fields).toEqual(['date', 'durationMinutes', 'type']);
    expect(await countOf(userId, 'fitness')).toBe(1);
  });

  test('1000 items are written in batches, conflicts anywhere among them only fail their own item', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `b-${String(i).padStart(4, '0')}`);
    for (const id of [ids[0], ids[150], ids[999]]) {
      expect((await me.post('projects', { id, name: 'Earlier' })).status).toBe(201);
    }
    const response = await me.post('bulk/projects', { items: ids.map((id) => ({ id, name: `Bulk ${id}` })) });
    expect(response.status).toBe(207);
    const statuses = statusesOf(response.body);
    expect(statuses.filter((s) => s === 201)).toHaveLength(997);
    expect([statuses[0], statuses[150], statuses[999]]).toEqual([409, 409, 409]);
    expect(resultsOf(response.body).map((r) => r.id)).toEqual(ids);
    expect(await countOf(userId, 'projects')).toBe(1000);
    expect((await me.get(`projects/${ids[150]}`)).body.name).toBe('Earlier');
    expect((await me.get(`projects/${ids[151]}`)).body.name).toBe(`Bulk ${ids[151]}`);
  });

  test("the same ids for another user are that user's own items", async () => {
    const other = api.as(`other-${randomUUID()}`);
    const items = [{ id: 'shared-1', name: 'Mine' }];
    expect(statusesOf((await me.post('bulk/projects', { items })).body)).toEqual([201]);
    expect(
      statusesOf((await other.post('bulk/projects', { items: [{ ...items[0], name: 'Theirs' }] })).body),
    ).toEqual([201]);
    expect((await me.get('projects/shared-1')).body.name).toBe('Mine');
    expect((await other.get('projects/shared-1')).body.name).toBe('Theirs');
  });

  test('a request rejected as a whole writes nothing', async () => {
    const valid = { items: [{ name: 'Should not exist' }] };
    const expectRejected = async (
      status: number,
      code: string,
      response: Promise<{ status: number; body: Body }>,
    ) => {
      const answer = await response;
      expect([answer.status, answer.body.code]).toEqual([status, code]);
    };
    await expectRejected(404, 'UNKNOWN_ENTITY', me.post('bulk/users', valid));
    await expectRejected(404, 'UNKNOWN_ENTITY', me.post('bulk/constructor', valid));
    await expectRejected(404, 'UNKNOWN_ENTITY', me.post('bulk/Projects', valid));
    await expectRejected(401, 'UNAUTHENTICATED', api.anonymous.post('bulk/projects', valid));
    await expectRejected(400, 'VALIDATION_FAILED', me.post('bulk/projects', { items: [] }));
    await expectRejected(400, 'VALIDATION_FAILED', me.post('bulk/projects', { items: { name: 'x' } }));
    await expectRejected(400, 'VALIDATION_FAILED', me.post('bulk/projects', [{ name: 'x' }]));
    await expectRejected(400, 'VALIDATION_FAILED', me.post('bulk/projects', { ...valid, atomic: true }));
    const tooMany = await me.post('bulk/projects', {
      items: Array.from({ length: 1001 }, (_, i) => ({ name: `n${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ field: 'items' })]);
    await expectRejected(
      400,
      'INVALID_JSON',
      me.request('POST', 'bulk/projects', {
        raw: '{"items": [',
        headers: { 'content-type': 'application/json' },
      }),
    );
    await expectRejected(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      me.request('POST', 'bulk/projects', {
        raw: JSON.stringify(valid),
        headers: { 'content-type': 'text/plain' },
      }),
    );
    const big = { items: Array.from({ length: 300 }, () => ({ name: 'n', description: 'd'.repeat(3900) })) };
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024);
    await expectRejected(413, 'PAYLOAD_TOO_LARGE', me.post('bulk/projects', big));
    expect(await countOf(userId, 'projects')).toBe(0);
  });
});

// The writer on its own: conflicts that only the write itself finds (no existence query runs first), and a
// store that refuses the whole call.
describe.each([
  ['local store', 'local'],
  ['cosmos adapter on the test server', 'cosmos'],
] as const)('createMany on the %s', (_name, backend) => {
  let store: DocumentStore;
  let dataDir: string | undefined;
  beforeAll(async () => {
    if (backend === 'local') {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bulk-'));
      store = new LocalDocumentStore({ dataDir, sync: 'normal' });
    } else {
      store = new CosmosDocumentStore(testCosmosSettings(`bulk-writer-${randomUUID()}`));
    }
    await store.initialize();
  });
  afterAll(async () => {
    await store.dispose();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const project = (userId: string, id: string, name = id): DocumentBody & { userId: string } => ({
    id,
    userId,
    name,
    archived: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  });

  /** The store with its calls counted by method; `failBulk` makes bulk calls fail as a whole (503). */
  function counted(inner: DocumentStore, calls: Map<string, number>, failBulk = false): DocumentStore {
    return new Proxy(inner, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
          if (property === 'bulk' && failBulk) {
            return Promise.reject(
              new AppError('Cosmos DB is unavailable.', {
                code: 'SERVICE_UNAVAILABLE',
                category: 'CONNECTION',
                status: 503,
              }),
            );
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  test('conflicts anywhere are 409 for their own item; one bulk call, nothing written twice or reported wrongly', async () => {
    const userId = `w-${randomUUID()}`;
    const conflicting = [3, 57, 99, 140];
    for (const i of conflicting) await store.create('projects', project(userId, `x-${i}`, 'Earlier'));
    const documents = Array.from({ length: 150 }, (_, i) => project(userId, `x-${i}`, `Bulk ${i}`));
    const calls = new Map<string, number>();

    const outcomes = await createMany(counted(store, calls), 'projects', userId, documents);

    expect(
      outcomes.map((o, i) => (o.status === 201 ? undefined : [i, o.status, o.code])).filter(Boolean),
    ).toEqual(conflicting.map((i) => [i, 409, 'CONFLICT']));
    expect(Object.fromEntries(calls)).toEqual({ bulk: 1 });
    const stored = await store.query<{ id: string; name: string; _etag: string }>(
      'projects',
      {
        query: 'SELECT c.id, c.name, c._etag FROM c WHERE c.userId = @u',
        parameters: [{ name: '@u', value: userId }],
      },
      { partitionKey: userId },
    );
    expect(stored.items).toHaveLength(150);
    const byId = new Map(stored.items.map((d) => [d.id, d]));
    documents.forEach((document, i) => {
      const expectedName = conflicting.includes(i) ? 'Earlier' : `Bulk ${i}`;
      expect(byId.get(document.id)?.name).toBe(expectedName);
      if (outcomes[i].status === 201) expect(outcomes[i].etag).toBe(byId.get(document.id)?._etag);
    });
  });

  test('a bulk call the store refuses as a whole gives every item that status and throws nothing', async () => {
    const userId = `w-${randomUUID()}`;
    const documents = Array.from({ length: 250 }, (_, i) => project(userId, `y-${i}`));
    const outcomes = await createMany(counted(store, new Map(), true), 'projects', userId, documents);
    expect(outcomes).toHaveLength(250);
    expect(outcomes.every((o) => o.status === 503 && o.code === 'SERVICE_UNAVAILABLE')).toBe(true);
  });
});
