import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isAppError } from '../../shared/errors/appError';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { LOCAL_STORE_FILE } from '../../shared/data/local/sqliteDatabase';
import { appErrorOf } from '../helpers/appErrorOf';

// Behaviour only the embedded store has: its engine's limits, its file on disk, its query plan.

let dataDir: string;
let store: LocalDocumentStore;

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-local-'));
  store = new LocalDocumentStore({ dataDir, sync: 'normal' });
  await store.initialize();
});
afterEach(async () => {
  await store.dispose();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test.each([
  ['SELECT * FROM c OFFSET 0 LIMIT 10', 'OFFSET ... LIMIT'],
  ['SELECT c.type, COUNT(1) AS n FROM c GROUP BY c.type', 'GROUP BY'],
  ['SELECT DISTINCT VALUE c.status FROM c', 'DISTINCT'],
])('an unsupported clause fails with an error naming it: %s', async (query, clause) => {
  const error = await appErrorOf(store.query('tasks', { query }, { partitionKey: 'u' }));
  expect(error).toMatchObject({ code: 'QUERY_UNSUPPORTED', status: 400 });
  expect(error.message).toContain(clause);
});

test('property names and strings that look like clauses are not mistaken for them', async () => {
  await store.create('tasks', { id: '1', userId: 'u', limit: 3, note: 'GROUP BY team' });
  const page = await store.query(
    'tasks',
    { query: "SELECT c.limit FROM c WHERE c.note = 'GROUP BY team' AND c['limit'] > 0" },
    { partitionKey: 'u' },
  );
  expect(page.items).toEqual([{ limit: 3 }]);
});

test('a syntax error is a 400 naming the query as invalid', async () => {
  const error = await appErrorOf(store.query('tasks', { query: 'SELEC * FROM c' }, { partitionKey: 'u' }));
  expect(error).toMatchObject({ code: 'QUERY_INVALID', status: 400 });
});

test('a multi-field ORDER BY without a composite index in the catalogue fails as in Cosmos DB', async () => {
  await store.create('tasks', { id: '1', userId: 'u', title: 'a', priority: 1 });
  const error = await appErrorOf(
    store.query(
      'tasks',
      { query: 'SELECT * FROM c ORDER BY c.title ASC, c.priority DESC' },
      { partitionKey: 'u' },
    ),
  );
  expect(error).toMatchObject({ code: 'COMPOSITE_INDEX_MISSING', status: 400 });
  // The catalogue's [/dueDate ASC, /id ASC] index serves the same order and its exact reverse.
  for (const order of ['ASC, c.id ASC', 'DESC, c.id DESC']) {
    const page = await store.query(
      'tasks',
      { query: `SELECT * FROM c ORDER BY c.dueDate ${order}` },
      { partitionKey: 'u' },
    );
    expect(page.items).toHaveLength(1);
  }
  const mixed = await appErrorOf(
    store.query(
      'tasks',
      { query: 'SELECT * FROM c ORDER BY c.dueDate ASC, c.id DESC' },
      { partitionKey: 'u' },
    ),
  );
  expect(mixed.code).toBe('COMPOSITE_INDEX_MISSING');
});

test('a continuation token only resumes the query and partition it came from', async () => {
  for (let i = 0; i < 5; i++) await store.create('tasks', { id: `t${i}`, userId: 'u' });
  const first = await store.query(
    'tasks',
    { query: 'SELECT * FROM c' },
    { partitionKey: 'u', maxItemCount: 2 },
  );
  expect(first.continuationToken).toEqual(expect.any(String));
  const token = first.continuationToken as string;
  const otherPartition = await appErrorOf(
    store.query(
      'tasks',
      { query: 'SELECT * FROM c' },
      { partitionKey: 'v', maxItemCount: 2, continuationToken: token },
    ),
  );
  expect(otherPartition.code).toBe('INVALID_CONTINUATION_TOKEN');
  const garbage = await appErrorOf(
    store.query(
      'tasks',
      { query: 'SELECT * FROM c' },
      { partitionKey: 'u', continuationToken: 'not-a-token' },
    ),
  );
  expect(garbage).toMatchObject({ code: 'INVALID_CONTINUATION_TOKEN', status: 400 });
});

test('a partition-scoped query reads only that partition (index search, not a table scan)', () => {
  const db = new Database(path.join(dataDir, LOCAL_STORE_FILE), { readonly: true });
  try {
    const plan = db
      .prepare(
        'EXPLAIN QUERY PLAN SELECT seq, body, etag, ts FROM documents WHERE container = ? AND pk = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY seq',
      )
      .all('tasks', '"u"', 0) as { detail: string }[];
    const details = plan.map((p) => p.detail).join(' | ');
    expect(details).toMatch(/SEARCH documents USING INDEX documents_by_partition \(container=\? AND pk=\?\)/);
    expect(details).not.toMatch(/TEMP B-TREE/);
  } finally {
    db.close();
  }
});

test('data survives closing and reopening the store', async () => {
  await store.create('projects', { id: 'p1', userId: 'u', name: 'Garden' });
  await store.dispose();
  store = new LocalDocumentStore({ dataDir, sync: 'normal' });
  await store.initialize();
  expect((await store.read('projects', 'p1', 'u')).resource).toMatchObject({ name: 'Garden' });
});

test('a missing DATA_DIR is created', async () => {
  const nested = path.join(dataDir, 'does', 'not', 'exist');
  const other = new LocalDocumentStore({ dataDir: nested, sync: 'full' });
  await other.initialize();
  await other.create('users', { id: 'u', userId: 'u' });
  await other.dispose();
  expect(fs.existsSync(path.join(nested, LOCAL_STORE_FILE))).toBe(true);
});

test('a corrupt database file is reported with its path and left untouched', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-corrupt-'));
  const file = path.join(dir, LOCAL_STORE_FILE);
  fs.writeFileSync(file, Buffer.concat([Buffer.from('definitely not sqlite '), Buffer.alloc(8192, 7)]));
  const before = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  let caught: unknown;
  try {
    new LocalDocumentStore({ dataDir: dir, sync: 'normal' });
  } catch (error) {
    caught = error;
  }
  expect(isAppError(caught, 'LOCAL_STORE_CORRUPT')).toBe(true);
  expect((caught as Error).message).toContain(file);
  expect(createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(before);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a damaged page inside a real database is reported, not served', async () => {
  for (let i = 0; i < 300; i++) {
    await store.create('tasks', { id: `t${i}`, userId: `u${i % 7}`, title: 'x'.repeat(200) });
  }
  await store.dispose();
  const file = path.join(dataDir, LOCAL_STORE_FILE);
  // Fold the WAL into the main file, then overwrite a page in the middle of it.
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.alloc(4096, 0xff), 0, 4096, 4096 * 3);
  fs.closeSync(fd);
  let caught: unknown;
  try {
    store = new LocalDocumentStore({ dataDir, sync: 'normal' });
  } catch (error) {
    caught = error;
  }
  expect(isAppError(caught, 'LOCAL_STORE_CORRUPT')).toBe(true);
  expect((caught as Error).message).toContain(file);
  // Keep afterEach's dispose() working.
  store = new LocalDocumentStore({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lt-local-')),
    sync: 'normal',
  });
});

test('an expired document frees its id for a new create', async () => {
  const id = randomUUID();
  await store.create('usage', { id, day: 'd', ttl: 1 });
  await new Promise((r) => setTimeout(r, 2100));
  const again = await store.create('usage', { id, day: 'd', ttl: 60 });
  expect(again.resource.id).toBe(id);
});

test('an invalid page size is a 400', async () => {
  const error = await appErrorOf(store.query('tasks', { query: 'SELECT * FROM c' }, { maxItemCount: 0 }));
  expect(error.status).toBe(400);
});

test('a document over the 2 MB item limit is refused with 413 and not stored', async () => {
  const error = await appErrorOf(
    store.create('tasks', { id: 'big', userId: 'u', notes: 'x'.repeat(2 * 1024 * 1024) }),
  );
  expect(error).toMatchObject({ code: 'DOCUMENT_TOO_LARGE', status: 413 });
  expect((await store.read('tasks', 'big', 'u')).resource).toBeUndefined();
});

describe('parsed-partition cache', () => {
  const list = async (s: LocalDocumentStore, container = 'tasks', pk = 'u') =>
    (
      await s.query<{ id: string }>(
        container,
        { query: 'SELECT * FROM c ORDER BY c.id' },
        { partitionKey: pk },
      )
    ).items.map((d) => d.id);

  test('a write by another connection to the same file is seen by the next query', async () => {
    await store.create('tasks', { id: 'a', userId: 'u' });
    expect(await list(store)).toEqual(['a']); // now cached
    const other = new LocalDocumentStore({ dataDir, sync: 'normal' });
    await other.create('tasks', { id: 'b', userId: 'u' });
    await other.delete('tasks', 'a', 'u');
    await other.dispose();
    expect(await list(store)).toEqual(['b']);
  });

  test('writes through this store are seen at once, and other partitions stay apart', async () => {
    await store.create('tasks', { id: 'a', userId: 'u' });
    await store.create('tasks', { id: 'z', userId: 'v' });
    expect(await list(store)).toEqual(['a']);
    await store.upsert('tasks', { id: 'b', userId: 'u' });
    await store.patch('tasks', 'a', 'u', [{ op: 'set', path: '/done', value: true }]);
    expect(await list(store)).toEqual(['a', 'b']);
    const page = await store.query<{ done?: boolean }>(
      'tasks',
      { query: 'SELECT * FROM c WHERE c.id = "a"' },
      { partitionKey: 'u' },
    );
    expect(page.items[0].done).toBe(true);
    expect(await list(store, 'tasks', 'v')).toEqual(['z']);
  });

  test('a document that expires while its partition is cached is no longer returned', async () => {
    await store.create('usage', { id: 'short', day: 'd', ttl: 1 });
    await store.create('usage', { id: 'long', day: 'd', ttl: 600 });
    expect(await list(store, 'usage', 'd')).toEqual(['long', 'short']);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await list(store, 'usage', 'd')).toEqual(['long']);
  });

  test.each(['SELECT * FROM c', 'SELECT VALUE c FROM c'])(
    'modifying a query result never changes what the next query sees: %s',
    async (query) => {
      await store.create('tasks', { id: 'a', userId: 'u', title: 'original', tags: ['x'] });
      const first = await store.query<{ title: string; tags: string[] }>(
        'tasks',
        { query },
        { partitionKey: 'u' },
      );
      try {
        first.items[0].title = 'tampered';
        first.items[0].tags.push('tampered');
      } catch (error) {
        // A cached (frozen) document refuses the change outright: also fine.
        expect(error).toBeInstanceOf(TypeError);
      }
      const second = await store.query<{ title: string; tags: string[] }>(
        'tasks',
        { query },
        { partitionKey: 'u' },
      );
      expect(second.items[0]).toMatchObject({ title: 'original', tags: ['x'] });
    },
  );
});
