// infra/containers.json is the single source of truth for containers and indexes: the local store enforces
// exactly its composite indexes (an ORDER BY none serves is a 400, as in Cosmos DB), every query the app issues
// runs under them, each composite index is needed by some query, and every container the code names is in it.
// The queries are observed, not listed by hand: the whole API is driven on the local store (every list filter
// subset x sort x order from the routes' own schemas, item routes, bulk, erasure) plus the usage and cost
// report reads, and every store call is captured as it happens.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FitnessListQuery } from '../../functions/fitness';
import { ProjectListQuery } from '../../functions/projects';
import { TaskListQuery } from '../../functions/tasks';
import { listContainers } from '../../shared/data/catalogue';
import { runCosmosSql } from '../../shared/data/local/cosmosSqlEngine';
import { getDocumentStore } from '../../shared/data/storeFactory';
import { isAppError } from '../../shared/errors/appError';
import { REPORTS_CONTAINER } from '../../shared/reports/reportStore';
import { flushActiveUsage } from '../../shared/usage/usageFlusher';
import { readPeriodUsage } from '../../shared/usage/usagePeriod';
import { observeStoreCalls, type UsageEvent } from '../../shared/usage/usageRecorder';
import { startApi, type ApiClient, type ApiUnderTest } from '../api/apiHarness';
import { readBicep } from './bicepSource';

const ROOT = path.join(__dirname, '..', '..');
const catalogueFile = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra', 'containers.json'), 'utf8')) as {
  containers: unknown[];
};
const catalogueNames = listContainers().map((c) => c.name);

// Query parameters that page or order a list rather than filter it.
const NOT_FILTERS = new Set(['sort', 'order', 'limit', 'continuationToken']);

const LISTS: { path: string; query: z.ZodObject; samples: Record<string, string> }[] = [
  { path: 'projects', query: ProjectListQuery, samples: { archived: 'false' } },
  {
    path: 'tasks',
    query: TaskListQuery,
    samples: { status: 'todo', projectId: 'cq-project', priority: '3', dueBefore: '2027-01-01' },
  },
  {
    path: 'fitness',
    query: FitnessListQuery,
    samples: { from: '2026-01-01', to: '2026-12-31', type: 'run' },
  },
];

/** The values of an enum query parameter, through .optional() and .default(). */
function enumValues(schema: z.ZodType): string[] {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault)
    current = current.unwrap() as z.ZodType;
  if (!(current instanceof z.ZodEnum)) throw new Error('expected an enum parameter');
  return current.options.map(String);
}

/** Every query string a list route's schema allows: each filter subset x sort x order (each also defaulted). */
function listQueries(list: (typeof LISTS)[number]): string[] {
  const shape = list.query.shape as Record<string, z.ZodType>;
  const filters = Object.keys(shape).filter((name) => !NOT_FILTERS.has(name));
  const missing = filters.filter((name) => !(name in list.samples));
  if (missing.length) throw new Error(`${list.path}: add a sample value for ${missing.join(', ')}`);
  const subsets = filters.reduce<string[][]>((all, f) => [...all, ...all.map((s) => [...s, f])], [[]]);
  const sorts = 'sort' in shape ? [undefined, ...enumValues(shape.sort)] : [undefined];
  const orders = 'order' in shape ? [undefined, ...enumValues(shape.order)] : [undefined];
  return subsets.flatMap((chosen) =>
    sorts.flatMap((sort) =>
      orders.map((order) => {
        const params = new URLSearchParams({ limit: '2' });
        for (const name of chosen) params.set(name, list.samples[name]);
        if (sort) params.set('sort', sort);
        if (order) params.set('order', order);
        return `${list.path}?${params.toString()}`;
      }),
    ),
  );
}

async function expectStatus(
  promise: Promise<{ status: number; text: string }>,
  status: number,
  what: string,
) {
  const response = await promise;
  expect({ what, status: response.status, body: response.status === status ? '' : response.text }).toEqual({
    what,
    status,
    body: '',
  });
}

