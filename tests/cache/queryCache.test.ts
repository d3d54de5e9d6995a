import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CachingDocumentStore } from '../../shared/cache/cachingDocumentStore';
import { QueryResultCache } from '../../shared/cache/queryResultCache';
import type { DocumentStore, QueryOptions, QueryPage, SqlQuery } from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { UsageRecorder } from '../../shared/usage/usageRecorder';
import { startApi, itemsOf, type ApiUnderTest } from '../api/apiHarness';

const LIST: SqlQuery = {
  query: 'SELECT * FROM c WHERE c.userId = @userId ORDER BY c.createdAt DESC, c.id DESC',
  parameters: [{ name: '@userId', value: 'alice' }],
};
const forUser = (userId: string): SqlQuery => ({ ...LIST, parameters: [{ name: '@userId', value: userId }] });

describe('query cache over the local store', () => {
  let dir: string;
  let base: LocalDocumentStore;
  let recorder: UsageRecorder;

  function cached(
    options: Partial<ConstructorParameters<typeof QueryResultCache>[0]> = {},
    inner: DocumentStore = base,
  ) {
    const cache = new QueryResultCache({
      maxEntries: 100,
      maxBytes: 8 * 1024 * 1024,
      defaultTtlMs: 60_000,
      ...options,
    });
    return { cache, store: new CachingDocumentStore(inner, cache, recorder) };
  }

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-cache-'));
    base = new LocalDocumentStore({ dataDir: dir, sync: 'normal' });
    await base.initialize();
    recorder = new UsageRecorder(100);
    for (const userId of ['alice', 'bob']) {
      for (let i = 0; i < 5; i += 1) {
        await base.create('tasks', {
          id: `${userId}-${i}`,
          userId,
          title: `${userId} task ${i}`,
          createdAt: `2026-11-0${i + 1}`,
        });
      }
    }
  });
  afterEach(async () => {
    await base.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a repeated query from the cache, with no RU, and counts the RU saved', async () => {
    const { cache, store } = cached();
    const first = await store.query('tasks', LIST, { partitionKey: 'alice' });
    const second = await store.query('tasks', LIST, { partitionKey: 'alice' });
    expect(second.items).toEqual(first.items);
    expect(first.stats.requestCharge).toBeGreaterThan(0);
    expect(second.stats.requestCharge).toBe(0);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, ruSaved: first.stats.requestCharge });
    const row = recorder.snapshot(recorder.today()).rows.find((r) => r.outcome === 'cached');
    expect(row).toMatchObject({ calls: 1, requestCharge: 0, ruSaved: first.stats.requestCharge });
  });

  it("never serves one user's results to another: same query text, other partition or parameters", async () => {
    const { store } = cached();
    const alice = await store.query<{ userId: string }>('tasks', forUser('alice'), { partitionKey: 'alice' });
    const bob = await store.query<{ userId: string }>('tasks', forUser('bob'), { partitionKey: 'bob' });
    expect(alice.items.every((t) => t.userId === 'alice')).toBe(true);
    expect(bob.items.every((t) => t.userId === 'bob')).toBe(true);
    // Same partition key, other parameter value (and the reverse): a different key, never a hit.
    const crossed = await store.query<{ userId: string }>('tasks', forUser('bob'), { partitionKey: 'alice' });
    expect(crossed.items).toHaveLength(0);
    const crossedBack = await store.query<{ userId: string }>('tasks', forUser('alice'), {
      partitionKey: 'bob',
    });
    expect(crossedBack.items).toHaveLength(0);
  });

  it('drops a partition’s results on every kind of write to it, and only that partition’s', async () => {
    const { cache, store } = cached();
    const count = async (userId: string) =>
      (await store.query('tasks', forUser(userId), { partitionKey: userId })).items.length;
    expect(await count('alice')).toBe(5);
    expect(await count('bob')).toBe(5);

    await store.create('tasks', { id: 'alice-new', userId: 'alice', title: 'new', createdAt: '2026-11-20' });
    expect(await count('alice')).toBe(6);
    await store.delete('tasks', 'alice-0', 'alice');
    expect(await count('alice')).toBe(5);
    await store.patch('tasks', 'alice-1', 'alice', [{ op: 'set', path: '/title', value: 'patched' }]);
    const patched = await store.query<{ id: string; title: string }>('tasks', forUser('alice'), {
      partitionKey: 'alice',
    });
    expect(patched.items.find((t) => t.id === 'alice-1')?.title).toBe('patched');
    await store.bulk('tasks', [
      {
        operationType: 'Create',
        partitionKey: 'alice',
        resourceBody: { id: 'alice-bulk', userId: 'alice', createdAt: '2026-11-21' },
      },
    ]);
    expect(await count('alice')).toBe(6);

    const beforeBob = cache.stats().hits;
    expect(await count('bob')).toBe(5); // bob's entry survived every write to alice's partition
    expect(cache.stats().hits).toBe(beforeBob + 1);
  });

  it('does not cache a result read while a write to its partition was in flight', async () => {
    let releaseQuery: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (releaseQuery = resolve));
    // The slow query is the one fault here that a real store cannot be made to show on demand.
    const slowQuery = async <T>(
      container: string,
      query: SqlQuery,
      options?: QueryOptions,
    ): Promise<QueryPage<T>> => {
      const page = await base.query<T>(container, query, options);
      await gate;
      return page;
    };
    const slow = new Proxy(base, {
      get: (target, property, receiver) => {
        if (property === 'query') return slowQuery;
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }) as DocumentStore;
    const { store } = cached({}, slow);
    const reading = store.query('tasks', forUser('alice'), { partitionKey: 'alice' });
    await store.create('tasks', {
      id: 'alice-late',
      userId: 'alice',
      title: 'late',
      createdAt: '2026-11-30',
    });
    releaseQuery();
    expect((await reading).items).toHaveLength(5); // read before the write landed
    const after = await store.query('tasks', forUser('alice'), { partitionKey: 'alice' });
    expect(after.items).toHaveLength(6); // not the stale page
  });

  it('expires entries after their TTL and per-query TTLs override the default', async () => {
    const { cache, store } = cached({ defaultTtlMs: 40 });
    await store.query('tasks', LIST, { partitionKey: 'alice' });
    await store.query('tasks', LIST, { partitionKey: 'alice' });
    expect(cache.stats().hits).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    await store.query('tasks', LIST, { partitionKey: 'alice' });
    expect(cache.stats().hits).toBe(1);

    await store.query('tasks', forUser('bob'), { partitionKey: 'bob', cacheTtlMs: 0 });
    await store.query('tasks', forUser('bob'), { partitionKey: 'bob', cacheTtlMs: 0 });
    expect(cache.stats().hits).toBe(1); // cacheTtlMs 0: never cached
  });

  it('never caches a cross-partition query', async () => {
    const { cache, store } = cached();
    const all = { query: 'SELECT * FROM c' };
    await store.query('tasks', all);
    await store.query('tasks', all);
    expect(cache.stats()).toMatchObject({ hits: 0, entries: 0 });
  });

  it('holds at most maxEntries results, least recently used out first', async () => {
    const { cache, store } = cached({ maxEntries: 2 });
    await store.query('tasks', LIST, { partitionKey: 'alice' });
    await store.query('tasks', forUser('bob'), { partitionKey: 'bob' });
    await store.query('tasks', LIST, { partitionKey: 'alice' }); // alice is now the most recent
    await store.query(
      'tasks',
      {
        query: 'SELECT VALUE COUNT(1) FROM c WHERE c.userId = @userId',
        parameters: [{ name: '@userId', value: 'alice' }],
      },
      { partitionKey: 'alice' },
    );
    expect(cache.stats().entries).toBe(2);
    const hits = cache.stats().hits;
    await store.query('tasks', LIST, { partitionKey: 'alice' });
    expect(cache.stats().hits).toBe(hits + 1);
    await store.query('tasks', forUser('bob'), { partitionKey: 'bob' });
    expect(cache.stats().hits).toBe(hits + 1); // bob's was evicted
  });

  it('hands out results no caller can change for the next one', async () => {
    const { store } = cached();
    await store.query('tasks', LIST, { partitionKey: 'alice' });
    const hit = await store.query<{ title: string }>('tasks', LIST, { partitionKey: 'alice' });
    expect(() => {
      hit.items[0].title = 'changed';
    }).toThrow(TypeError);
    hit.items.reverse(); // its own array: sorting it is fine
    const again = await store.query<{ title: string }>('tasks', LIST, { partitionKey: 'alice' });
    expect(again.items[0].title).toBe('alice task 4');
  });
});

