// `npm run seed` end to end: the built CLI as a child process against a temporary local store, and its read
// workload against the real API (the local runner with the whole function table) on the same store.
import fs from 'node:fs';
import path from 'node:path';
import type { StoredDocument } from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { FITNESS_TYPES, FitnessEntry } from '../../shared/models/fitness';
import { Project } from '../../shared/models/project';
import { Task, taskView, type TaskDocument } from '../../shared/models/task';
import { UserProfile } from '../../shared/models/user';
import type { SeedReport } from '../../tools/seed/seeding';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { killTools, makeTempDir, readAll, removeTempDirs, runTool, userFields } from './toolHarness';

const CONTAINERS = ['users', 'projects', 'tasks', 'fitness'] as const;
const TODAY = '2026-11-01';

function reportOf(stdout: string): SeedReport {
  return JSON.parse(stdout) as SeedReport;
}

/** Every seeded document by container, without system fields, sorted by address. */
async function storeContents(dataDir: string): Promise<Record<string, StoredDocument[]>> {
  const store = new LocalDocumentStore({ dataDir, sync: 'normal' });
  try {
    const contents: Record<string, StoredDocument[]> = {};
    for (const container of CONTAINERS) {
      contents[container] = (await readAll(store, container)).sort((a, b) =>
        `${String(a.userId)}/${a.id}`.localeCompare(`${String(b.userId)}/${b.id}`),
      );
    }
    return contents;
  } finally {
    await store.dispose();
  }
}

const withoutSystemFields = (contents: Record<string, StoredDocument[]>) =>
  Object.fromEntries(Object.entries(contents).map(([name, docs]) => [name, docs.map(userFields)]));

/** The schema's fields; a seeded document may have no field an API-created one could not have. */
const fieldsOf = (schema: { shape: Record<string, unknown> }) => new Set(Object.keys(schema.shape));

