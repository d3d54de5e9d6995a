// Every list query shape the API can issue runs on the local store, whose engine enforces the composite
// indexes of infra/containers.json the way Cosmos DB does (an ORDER BY no index serves is a 400
// COMPOSITE_INDEX_MISSING). The shapes are generated from the routes' own query schemas: every subset of
// filters x every sort x every order (each also left to its default), so a filter or sort added later is
// covered without editing this file, and one added without a sample value here fails the test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { FitnessListQuery } from '../../functions/fitness';
import { ProjectListQuery } from '../../functions/projects';
import { TaskListQuery } from '../../functions/tasks';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { appErrorOf } from '../helpers/appErrorOf';
import { startApi, type ApiClient, type ApiUnderTest } from './apiHarness';

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api.close());

const user = () => api.as('list-queries');

// Query parameters that page or order a list rather than filter it.
const NOT_FILTERS = new Set(['sort', 'order', 'limit', 'continuationToken']);

interface ListRoute {
  path: string;
  query: z.ZodObject;
  /** A value for every filter; the seed data matches all of them at once, twice. */
  samples: Record<string, string>;
  seed(client: ApiClient): Promise<void>;
}

const routes: ListRoute[] = [
  {
    path: 'projects',
    query: ProjectListQuery,
    samples: { archived: 'false' },
    seed: async (client) => {
      // lq-project is the one the tasks name, so projects come first (routes are seeded in order).
      for (const id of ['lq-project', 'lq-project-2'])
        expect((await client.post('projects', { id, name: id })).status).toBe(201);
    },
  },
  {
    path: 'tasks',
    query: TaskListQuery,
    samples: { status: 'todo', projectId: 'lq-project', priority: '2', dueBefore: '2027-01-01' },
    seed: async (client) => {
      for (const id of ['lq-t1', 'lq-t2']) {
        const body = {
          id,
          title: id,
          status: 'todo',
          priority: 2,
          dueDate: '2026-01-01',
          projectId: 'lq-project',
        };
        expect((await client.post('tasks', body)).status).toBe(201);
      }
    },
  },
  {
    path: 'fitness',
    query: FitnessListQuery,
    samples: { from: '2026-01-01', to: '2026-01-31', type: 'run' },
    seed: async (client) => {
      for (const id of ['lq-f1', 'lq-f2']) {
        const body = { id, type: 'run', date: '2026-01-15', durationMinutes: 30, calories: 100 };
        expect((await client.post('fitness', body)).status).toBe(201);
      }
    },
  },
];

/** The values of an enum parameter, through .optional() and .default(). */
function enumValues(schema: z.ZodType): string[] {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
    current = current.unwrap() as z.ZodType;
  }
  if (!(current instanceof z.ZodEnum)) throw new Error('expected an enum parameter');
  return current.options.map(String);
}

function subsets<T>(items: T[]): T[][] {
  return items.reduce<T[][]>((all, item) => [...all, ...all.map((subset) => [...subset, item])], [[]]);
}

/** Every query string the route's schema allows, one per list query shape (plus the defaulted forms). */
function queryShapes(route: ListRoute): URLSearchParams[] {
  const shape = route.query.shape as Record<string, z.ZodType>;
  const filters = Object.keys(shape).filter((name) => !NOT_FILTERS.has(name));
  const sorts = 'sort' in shape ? [undefined, ...enumValues(shape.sort)] : [undefined];
  const orders = 'order' in shape ? [undefined, ...enumValues(shape.order)] : [undefined];
  const shapes: URLSearchParams[] = [];
  for (const chosen of subsets(filters))
    for (const sort of sorts)
      for (const order of orders) {
        const params = new URLSearchParams({ limit: '1' });
        for (const name of chosen) params.set(name, route.samples[name]);
        if (sort) params.set('sort', sort);
        if (order) params.set('order', order);
        shapes.push(params);
      }
  return shapes;
}

beforeAll(async () => {
  for (const route of routes) await route.seed(user());
});

describe.each(routes)(
  'GET /api/$path: every list query shape runs with the composite indexes enforced',
  (route) => {
    test('every filter of the schema has a sample value (so the shapes below cover it)', () => {
      const filters = Object.keys(route.query.shape).filter((name) => !NOT_FILTERS.has(name));
      expect(Object.keys(route.samples).sort()).toEqual(filters.sort());
    });

    test('each shape answers 200 with the first page, and its continuation token resumes to the second', async () => {
      const shapes = queryShapes(route);
      const failures: string[] = [];
      for (const params of shapes) {
        const first = await user().get(`${route.path}?${params.toString()}`);
        const token = first.body.continuationToken;
        if (
          first.status !== 200 ||
          (first.body.items as unknown[]).length !== 1 ||
          typeof token !== 'string'
        ) {
          failures.push(`${params.toString()}: ${first.status} ${first.text}`);
          continue;
        }
        params.set('continuationToken', token);
        const second = await user().get(`${route.path}?${params.toString()}`);
        if (
          second.status !== 200 ||
          (second.body.items as unknown[]).length !== 1 ||
          second.body.continuationToken
        )
          failures.push(`${params.toString()} (page 2): ${second.status} ${second.text}`);
      }
      expect(failures).toEqual([]);
      // 2^filters x (sorts + default) x (orders + default).
      const shape = route.query.shape as Record<string, z.ZodType>;
      const filters = Object.keys(route.samples).length;
      const sorts = 'sort' in shape ? enumValues(shape.sort).length + 1 : 1;
      const orders = 'order' in shape ? enumValues(shape.order).length + 1 : 1;
      expect(shapes).toHaveLength(2 ** filters * sorts * orders);
    });
  },
);

describe('GET /api/fitness/summary: the per-type aggregate queries run', () => {
  test('with the default range, an explicit range and a range with entries, all 200 with the right count', async () => {
    expect((await user().get('fitness/summary')).status).toBe(200);
    expect((await user().get('fitness/summary?from=2020-01-01&to=2020-01-01')).body.types).toEqual([]);
    const seeded = await user().get('fitness/summary?from=2026-01-01&to=2026-01-31');
    expect(seeded.status).toBe(200);
    expect(seeded.body.types).toEqual([
      { type: 'run', count: 2, totalDurationMinutes: 60, totalCalories: 200 },
    ]);
  });
});

describe('the enforcement is real', () => {
  test('the local store refuses an ORDER BY that no composite index in infra/containers.json serves', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-list-queries-'));
    const store = new LocalDocumentStore({ dataDir, sync: 'normal' });
    try {
      await store.initialize();
      const unindexed = await appErrorOf(
        store.query(
          'tasks',
          {
            query: 'SELECT * FROM c WHERE c.userId = @u ORDER BY c.title ASC, c.id ASC',
            parameters: [{ name: '@u', value: 'u' }],
          },
          { partitionKey: 'u' },
        ),
      );
      expect({ status: unindexed.status, code: unindexed.code }).toEqual({
        status: 400,
        code: 'COMPOSITE_INDEX_MISSING',
      });
      // Mixed directions are not the index's order nor its exact reverse, so they are refused as well.
      const mixed = await appErrorOf(
        store.query(
          'tasks',
          {
            query: 'SELECT * FROM c WHERE c.userId = @u ORDER BY c.dueDate ASC, c.id DESC',
            parameters: [{ name: '@u', value: 'u' }],
          },
          { partitionKey: 'u' },
        ),
      );
      expect(mixed.code).toBe('COMPOSITE_INDEX_MISSING');
    } finally {
      await store.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