/** Drives every route that reaches the store, as one user, and returns the list requests that failed. */
async function driveTheApi(client: ApiClient): Promise<string[]> {
  await expectStatus(client.get('me'), 404, 'GET /me before the profile exists');
  await expectStatus(client.put('me', { displayName: 'Catalogue', timezone: 'UTC' }), 201, 'PUT /me');
  await expectStatus(client.get('me'), 200, 'GET /me');
  await expectStatus(client.post('projects', { id: 'cq-project', name: 'p' }), 201, 'POST /projects');
  await expectStatus(
    client.post('projects', { id: 'cq-other', name: 'q', archived: true }),
    201,
    'POST /projects',
  );
  for (const id of ['cq-t1', 'cq-t2', 'cq-t3']) {
    const task = { id, title: id, projectId: 'cq-project', priority: 3, dueDate: '2026-06-01' };
    await expectStatus(client.post('tasks', task), 201, 'POST /tasks');
  }
  for (const id of ['cq-f1', 'cq-f2', 'cq-f3']) {
    const entry = { id, type: 'run', date: '2026-03-01', durationMinutes: 30, calories: 200 };
    await expectStatus(client.post('fitness', entry), 201, 'POST /fitness');
  }
  const failures: string[] = [];
  for (const query of LISTS.flatMap(listQueries)) {
    const response = await client.get(query);
    if (response.status !== 200) failures.push(`${query}: ${response.status} ${response.text}`);
  }
  await expectStatus(client.get('fitness/summary'), 200, 'GET /fitness/summary');
  await expectStatus(
    client.get('fitness/summary?from=2026-01-01&to=2026-12-31'),
    200,
    'GET /fitness/summary',
  );
  await expectStatus(client.get('tasks/cq-t1'), 200, 'GET /tasks/{id}');
  await expectStatus(client.patch('tasks/cq-t1', { status: 'done' }), 200, 'PATCH /tasks/{id}');
  await expectStatus(
    client.put('fitness/cq-f1', { type: 'walk', date: '2026-03-02', durationMinutes: 20 }),
    200,
    'PUT',
  );
  await expectStatus(client.delete('fitness/cq-f2'), 204, 'DELETE /fitness/{id}');
  await expectStatus(
    client.post('bulk/tasks', { items: [{ title: 'bulk', projectId: 'cq-project' }] }),
    207,
    'bulk',
  );
  await expectStatus(client.post('bulk/projects', { items: [{ name: 'bulk' }] }), 207, 'bulk');
  await expectStatus(
    client.post('bulk/fitness', { items: [{ type: 'yoga', date: '2026-03-03', durationMinutes: 10 }] }),
    207,
    'bulk',
  );
  // The project's tasks go with it: a query for their ids, then batched deletes.
  await expectStatus(client.delete('projects/cq-project'), 204, 'DELETE /projects/{id}');
  // Erasure queries every user-data container for ids, then checks nothing is left.
  await expectStatus(client.delete('me'), 204, 'DELETE /me');
  return failures;
}

