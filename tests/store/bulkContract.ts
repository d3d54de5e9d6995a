import { randomUUID } from 'node:crypto';
import type {
  BulkOperation,
  BulkResponse,
  DocumentStore,
  StoredDocument,
} from '../../shared/data/documentStore';

/** What a store under test cannot do for bulk calls; each gap narrows a test, whose name then says so. */
export interface BulkGaps {
  /** A transactional batch is all or nothing (the test server applies operations up to the failing one). */
  atomicBatch: boolean;
}

interface TaskDoc {
  id: string;
  userId: string;
  title: string;
  [key: string]: unknown;
}

const gapName = (ok: boolean, name: string, gap: string): string => (ok ? name : `${name} — GAP: ${gap}`);

/** The bulk part of the DocumentStore contract: every adapter must pass the same suite. */
export function describeBulkContract(
  label: string,
  gaps: BulkGaps,
  open: () => Promise<DocumentStore>,
  close: (store: DocumentStore) => Promise<void>,
): void {
  describe(`DocumentStore bulk contract: ${label}`, () => {
    let store: DocumentStore;
    let run: string;

    beforeAll(async () => {
      store = await open();
      await store.initialize();
    });
    afterAll(async () => close(store));
    beforeEach(() => {
      run = randomUUID().slice(0, 8);
    });

    const userOf = (n: number): string => `bulk-${run}-u${n}`;
    const task = (user: string, overrides: Partial<TaskDoc> = {}): TaskDoc => ({
      id: randomUUID(),
      userId: user,
      title: 'bulk',
      ...overrides,
    });
    const create = (doc: TaskDoc): BulkOperation => ({
      operationType: 'Create',
      partitionKey: doc.userId,
      resourceBody: doc,
    });
    const statuses = (response: BulkResponse): number[] => response.results.map((r) => r.statusCode);
    // Scoped by a filter on the partition key too: the test server ignores a query's partition key.
    const countIn = async (user: string): Promise<number> => {
      const page = await store.query<number>(
        'tasks',
        {
          query: 'SELECT VALUE COUNT(1) FROM c WHERE c.userId = @u',
          parameters: [{ name: '@u', value: user }],
        },
        { partitionKey: user },
      );
      return page.items[0] ?? 0;
    };
    const read = async (user: string, id: string): Promise<StoredDocument<TaskDoc> | undefined> =>
      (await store.read<TaskDoc>('tasks', id, user)).resource;

    test('an empty bulk call answers no results and costs nothing', async () => {
      const response = await store.bulk('tasks', []);
      expect(response.results).toEqual([]);
      expect(response.stats).toMatchObject({ requestCharge: 0, itemCount: 0, throttled: 0 });
    });

    test('mixed operations across many partitions: one result per operation, in input order', async () => {
      const users = Array.from({ length: 12 }, (_, n) => userOf(n));
      const seeded = await Promise.all(users.map((u) => store.create('tasks', task(u, { title: 'seed' }))));
      const operations: BulkOperation[] = [];
      const expected: number[] = [];
      const fresh: TaskDoc[] = [];
      users.forEach((user, n) => {
        const doc = seeded[n].resource;
        const created = task(user, { title: `new ${n}` });
        fresh.push(created);
        // Interleaved partitions, so a store that groups by partition must put results back in order.
        operations.push(create(created));
        expected.push(201);
        if (n % 4 === 0) {
          operations.push({ operationType: 'Read', partitionKey: user, id: doc.id });
          expected.push(200);
        } else if (n % 4 === 1) {
          operations.push({
            operationType: 'Replace',
            partitionKey: user,
            id: doc.id,
            resourceBody: { ...doc, title: 'replaced' },
            ifMatch: doc._etag,
          });
          expected.push(200);
        } else if (n % 4 === 2) {
          operations.push({
            operationType: 'Upsert',
            partitionKey: user,
            resourceBody: { ...doc, title: 'upserted' },
          });
          expected.push(200);
        } else {
          operations.push({ operationType: 'Delete', partitionKey: user, id: doc.id, ifMatch: doc._etag });
          expected.push(204);
        }
      });

      const response = await store.bulk('tasks', operations);

      expect(statuses(response)).toEqual(expected);
      expect(response.results[0].resource).toMatchObject({ id: fresh[0].id, title: 'new 0' });
      expect(typeof response.results[0].etag).toBe('string');
      expect(response.results[1].resource).toMatchObject({ id: seeded[0].resource.id, title: 'seed' });
      expect(response.results.every((r) => r.code === undefined)).toBe(true);
      expect(response.stats.itemCount).toBe(operations.length);
      expect(response.stats.requestCharge).toBeGreaterThan(0);
      expect(response.stats.throttled).toBe(0);
      for (const [n, user] of users.entries()) {
        expect((await read(user, fresh[n].id))?.title).toBe(`new ${n}`);
        const after = await read(user, seeded[n].resource.id);
        if (n % 4 === 0) expect(after?.title).toBe('seed');
        if (n % 4 === 1) expect(after?.title).toBe('replaced');
        if (n % 4 === 2) expect(after?.title).toBe('upserted');
        if (n % 4 === 3) expect(after).toBeUndefined();
      }
    });

    test('partial failures (409, 412, 404, 400) are reported per item and never keep the others out', async () => {
      const user = userOf(0);
      const other = userOf(1);
      const existing = (await store.create('tasks', task(user, { title: 'existing' }))).resource;
      const stale = '"not-the-etag"';
      const ok1 = task(user);
      const ok2 = task(other);
      const ok3 = task(user);
      const operations: BulkOperation[] = [
        create(ok1),
        create({ ...task(user), id: existing.id, title: 'duplicate' }), // 409
        {
          operationType: 'Replace',
          partitionKey: user,
          id: existing.id,
          resourceBody: { ...existing, title: 'stale replace' },
          ifMatch: stale,
        }, // 412
        create(ok2),
        { operationType: 'Delete', partitionKey: user, id: existing.id, ifMatch: stale }, // 412
        {
          operationType: 'Upsert',
          partitionKey: user,
          resourceBody: { ...existing, title: 'x' },
          ifMatch: stale,
        }, // 412
        {
          operationType: 'Replace',
          partitionKey: user,
          id: 'missing',
          resourceBody: task(user, { id: 'missing' }),
        }, // 404
        { operationType: 'Delete', partitionKey: user, id: 'missing' }, // 404
        { operationType: 'Read', partitionKey: other, id: existing.id }, // 404: same id, other partition
        { operationType: 'Create', partitionKey: other, resourceBody: task(user) }, // 400: body in another partition
        create(ok3),
      ];

      const response = await store.bulk('tasks', operations);

      expect(statuses(response)).toEqual([201, 409, 412, 201, 412, 412, 404, 404, 404, 400, 201]);
      expect(response.results.map((r) => r.code)).toEqual([
        undefined,
        'CONFLICT',
        'PRECONDITION_FAILED',
        undefined,
        'PRECONDITION_FAILED',
        'PRECONDITION_FAILED',
        'NOT_FOUND',
        'NOT_FOUND',
        'NOT_FOUND',
        'PARTITION_KEY_MISMATCH',
        undefined,
      ]);
      expect(response.stats.itemCount).toBe(3);
      expect(await read(user, ok1.id)).toBeDefined();
      expect(await read(other, ok2.id)).toBeDefined();
      expect(await read(user, ok3.id)).toBeDefined();
      const unchanged = await read(user, existing.id);
      expect(unchanged?.title).toBe('existing');
      expect(unchanged?._etag).toBe(existing._etag);
      expect(await countIn(other)).toBe(1);
    });

    test('invalid operations are 400 for their own item, with the reason as code', async () => {
      const user = userOf(0);
      const ok = task(user);
      const operations = [
        { operationType: 'Create', partitionKey: user } as unknown as BulkOperation,
        { operationType: 'Patch', partitionKey: user, id: 'x' } as unknown as BulkOperation,
        { operationType: 'Read', partitionKey: user, id: '' },
        { operationType: 'Read', id: 'x' } as unknown as BulkOperation,
        {
          operationType: 'Replace',
          partitionKey: user,
          id: 'one',
          resourceBody: task(user, { id: 'another' }),
        },
        create(ok),
      ] satisfies BulkOperation[];
      const response = await store.bulk('tasks', operations);
      expect(response.results.map((r) => [r.statusCode, r.code])).toEqual([
        [400, 'INVALID_BULK_OPERATION'],
        [400, 'INVALID_BULK_OPERATION'],
        [400, 'INVALID_ID'],
        [400, 'INVALID_PARTITION_KEY'],
        [400, 'ID_MISMATCH'],
        [201, undefined],
      ]);
      expect(await countIn(user)).toBe(1);
    });

    test('more than 100 operations in one partition, and the same ids again: every one 409', async () => {
      const user = userOf(0);
      const docs = Array.from({ length: 250 }, (_, n) => task(user, { id: `p-${n}`, n }));
      const first = await store.bulk('tasks', docs.map(create));
      expect(statuses(first).filter((s) => s === 201)).toHaveLength(250);
      expect(await countIn(user)).toBe(250);
      const again = await store.bulk('tasks', docs.map(create));
      expect(new Set(statuses(again))).toEqual(new Set([409]));
      expect(again.stats.itemCount).toBe(0);
      expect(await countIn(user)).toBe(250);
    });

    test('1,200 operations across 30 partitions land exactly once, then 1,200 conditional replaces', async () => {
      const users = Array.from({ length: 30 }, (_, n) => userOf(n));
      const docs = Array.from({ length: 1_200 }, (_, n) => task(users[n % users.length], { n }));
      const created = await store.bulk('tasks', docs.map(create));
      expect(statuses(created).every((s) => s === 201)).toBe(true);
      expect(created.stats.itemCount).toBe(1_200);
      for (const user of users) expect(await countIn(user)).toBe(40);

      const replaces: BulkOperation[] = created.results.map((result, n) => ({
        operationType: 'Replace',
        partitionKey: docs[n].userId,
        id: docs[n].id,
        resourceBody: { ...docs[n], title: 'second' },
        ifMatch: result.etag,
      }));
      const replaced = await store.bulk('tasks', replaces);
      expect(statuses(replaced).every((s) => s === 200)).toBe(true);
      expect(replaced.results.every((r, n) => r.etag !== created.results[n].etag)).toBe(true);
      const sample = await read(docs[777].userId, docs[777].id);
      expect(sample).toMatchObject({ title: 'second', n: 777 });
      expect(sample?._etag).toBe(replaced.results[777].etag);
    }, 120_000);

    test('atomic mode: partitions that succeed commit, each in batches of at most 100', async () => {
      const a = userOf(0);
      const b = userOf(1);
      const docs = [
        ...Array.from({ length: 130 }, () => task(a)),
        ...Array.from({ length: 20 }, () => task(b)),
      ];
      const response = await store.bulk('tasks', docs.map(create), { atomic: true });
      expect(statuses(response).every((s) => s === 201)).toBe(true);
      expect(response.results[129].resource).toMatchObject({ id: docs[129].id });
      expect(await countIn(a)).toBe(130);
      expect(await countIn(b)).toBe(20);
    });

    test(
      gapName(
        gaps.atomicBatch,
        'atomic mode: a failing operation rolls back its partition batch (424 for the rest), other partitions commit',
        'the test server batch is not atomic: operations before the failing one land; asserts the culprit, the 424s after it, and that every result tells the truth about the store',
      ),
      async () => {
        const failing = userOf(0);
        const fine = userOf(1);
        const existing = (await store.create('tasks', task(failing, { title: 'existing' }))).resource;
        const before = task(failing);
        const after = task(failing);
        const other = task(fine);
        const operations: BulkOperation[] = [
          create(before),
          create(other),
          create({ ...task(failing), id: existing.id }), // the culprit: 409
          create(after),
        ];

        const response = await store.bulk('tasks', operations, { atomic: true });

        expect(response.results[1].statusCode).toBe(201);
        expect(response.results[2]).toMatchObject({ statusCode: 409, code: 'CONFLICT' });
        expect(response.results[3]).toMatchObject({ statusCode: 424, code: 'FAILED_DEPENDENCY' });
        expect(await read(failing, after.id)).toBeUndefined();
        expect(await read(fine, other.id)).toBeDefined();
        const landed = await read(failing, before.id);
        if (gaps.atomicBatch) {
          expect(response.results[0]).toMatchObject({ statusCode: 424, code: 'FAILED_DEPENDENCY' });
          expect(landed).toBeUndefined();
        } else {
          // GAP: the test server applied the operation before the culprit; the result must say so.
          expect(response.results[0].statusCode === 201).toBe(landed !== undefined);
        }
      },
    );

    test('atomic mode: an invalid operation fails its partition batch before anything is sent', async () => {
      const user = userOf(0);
      const ok = task(user);
      const response = await store.bulk(
        'tasks',
        [create(ok), { operationType: 'Create', partitionKey: user, resourceBody: task(userOf(9)) }],
        { atomic: true },
      );
      expect(response.results).toEqual([
        { statusCode: 424, code: 'FAILED_DEPENDENCY' },
        { statusCode: 400, code: 'PARTITION_KEY_MISMATCH' },
      ]);
      expect(await read(user, ok.id)).toBeUndefined();
    });

    test('an unknown container fails the whole call', async () => {
      await expect(store.bulk('no-such-container', [])).rejects.toMatchObject({
        code: 'UNKNOWN_CONTAINER',
      });
    });
  });
}
