// The repository tests, written once and run on both adapters (local store; Cosmos adapter against the
// Cosmos-protocol test server). Where the test server lacks a Cosmos DB feature the test name says
// "GAP: ..." and the test asserts what can be asserted.
import { randomUUID } from 'node:crypto';
import type {
  DocumentBody,
  DocumentStore,
  StoredDocument,
  WriteOptions,
} from '../../shared/data/documentStore';
import type { AppError } from '../../shared/errors/appError';
import type { FitnessEntry } from '../../shared/models/fitness';
import { taskDocument, type TaskDocument, type TaskFields } from '../../shared/models/task';
import { FitnessRepository, SUMMARY_QUERY } from '../../shared/repositories/fitnessRepository';
import { ProjectRepository } from '../../shared/repositories/projectRepository';
import type { SortOrder } from '../../shared/repositories/queryFilters';
import { TASK_SORTS, TaskRepository, type TaskListFilter } from '../../shared/repositories/taskRepository';
import type { Page } from '../../shared/repositories/userItemRepository';
import { appErrorOf } from '../helpers/appErrorOf';
import { cosmosCompare, orderedLikeCosmos } from '../helpers/cosmosOrder';

/** What a store under test cannot do; each gap narrows a test, whose name then says so. */
export interface RepositoryGaps {
  /** A composite index also serves the exact reverse of its order (Cosmos DB does; the test server does not). */
  reverseCompositeIndex: boolean;
  /** Batch is all or nothing (the test server applies operations one by one). */
  atomicBatch: boolean;
  /** A query given a partition key sees only that partition (the test server ignores the key). */
  partitionScopedQuery: boolean;
}

const gapName = (ok: boolean, name: string, gap: string): string => (ok ? name : `${name} — GAP: ${gap}`);

function expectError(error: AppError, status: number, code: string): void {
  expect({ status: error.status, code: error.code }).toEqual({ status, code });
}