describe('infra/containers.json is what the local store enforces, and all the app needs', () => {
  let api: ApiUnderTest;
  const calls: UsageEvent[] = [];
  let stopObserving: () => void = () => undefined;
  let listFailures: string[] = [];

  beforeAll(async () => {
    stopObserving = observeStoreCalls((event) => calls.push(event));
    api = await startApi();
    listFailures = await driveTheApi(api.as('catalogue-user'));
    // What the timers read and write besides the API: the usage flush and the cost report's usage query.
    await flushActiveUsage();
    const today = new Date().toISOString().slice(0, 10);
    await readPeriodUsage(await getDocumentStore(), [today]);
  }, 120_000);

  afterAll(async () => {
    stopObserving();
    await api?.close();
  });

  const queries = () => calls.filter((c) => c.operation === 'query' && c.shape);
  const distinctShapes = () => [
    ...new Map(queries().map((c) => [`${c.container}\u0000${c.shape}`, c])).values(),
  ];

  test('the catalogue the store and the repositories use is infra/containers.json, unchanged', () => {
    expect(listContainers()).toEqual(catalogueFile.containers);
  });

  test('every list query the routes allow answered 200 under the enforced indexes', () => {
    expect(listFailures).toEqual([]);
    expect(LISTS.flatMap(listQueries).length).toBeGreaterThan(200);
  });

  test('no store query failed: every shape the app issued is served by the catalogue', () => {
    expect(distinctShapes().length).toBeGreaterThan(20);
    const failed = queries()
      .filter((c) => c.outcome !== 'ok' && c.outcome !== 'cached')
      .map((c) => `${c.container}: ${c.outcome}: ${c.shape}`);
    expect([...new Set(failed)]).toEqual([]);
  });

  test('each composite index is needed: without it, some query the app issued is refused', () => {
    const run = (shape: string, compositeIndexes: Parameters<typeof runCosmosSql>[2]['compositeIndexes']) => {
      const parameters = [...new Set(shape.match(/@\w+/g) ?? [])].map((name) => ({ name, value: 'x' }));
      try {
        runCosmosSql([], shape, { parameters, compositeIndexes, scope: 'catalogue-test' });
        return 'ok';
      } catch (error) {
        return isAppError(error) ? error.code : String(error);
      }
    };
    let checked = 0;
    for (const container of listContainers()) {
      const indexes = container.indexingPolicy.compositeIndexes ?? [];
      const shapes = distinctShapes()
        .filter((c) => c.container === container.name)
        .map((c) => c.shape!);
      // With the catalogue's indexes every shape runs on the engine itself (not only through the store).
      expect({ container: container.name, refused: shapes.filter((s) => run(s, indexes) !== 'ok') }).toEqual({
        container: container.name,
        refused: [],
      });
      indexes.forEach((index, i) => {
        const without = indexes.filter((_, j) => j !== i);
        const needs = shapes.filter((s) => run(s, without) === 'COMPOSITE_INDEX_MISSING');
        const label = `${container.name} [${index.map((p) => `${p.path} ${p.order}`).join(', ')}]`;
        expect({ index: label, neededBy: needs.length > 0 }).toEqual({ index: label, neededBy: true });
        checked += 1;
      });
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  test('every container the app called is in the catalogue, and every catalogue container was called', () => {
    const called = new Set(calls.map((c) => c.container));
    expect([...called].filter((name) => !catalogueNames.includes(name))).toEqual([]);
    expect(catalogueNames.filter((name) => !called.has(name))).toEqual([]);
  });
});

describe('every container the code names exists', () => {
  // A container name in the code: a repository's container, a *_CONTAINER constant, a `container: '...'`
  // property (bulk routes), or the first argument of a call on a store (`store.query('tasks', ...)`).
  const NAMING = [
    /super\(\s*store,\s*'(\w+)'/g,
    /new UserItemRepository(?:<[^>]*>)?\(\s*store,\s*'(\w+)'/g,
    /\b[A-Z_]*CONTAINER\s*=\s*'(\w+)'/g,
    /\bcontainer:\s*'(\w+)'/g,
    /\b\w*[sS]tore\.(?:read|create|upsert|replace|delete|patch|query|batch|bulk)(?:<[^>]*>)?\(\s*'(\w+)'/g,
  ];

  function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(full);
      return entry.name.endsWith('.ts') ? [full] : [];
    });
  }

  const named = new Map<string, string[]>();
  for (const file of ['shared', 'functions', 'tools'].flatMap((dir) => sourceFiles(path.join(ROOT, dir)))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const pattern of NAMING) {
      for (const match of text.matchAll(pattern)) {
        named.set(match[1], [...(named.get(match[1]) ?? []), path.relative(ROOT, file)]);
      }
    }
  }

  test('the scan finds the containers the repositories and the usage recorder use', () => {
    expect([...named.keys()]).toEqual(
      expect.arrayContaining(['users', 'projects', 'tasks', 'fitness', 'usage']),
    );
  });

  test('each Cosmos DB container named in shared/, functions/ or tools/ is in infra/containers.json', () => {
    const unknown = [...named]
      .filter(([name]) => name !== REPORTS_CONTAINER && !catalogueNames.includes(name))
      .map(([name, files]) => `${name} (${[...new Set(files)].join(', ')})`);
    expect(unknown).toEqual([]);
  });

  test('the one blob container the code names, for reports, is the one the templates create', () => {
    expect(named.has(REPORTS_CONTAINER)).toBe(true);
    expect(readBicep('main.bicep').withStrings).toMatch(
      new RegExp(`var reportsContainerName = '${REPORTS_CONTAINER}'`),
    );
  });
});