describe('query cache through the API', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({ QUERY_CACHE_TTL_MS: '60000' });
  });
  afterAll(async () => api.close());

  it('shows each user only their own tasks, and a write at once, with the cache on', async () => {
    const alice = api.as('alice');
    const bob = api.as('bob');
    await alice.post('/tasks', { title: 'alice 1' });
    await bob.post('/tasks', { title: 'bob 1' });
    for (let round = 0; round < 3; round += 1) {
      expect(itemsOf(await alice.get('/tasks')).map((t) => t.title)).toEqual(['alice 1']);
      expect(itemsOf(await bob.get('/tasks')).map((t) => t.title)).toEqual(['bob 1']);
    }
    const created = await alice.post('/tasks', { title: 'alice 2' });
    expect(created.status).toBe(201);
    expect(
      itemsOf(await alice.get('/tasks'))
        .map((t) => t.title)
        .sort(),
    ).toEqual(['alice 1', 'alice 2']);
    const id = (created.body as { id: string }).id;
    await alice.delete(`/tasks/${id}`);
    expect(itemsOf(await alice.get('/tasks')).map((t) => t.title)).toEqual(['alice 1']);
    expect(itemsOf(await bob.get('/tasks')).map((t) => t.title)).toEqual(['bob 1']);
  });
});