describe('npm run seed', () => {
  afterAll(() => {
    killTools();
    removeTempDirs();
  });

  test('writes N users with projects, tasks and 90 days of fitness, every document valid by the API read schemas', async () => {
    const dataDir = makeTempDir('lt-seed-');
    const run = await runTool(
      'seed',
      ['--users', '5', '--seed', '7', '--date', TODAY, '--no-workload', '--json'],
      {
        DATA_DIR: dataDir,
      },
    );
    expect(run.code).toBe(0);
    const report = reportOf(run.stdout);
    const contents = await storeContents(dataDir);

    // Counts: per container, what the report says it wrote is what the store holds.
    for (const container of CONTAINERS) {
      const line = report.containers.find((c) => c.container === container);
      expect(line).toMatchObject({ created: contents[container].length, alreadyPresent: 0, failed: 0 });
    }
    expect(contents.users.map((u) => u.id)).toEqual([1, 2, 3, 4, 5].map((n) => `demo-user-00${n}`));
    expect(contents.projects.length).toBeGreaterThanOrEqual(5 * 3);
    expect(contents.projects.length).toBeLessThanOrEqual(5 * 6);
    expect(contents.tasks.length).toBeGreaterThanOrEqual(5 * 15);
    expect(contents.tasks.length).toBeLessThanOrEqual(5 * 40);
    expect(contents.fitness.length).toBeGreaterThan(5 * 30);

    // Shapes: exactly what the API stores and returns.
    const checks: [
      string,
      { parse(v: unknown): unknown; shape: Record<string, unknown> },
      (d: StoredDocument) => unknown,
    ][] = [
      ['users', UserProfile, (d) => userFields(d)],
      ['projects', Project, (d) => userFields(d)],
      ['tasks', Task, (d) => taskView(d as unknown as TaskDocument)],
      ['fitness', FitnessEntry, (d) => userFields(d)],
    ];
    for (const [container, schema, view] of checks) {
      const allowed = fieldsOf(schema);
      for (const document of contents[container]) {
        expect(() => schema.parse(view(document))).not.toThrow();
        expect(Object.keys(userFields(document)).filter((k) => !allowed.has(k))).toEqual([]);
      }
    }

    // Realistic: tasks in the user's own projects, every status, due dates either side of the day,
    // completedAt exactly on done tasks; fitness of several types over the 90 days before the day.
    const tasks = contents.tasks as unknown as TaskDocument[];
    const projectsOf = (userId: string) =>
      new Set(contents.projects.filter((p) => p.userId === userId).map((p) => p.id));
    for (const task of tasks) {
      if (task.projectId !== undefined) expect(projectsOf(task.userId).has(task.projectId)).toBe(true);
      expect(task.completedAt !== undefined).toBe(task.status === 'done');
    }
    expect(tasks.filter((t) => t.projectId !== undefined).length).toBeGreaterThan(tasks.length / 2);
    expect(new Set(tasks.map((t) => t.status))).toEqual(new Set(['todo', 'in_progress', 'done']));
    expect(tasks.some((t) => t.dueDate !== null && t.dueDate < TODAY)).toBe(true);
    expect(tasks.some((t) => t.dueDate !== null && t.dueDate >= TODAY)).toBe(true);
    expect(tasks.some((t) => t.dueDate === null)).toBe(true);
    expect(tasks.some((t) => t.tags.length > 0)).toBe(true);
    const entries = contents.fitness as unknown as FitnessEntry[];
    expect(new Set(entries.map((e) => e.type)).size).toBeGreaterThanOrEqual(3);
    for (const entry of entries) {
      expect(FITNESS_TYPES).toContain(entry.type);
      expect(entry.date >= '2026-08-03' && entry.date < TODAY).toBe(true);
    }
  }, 60_000);

  test('the same --seed twice writes the same ids once: the second run finds them all present and changes nothing', async () => {
    const dataDir = makeTempDir('lt-seed-twice-');
    const args = ['--users', '4', '--seed', '11', '--date', TODAY, '--no-workload', '--json'];
    const first = await runTool('seed', args, { DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    const before = await storeContents(dataDir);
    const second = await runTool('seed', args, { DATA_DIR: dataDir });
    expect(second.code).toBe(0);
    const again = reportOf(second.stdout);
    expect(again.created).toBe(0);
    expect(again.alreadyPresent).toBe(reportOf(first.stdout).created);
    const after = await storeContents(dataDir);
    // Not rewritten either: same versions (_etag), same contents.
    expect(after).toEqual(before);

    // Deterministic: the same seed and day in another store gives the very same documents.
    const elsewhere = makeTempDir('lt-seed-elsewhere-');
    expect((await runTool('seed', args, { DATA_DIR: elsewhere })).code).toBe(0);
    expect(withoutSystemFields(await storeContents(elsewhere))).toEqual(withoutSystemFields(before));

    // Another seed adds other items to the same demo users.
    const other = await runTool(
      'seed',
      ['--users', '4', '--seed', '12', '--date', TODAY, '--no-workload', '--json'],
      {
        DATA_DIR: dataDir,
      },
    );
    const otherReport = reportOf(other.stdout);
    expect(otherReport.containers.find((c) => c.container === 'users')).toMatchObject({
      created: 0,
      alreadyPresent: 4,
    });
    expect(otherReport.containers.find((c) => c.container === 'tasks')?.alreadyPresent).toBe(0);
  }, 60_000);

  describe('with the app running on the same store', () => {
    let api: ApiUnderTest;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(async () => api.close());

    test('the read workload lists, filters, sorts, pages and reads items as every demo user: all 200', async () => {
      const run = await runTool(
        'seed',
        ['--users', '3', '--seed', '5', '--json', '--api', `${api.url}/api`],
        {
          DATA_DIR: api.dataDir,
        },
      );
      expect(run.code).toBe(0);
      const report = reportOf(run.stdout);
      const workload = report.workload;
      expect(workload).toMatchObject({ ran: true, appBackend: 'local' });
      expect(workload?.note).toBeUndefined();
      expect(workload?.requests).toBeGreaterThanOrEqual(3 * 20);
      expect(workload?.ok).toBe(workload?.requests);
      const routes = new Set(workload?.routes.map((r) => r.route));
      for (const route of [
        'GET /me',
        'GET /tasks?status&sort=dueDate',
        'GET /tasks/{id}',
        'GET /fitness/summary',
      ]) {
        expect(routes).toContain(route);
      }
      // The app serves the seeded data as its own.
      const tasks = await api.as('demo-user-002').get('tasks?limit=100');
      expect(tasks.status).toBe(200);
      const stored = await storeTasksOf(api.dataDir, 'demo-user-002');
      expect(stored.length).toBeGreaterThan(0);
      expect((tasks.body.items as unknown[]).length).toBe(stored.length);
    }, 60_000);

    test('an app that does not answer is a note, not a failure', async () => {
      const dataDir = makeTempDir('lt-seed-noapp-');
      const run = await runTool('seed', ['--users', '1', '--api', 'http://127.0.0.1:9/api'], {
        DATA_DIR: dataDir,
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /Read workload: skipped: the app is not reachable at http:\/\/127\.0\.0\.1:9\/api/,
      );
      expect(fs.existsSync(path.join(dataDir, 'lifetracker.sqlite'))).toBe(true);
    }, 30_000);
  });
});

async function storeTasksOf(dataDir: string, userId: string): Promise<StoredDocument[]> {
  return (await storeContents(dataDir)).tasks.filter((t) => t.userId === userId);
}