/** A store whose next replace lets another writer in first: the race update() must survive. */
function withInterloper(store: DocumentStore, interlope: () => Promise<void>): DocumentStore {
  let pending = true;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'replace') {
        return async (container: string, document: DocumentBody, options?: WriteOptions) => {
          if (pending) {
            pending = false;
            await interlope();
          }
          return target.replace(container, document, options);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Every item of a listing, page by page. */
async function allPages<T>(fetch: (token: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    items.push(...page.items);
    token = page.continuationToken ?? undefined;
  } while (token);
  return items;
}

const fields = (overrides: Partial<TaskFields> = {}): TaskFields => ({
  title: 'A task',
  status: 'todo',
  priority: 3,
  tags: [],
  ...overrides,
});

/** The repository suite on one adapter. */
export function describeRepositories(
  label: string,
  gaps: RepositoryGaps,
  open: () => Promise<DocumentStore>,
  close: (store: DocumentStore) => Promise<void>,
): void {
  describe(`repositories on ${label}`, () => {
    let store: DocumentStore;
    let user: string;
    let tasks: TaskRepository;
    let fitness: FitnessRepository;
    let projects: ProjectRepository;

    beforeAll(async () => {
      store = await open();
      await store.initialize();
      tasks = new TaskRepository(store);
      fitness = new FitnessRepository(store);
      projects = new ProjectRepository(store);
    });
    afterAll(async () => close(store));
    beforeEach(() => {
      user = `user-${randomUUID()}`;
    });

    const now = () => new Date().toISOString();
    const newTask = (overrides: Partial<TaskFields> = {}, id: string = randomUUID(), owner = user) =>
      tasks.create(taskDocument({ id, userId: owner, createdAt: now() }, fields(overrides), now()));
    const newEntry = (overrides: Partial<FitnessEntry> = {}, owner = user) =>
      fitness.create({
        id: randomUUID(),
        userId: owner,
        type: 'run',
        date: '2026-01-01',
        durationMinutes: 30,
        createdAt: now(),
        updatedAt: now(),
        ...overrides,
      });

    describe('TaskRepository', () => {
      test('create stores dueDate null when absent; get and find read it back; a duplicate id is 409', async () => {
        const created = await newTask({ title: 'First' }, 'task-1');
        expect(created).toMatchObject({ id: 'task-1', userId: user, title: 'First', dueDate: null });
        expect(typeof created._etag).toBe('string');
        expect(await tasks.get(user, 'task-1')).toEqual(created);
        expect(await tasks.find(user, 'task-1')).toEqual(created);
        expectError(await appErrorOf(newTask({ title: 'Again' }, 'task-1')), 409, 'CONFLICT');
        expect((await tasks.get(user, 'task-1')).title).toBe('First');
      });

      test("another user's task is not found: find is undefined, get/update/delete are 404", async () => {
        await newTask({}, 'private');
        const other = `${user}-other`;
        expect(await tasks.find(other, 'private')).toBeUndefined();
        expectError(await appErrorOf(tasks.get(other, 'private')), 404, 'NOT_FOUND');
        expectError(await appErrorOf(tasks.update(other, 'private', (c) => c)), 404, 'NOT_FOUND');
        expectError(await appErrorOf(tasks.delete(other, 'private')), 404, 'NOT_FOUND');
        expect(await tasks.find(user, 'private')).toBeDefined();
      });

      test('update applies the change to the current version; a stale ifMatch is 412 and changes nothing', async () => {
        const created = await newTask({}, 'versioned');
        const updated = await tasks.update(
          user,
          'versioned',
          (current) => ({ ...current, title: 'v2' }),
          created._etag,
        );
        expect(updated.title).toBe('v2');
        expect(updated._etag).not.toBe(created._etag);
        const stale = await appErrorOf(
          tasks.update(user, 'versioned', (current) => ({ ...current, title: 'v3' }), created._etag),
        );
        expectError(stale, 412, 'PRECONDITION_FAILED');
        expect((await tasks.get(user, 'versioned')).title).toBe('v2');
        expectError(await appErrorOf(tasks.update(user, 'missing', (c) => c)), 404, 'NOT_FOUND');
      });

      test('update without ifMatch retries on the newer version when another writer got in between', async () => {
        await newTask({ tags: [] }, 'raced');
        const racing = new TaskRepository(
          withInterloper(store, async () => {
            const current = await tasks.get(user, 'raced');
            await store.replace('tasks', { ...current, notes: 'interloper' });
          }),
        );
        const seen: (string | undefined)[] = [];
        const updated = await racing.update(user, 'raced', (current) => {
          seen.push(current.notes);
          return { ...current, tags: ['mine'] };
        });
        // The first attempt saw the old version and lost the race (412 inside); the retry saw the new one.
        expect(seen).toEqual([undefined, 'interloper']);
        expect(updated).toMatchObject({ notes: 'interloper', tags: ['mine'] });
        expect(await tasks.get(user, 'raced')).toMatchObject({ notes: 'interloper', tags: ['mine'] });
      });

      test('update with ifMatch never retries: a writer in between makes it 412 and only theirs lands', async () => {
        const created = await newTask({}, 'raced-etag');
        const racing = new TaskRepository(
          withInterloper(store, async () => {
            await store.replace('tasks', { ...created, notes: 'interloper' });
          }),
        );
        let calls = 0;
        const error = await appErrorOf(
          racing.update(
            user,
            'raced-etag',
            (current) => {
              calls += 1;
              return { ...current, title: 'mine' };
            },
            created._etag,
          ),
        );
        expectError(error, 412, 'PRECONDITION_FAILED');
        expect(calls).toBe(1);
        expect(await tasks.get(user, 'raced-etag')).toMatchObject({ notes: 'interloper', title: 'A task' });
      });

      test('delete honours ifMatch (412 keeps the task); a second delete is 404', async () => {
        const created = await newTask({}, 'doomed');
        const changed = await tasks.update(user, 'doomed', (c) => ({ ...c, title: 'changed' }));
        expectError(
          await appErrorOf(tasks.delete(user, 'doomed', created._etag)),
          412,
          'PRECONDITION_FAILED',
        );
        expect(await tasks.find(user, 'doomed')).toBeDefined();
        await tasks.delete(user, 'doomed', changed._etag);
        expect(await tasks.find(user, 'doomed')).toBeUndefined();
        expectError(await appErrorOf(tasks.delete(user, 'doomed')), 404, 'NOT_FOUND');
      });

      describe('list: filters x sorts x orders, across pages', () => {
        let owner: string;
        let seeded: StoredDocument<TaskDocument>[];

        beforeAll(async () => {
          owner = `lister-${randomUUID()}`;
          const dueDates = [undefined, '2026-01-10', '2026-01-20', undefined, '2026-01-10'];
          seeded = [];
          for (let i = 0; i < 15; i++) {
            seeded.push(
              await newTask(
                {
                  status: (['todo', 'in_progress', 'done'] as const)[i % 3],
                  priority: (i % 5) + 1,
                  dueDate: dueDates[i % dueDates.length],
                  projectId: i % 2 === 0 ? 'p-even' : undefined,
                },
                `t-${String((i * 4) % 15).padStart(2, '0')}`,
                owner,
              ),
            );
          }
          // Someone else's task matching every filter must never appear (the test server ignores the
          // partition key of a query; the repository's userId filter is what keeps it out there).
          await newTask(
            { status: 'todo', priority: 1, dueDate: '2026-01-01', projectId: 'p-even' },
            't-00',
            `${owner}-other`,
          );
        });

        const filters: TaskListFilter[] = [
          {},
          { status: 'todo' },
          { projectId: 'p-even' },
          { priority: 1 },
          { dueBefore: '2026-01-20' },
          { status: 'done', projectId: 'p-even', dueBefore: '2030-01-01' },
        ];
        const matches = (task: TaskDocument, filter: TaskListFilter) =>
          (filter.status === undefined || task.status === filter.status) &&
          (filter.projectId === undefined || task.projectId === filter.projectId) &&
          (filter.priority === undefined || task.priority === filter.priority) &&
          (filter.dueBefore === undefined ||
            (typeof task.dueDate === 'string' && cosmosCompare(task.dueDate, filter.dueBefore) < 0));

        for (const order of ['asc', 'desc'] as const) {
          const served = order === 'asc' || gaps.reverseCompositeIndex;
          test(
            gapName(
              served,
              `${order}: every filter x sort returns exactly the expected tasks in a stable order`,
              'the test server serves a composite index only in its declared order, not the exact reverse; asserts the 400',
            ),
            async () => {
              for (const by of TASK_SORTS) {
                for (const filter of filters) {
                  const listing = allPages((token) => tasks.list(owner, filter, { by, order }, 4, token));
                  if (!served) {
                    expect((await appErrorOf(listing)).status).toBe(400);
                    continue;
                  }
                  const want = orderedLikeCosmos(
                    seeded.filter((t) => matches(t, filter)),
                    by,
                    order,
                  ).map((t) => t.id);
                  expect({ by, filter, ids: (await listing).map((t) => t.id) }).toEqual({
                    by,
                    filter,
                    ids: want,
                  });
                }
              }
            },
          );
        }

        test('undated tasks (dueDate null) are listed by a dueDate sort, first ascending, and never match dueBefore', async () => {
          const ascending = await allPages((token) =>
            tasks.list(owner, {}, { by: 'dueDate', order: 'asc' }, 5, token),
          );
          expect(ascending).toHaveLength(seeded.length);
          const undated = seeded.filter((t) => t.dueDate === null).length;
          expect(undated).toBeGreaterThan(0);
          expect(ascending.slice(0, undated).every((t) => t.dueDate === null)).toBe(true);
          const due = await allPages((token) =>
            tasks.list(owner, { dueBefore: '2100-01-01' }, { by: 'dueDate', order: 'asc' }, 5, token),
          );
          expect(due.every((t) => t.dueDate !== null)).toBe(true);
          expect(due).toHaveLength(seeded.length - undated);
        });
      });

      test(
        gapName(
          gaps.atomicBatch,
          'ids lists the matching ids of the user only; deleteMany deletes them in batches of 100, skipping ids already gone',
          'batch is not atomic; the deleted count is not asserted, only that everything is gone',
        ),
        async () => {
          const other = `${user}-other`;
          for (let i = 0; i < 105; i++) await newTask({ projectId: 'bulk' }, `bulk-${i}`);
          await newTask({ projectId: 'kept' }, 'kept');
          await newTask({ projectId: 'bulk' }, 'bulk-0', other);
          const ids = await tasks.ids(user, ['c.projectId = @p'], [{ name: '@p', value: 'bulk' }]);
          expect([...ids].sort()).toEqual(Array.from({ length: 105 }, (_, i) => `bulk-${i}`).sort());
          // One id goes before the batch runs: its batch fails (404) and falls back to one delete per id.
          await tasks.delete(user, ids[3]);
          const deleted = await tasks.deleteMany(user, ids);
          if (gaps.atomicBatch) expect(deleted).toBe(104);
          else expect(deleted).toBeLessThanOrEqual(104);
          expect(await tasks.ids(user)).toEqual(['kept']);
          expect(await tasks.find(other, 'bulk-0')).toBeDefined();
        },
      );
    });

    describe('ProjectRepository.deleteWithTasks', () => {
      const project = (id: string, owner = user) =>
        projects.create({
          id,
          userId: owner,
          name: id,
          archived: false,
          createdAt: now(),
          updatedAt: now(),
        });

      test("deletes the project and its tasks, and nobody else's tasks", async () => {
        const other = `${user}-other`;
        await project('home');
        await project('work');
        await project('home', other);
        for (const id of ['h1', 'h2', 'h3']) await newTask({ projectId: 'home' }, id);
        await newTask({ projectId: 'work' }, 'w1');
        await newTask({}, 'loose');
        await newTask({ projectId: 'home' }, 'theirs', other);
        await projects.deleteWithTasks(user, 'home');
        expect(await projects.exists(user, 'home')).toBe(false);
        expect((await tasks.ids(user)).sort()).toEqual(['loose', 'w1']);
        expect(await projects.exists(other, 'home')).toBe(true);
        expect(await tasks.find(other, 'theirs')).toBeDefined();
      });

      test('a stale ifMatch is 412 and deletes nothing; a missing project is 404', async () => {
        const created = await project('guarded');
        await projects.update(user, 'guarded', (c) => ({ ...c, name: 'renamed' }));
        await newTask({ projectId: 'guarded' }, 'g1');
        const error = await appErrorOf(projects.deleteWithTasks(user, 'guarded', created._etag));
        expectError(error, 412, 'PRECONDITION_FAILED');
        expect(await projects.exists(user, 'guarded')).toBe(true);
        expect(await tasks.find(user, 'g1')).toBeDefined();
        expectError(await appErrorOf(projects.deleteWithTasks(user, 'nope')), 404, 'NOT_FOUND');
      });
    });

    describe('FitnessRepository', () => {
      test('create, get, update (ifMatch), delete; a duplicate id is 409; another user gets 404', async () => {
        const created = await newEntry({ id: 'entry', calories: 100 });
        expectError(await appErrorOf(newEntry({ id: 'entry' })), 409, 'CONFLICT');
        expect(await fitness.get(user, 'entry')).toEqual(created);
        expectError(await appErrorOf(fitness.get(`${user}-x`, 'entry')), 404, 'NOT_FOUND');
        const updated = await fitness.update(
          user,
          'entry',
          (c) => ({ ...c, durationMinutes: 45 }),
          created._etag,
        );
        expect(updated.durationMinutes).toBe(45);
        expectError(
          await appErrorOf(fitness.update(user, 'entry', (c) => c, created._etag)),
          412,
          'PRECONDITION_FAILED',
        );
        expectError(
          await appErrorOf(fitness.delete(user, 'entry', created._etag)),
          412,
          'PRECONDITION_FAILED',
        );
        await fitness.delete(user, 'entry', updated._etag);
        expect(await fitness.find(user, 'entry')).toBeUndefined();
      });

      for (const order of ['asc', 'desc'] as SortOrder[]) {
        const served = order === 'asc' || gaps.reverseCompositeIndex;
        test(
          gapName(
            served,
            `list ${order}: from/to (inclusive) and type filters, by date then id, across pages`,
            'the test server serves a composite index only in its declared order, not the exact reverse; asserts the 400',
          ),
          async () => {
            const seeded: StoredDocument<FitnessEntry>[] = [];
            for (let i = 0; i < 12; i++) {
              seeded.push(
                await newEntry({
                  id: `f-${String((i * 5) % 12).padStart(2, '0')}`,
                  type: (['run', 'swim', 'yoga'] as const)[Math.floor(i / 2) % 3],
                  date: `2026-02-${String((i % 4) * 5 + 1).padStart(2, '0')}`,
                }),
              );
            }
            await newEntry({ id: 'f-00', date: '2026-02-06' }, `${user}-other`);
            for (const filter of [
              {},
              { from: '2026-02-06' },
              { to: '2026-02-06' },
              { from: '2026-02-06', to: '2026-02-11', type: 'swim' as const },
              { type: 'yoga' as const },
            ]) {
              const listing = allPages((token) => fitness.list(user, filter, order, 5, token));
              if (!served) {
                expect((await appErrorOf(listing)).status).toBe(400);
                continue;
              }
              const want = orderedLikeCosmos(
                seeded.filter(
                  (e) =>
                    (filter.from === undefined || e.date >= filter.from) &&
                    (filter.to === undefined || e.date <= filter.to) &&
                    (!('type' in filter) || e.type === filter.type),
                ),
                'date',
                order,
              ).map((e) => e.id);
              expect({ filter, ids: (await listing).map((e) => e.id) }).toEqual({ filter, ids: want });
            }
          },
        );
      }

      test('summary: per type over an inclusive range, only types with entries, missing calories count 0', async () => {
        for (const entry of [
          { type: 'run', date: '2026-04-01', durationMinutes: 30, calories: 300 },
          { type: 'run', date: '2026-04-15', durationMinutes: 45 },
          { type: 'run', date: '2026-04-30', durationMinutes: 25, calories: 250.5 },
          { type: 'yoga', date: '2026-04-10', durationMinutes: 60, calories: 120 },
          { type: 'swim', date: '2026-03-31', durationMinutes: 40, calories: 400 },
          { type: 'swim', date: '2026-05-01', durationMinutes: 40, calories: 400 },
          { type: 'other', date: '2026-04-20', durationMinutes: 5, calories: 0 },
        ] as const)
          await newEntry(entry);
        await newEntry(
          { type: 'run', date: '2026-04-02', durationMinutes: 999, calories: 999 },
          `${user}-other`,
        );
        expect(await fitness.summary(user, '2026-04-01', '2026-04-30')).toEqual([
          { type: 'run', count: 3, totalDurationMinutes: 100, totalCalories: 550.5 },
          { type: 'yoga', count: 1, totalDurationMinutes: 60, totalCalories: 120 },
          { type: 'other', count: 1, totalDurationMinutes: 5, totalCalories: 0 },
        ]);
        expect(await fitness.summary(user, '2026-04-15', '2026-04-15')).toEqual([
          { type: 'run', count: 1, totalDurationMinutes: 45, totalCalories: 0 },
        ]);
        expect(await fitness.summary(user, '2020-01-01', '2020-12-31')).toEqual([]);
      });

      test('the summary query itself: one row of numbers per type, zeros for a type without entries', async () => {
        await newEntry({ type: 'walk', date: '2026-06-01', durationMinutes: 20, calories: 80 });
        await newEntry({ type: 'walk', date: '2026-06-02', durationMinutes: 10 });
        const rows = async (type: string) =>
          (
            await store.query(
              'fitness',
              {
                query: SUMMARY_QUERY,
                parameters: [
                  { name: '@userId', value: user },
                  { name: '@type', value: type },
                  { name: '@from', value: '2026-06-01' },
                  { name: '@to', value: '2026-06-30' },
                ],
              },
              { partitionKey: user },
            )
          ).items;
        expect(await rows('walk')).toEqual([{ entries: 2, minutes: 30, calories: 80 }]);
        expect(await rows('swim')).toEqual([{ entries: 0, minutes: 0, calories: 0 }]);
      });
    });

    test(
      gapName(
        gaps.partitionScopedQuery,
        "another user's items never appear in a list, ids or a summary",
        "the server ignores a query's partition key: the userId condition every repository query carries is what keeps them out",
      ),
      async () => {
        const other = `${user}-other`;
        await newTask({ status: 'todo', dueDate: '2026-01-01' }, 'mine');
        await newTask({ status: 'todo', dueDate: '2026-01-01' }, 'theirs', other);
        await newEntry({ id: 'mine', date: '2026-01-01', calories: 10 });
        await newEntry({ id: 'theirs', date: '2026-01-01', calories: 20 }, other);
        const listed = await tasks.list(
          user,
          { status: 'todo' },
          { by: 'dueDate', order: 'asc' },
          10,
          undefined,
        );
        expect(listed.items.map((t) => t.id)).toEqual(['mine']);
        expect(await tasks.ids(user)).toEqual(['mine']);
        const entries = await fitness.list(user, { from: '2026-01-01' }, 'asc', 10, undefined);
        expect(entries.items.map((e) => e.id)).toEqual(['mine']);
        expect(await fitness.summary(user, '2026-01-01', '2026-01-01')).toEqual([
          { type: 'run', count: 1, totalDurationMinutes: 30, totalCalories: 10 },
        ]);
      },
    );
  });
}
