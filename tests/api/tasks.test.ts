import { cosmosCompare, orderedLikeCosmos } from '../helpers/cosmosOrder';
import { allPages } from './apiLists';
import { itemsOf, startApi, type ApiClient, type ApiUnderTest, type Body } from './apiHarness';

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api.close());

const alice = () => api.as('alice');
const bob = () => api.as('bob');

/** Every task of a user, for "nothing was written" checks. */
async function tasksOf(client: ApiClient): Promise<Body[]> {
  return (await allPages(client, 'tasks?limit=100')).items;
}

function fieldsOf(body: Body): string[] {
  return (body.errors as { field: string }[]).map((e) => e.field).sort();
}

describe('/api/tasks: create and read', () => {
  test('create returns 201 with Location, ETag and defaults; server owns userId, timestamps and completedAt', async () => {
    const response = await alice().post('tasks', {
      title: 'Water the plants',
      userId: 'mallory',
      createdAt: '1999-01-01T00:00:00.000Z',
      updatedAt: '1999-01-01T00:00:00.000Z',
      completedAt: '1999-01-01T00:00:00.000Z',
      _etag: '"forged"',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      title: 'Water the plants',
      status: 'todo',
      priority: 3,
      tags: [],
      userId: 'alice',
    });
    expect(response.body.createdAt).not.toBe('1999-01-01T00:00:00.000Z');
    expect(response.body.updatedAt).toBe(response.body.createdAt);
    // No due date: the key is absent (stored as null so ORDER BY c.dueDate keeps the task, never shown).
    expect('dueDate' in response.body).toBe(false);
    expect('completedAt' in response.body).toBe(false);
    expect(Object.keys(response.body).some((k) => k.startsWith('_'))).toBe(false);
    expect(response.headers.get('location')).toBe(`/api/tasks/${String(response.body.id)}`);
    expect(response.headers.get('etag')).toMatch(/^".+"$/);

    const read = await alice().get(`tasks/${String(response.body.id)}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(response.body);
    expect(read.headers.get('etag')).toBe(response.headers.get('etag'));
  });

  test('every field round-trips; dueDate is returned as given', async () => {
    const project = await alice().post('projects', { name: 'Home' });
    const body = {
      id: 'task-full',
      title: '  Fix the fence  ',
      notes: 'Buy nails first',
      status: 'in_progress',
      priority: 5,
      dueDate: '2026-03-01',
      tags: ['home', 'diy'],
      projectId: project.body.id,
    };
    const created = await alice().post('tasks', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...body, title: 'Fix the fence' });
    expect((await alice().get('tasks/task-full')).body).toEqual(created.body);
  });

  test('a client-supplied id makes create safe to retry: the second create is 409 and changes nothing', async () => {
    expect((await alice().post('tasks', { id: 'task-retry', title: 'First' })).status).toBe(201);
    const second = await alice().post('tasks', { id: 'task-retry', title: 'Second' });
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toBe('application/problem+json');
    expect(second.body).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await alice().get('tasks/task-retry')).body.title).toBe('First');
    // Ids are per user: bob may use the same id.
    expect((await bob().post('tasks', { id: 'task-retry', title: 'Bob' })).status).toBe(201);
    expect((await alice().get('tasks/task-retry')).body.title).toBe('First');
  });

  test('a missing task is 404 on every item route; an id that cannot name an item is 400', async () => {
    expect((await alice().get('tasks/nope')).status).toBe(404);
    expect(
      (await alice().put('tasks/nope', { title: 'x', status: 'todo', priority: 1, tags: [] })).status,
    ).toBe(404);
    expect((await alice().patch('tasks/nope', { title: 'x' })).status).toBe(404);
    const deleted = await alice().delete('tasks/nope');
    expect(deleted.status).toBe(404);
    expect(deleted.body.code).toBe('NOT_FOUND');
    const bad = await alice().get('tasks/-starts-with-dash');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['id']);
    expect((await tasksOf(alice())).map((t) => t.id)).not.toContain('nope');
  });
});

describe('/api/tasks: validation and rejected requests write nothing', () => {
  test('create: 400 with one entry per failing field', async () => {
    const before = await tasksOf(alice());
    const response = await alice().post('tasks', {
      id: 'bad id',
      title: '   ',
      status: 'later',
      priority: 6,
      dueDate: '2026-02-30',
      tags: ['ok', 'x'.repeat(51), 7],
      projectId: '',
      notes: 'n'.repeat(4001),
      colour: 'red',
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(response.body)).toEqual([
      'colour',
      'dueDate',
      'id',
      'notes',
      'priority',
      'projectId',
      'status',
      'tags.1',
      'tags.2',
      'title',
    ]);
    for (const [field, value] of [
      ['priority', 0],
      ['priority', 2.5],
      ['priority', '3'],
      ['tags', Array.from({ length: 21 }, (_, i) => `t${i}`)],
      ['tags', 'home'],
      ['dueDate', '2026-1-5'],
      ['dueDate', null],
      ['title', undefined],
    ] as const) {
      const rejected = await alice().post('tasks', { title: 'x', [field]: value });
      expect({ field, value, status: rejected.status, fields: fieldsOf(rejected.body) }).toEqual({
        field,
        value,
        status: 400,
        fields: [field],
      });
    }
    expect((await alice().post('tasks', [{ title: 'array' }])).status).toBe(400);
    expect(await tasksOf(alice())).toEqual(before);
  });

  test('PUT and PATCH: 400 per field, a patch cannot null a required field or be empty; nothing changes', async () => {
    const created = await alice().post('tasks', { id: 'task-valid', title: 'Valid', tags: ['a'] });
    const put = await alice().put('tasks/task-valid', { title: 'x', status: 'done' });
    expect(put.status).toBe(400);
    expect(fieldsOf(put.body)).toEqual(['priority', 'tags']);
    const nulled = await alice().patch('tasks/task-valid', { title: null, tags: null, priority: 9 });
    expect(nulled.status).toBe(400);
    expect(fieldsOf(nulled.body)).toEqual(['priority', 'tags', 'title']);
    const empty = await alice().patch('tasks/task-valid', {});
    expect(empty.status).toBe(400);
    const unknown = await alice().patch('tasks/task-valid', { colour: 'red' });
    // The unknown field is named; common.ts's mergePatchOf also reports the patch as changing nothing ("").
    expect(fieldsOf(unknown.body)).toContain('colour');
    // Server-owned fields in a PATCH body are ignored, not applied (and an otherwise empty patch is 400).
    expect((await alice().patch('tasks/task-valid', { completedAt: '2020-01-01T00:00:00Z' })).status).toBe(
      400,
    );
    const after = await alice().get('tasks/task-valid');
    expect(after.body).toEqual(created.body);
    expect(after.headers.get('etag')).toBe(created.headers.get('etag'));
  });

  test('a body that is not JSON is 400, the wrong Content-Type is 415, over 1 MiB is 413, on POST, PUT and PATCH', async () => {
    const created = await alice().post('tasks', { id: 'task-body', title: 'Body' });
    const before = await tasksOf(alice());
    for (const [method, path] of [
      ['POST', 'tasks'],
      ['PUT', 'tasks/task-body'],
      ['PATCH', 'tasks/task-body'],
    ]) {
      const notJson = await alice().request(method, path, {
        raw: '{ "title": ',
        headers: { 'content-type': 'application/json' },
      });
      expect({ method, status: notJson.status, code: notJson.body.code }).toEqual({
        method,
        status: 400,
        code: 'INVALID_JSON',
      });
      const wrongType = await alice().request(method, path, {
        raw: 'title=x',
        headers: { 'content-type': 'text/plain' },
      });
      expect({ method, status: wrongType.status }).toEqual({ method, status: 415 });
      const huge = await alice().request(method, path, {
        raw: JSON.stringify({ title: 'x', notes: 'y'.repeat(1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      expect({ method, status: huge.status, code: huge.body.code }).toEqual({
        method,
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      });
    }
    expect(await tasksOf(alice())).toEqual(before);
    expect((await alice().get('tasks/task-body')).headers.get('etag')).toBe(created.headers.get('etag'));
  });

  test('no identity is 401 on every task route', async () => {
    const calls = [
      api.anonymous.get('tasks'),
      api.anonymous.post('tasks', { title: 'x' }),
      api.anonymous.get('tasks/task-full'),
      api.anonymous.put('tasks/task-full', { title: 'x', status: 'todo', priority: 1, tags: [] }),
      api.anonymous.patch('tasks/task-full', { title: 'x' }),
      api.anonymous.delete('tasks/task-full'),
    ];
    for (const response of await Promise.all(calls)) {
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('UNAUTHENTICATED');
    }
    expect((await alice().get('tasks/task-full')).body.title).toBe('Fix the fence');
  });
});

describe('/api/tasks: projectId must name one of the caller’s projects (422 PROJECT_NOT_FOUND)', () => {
  test('create, PUT and PATCH with an unknown or foreign project are 422 and write nothing', async () => {
    const bobsProject = await bob().post('projects', { name: "Bob's" });
    const mine = await alice().post('projects', { id: 'proj-mine', name: 'Mine' });
    expect(mine.status).toBe(201);
    const task = await alice().post('tasks', {
      id: 'task-proj',
      title: 'In a project',
      projectId: 'proj-mine',
    });
    expect(task.status).toBe(201);
    const before = await tasksOf(alice());

    for (const projectId of ['no-such-project', String(bobsProject.body.id)]) {
      const created = await alice().post('tasks', { id: 'task-orphan', title: 'x', projectId });
      expect(created.status).toBe(422);
      expect(created.body).toMatchObject({ code: 'PROJECT_NOT_FOUND', status: 422 });
      expect(fieldsOf(created.body)).toEqual(['projectId']);
      const put = await alice().put('tasks/task-proj', {
        title: 'x',
        status: 'todo',
        priority: 1,
        tags: [],
        projectId,
      });
      expect(put.status).toBe(422);
      const patch = await alice().patch('tasks/task-proj', { projectId });
      expect(patch.status).toBe(422);
    }
    expect(await tasksOf(alice())).toEqual(before);
    expect((await alice().get('tasks/task-orphan')).status).toBe(404);
  });

  test('an existing project is accepted; PATCH null detaches; PUT without projectId detaches', async () => {
    await alice().post('projects', { id: 'proj-a', name: 'A' });
    await alice().post('projects', { id: 'proj-b', name: 'B' });
    expect(
      (await alice().post('tasks', { id: 'task-move', title: 'Move', projectId: 'proj-a' })).status,
    ).toBe(201);
    const moved = await alice().patch('tasks/task-move', { projectId: 'proj-b' });
    expect(moved.status).toBe(200);
    expect(moved.body.projectId).toBe('proj-b');
    const detached = await alice().patch('tasks/task-move', { projectId: null });
    expect('projectId' in detached.body).toBe(false);
    const reattached = await alice().put('tasks/task-move', {
      title: 'Move',
      status: 'todo',
      priority: 3,
      tags: [],
      projectId: 'proj-a',
    });
    expect(reattached.body.projectId).toBe('proj-a');
    const replaced = await alice().put('tasks/task-move', {
      title: 'Move',
      status: 'todo',
      priority: 3,
      tags: [],
    });
    expect('projectId' in replaced.body).toBe(false);
  });

  test("deleting a project deletes its tasks and nobody else's", async () => {
    const carol = api.as('carol');
    const dave = api.as('dave');
    await carol.post('projects', { id: 'shared-name', name: 'Doomed' });
    await dave.post('projects', { id: 'shared-name', name: "Dave's" });
    for (const id of ['c1', 'c2']) await carol.post('tasks', { id, title: id, projectId: 'shared-name' });
    await carol.post('tasks', { id: 'c-free', title: 'free' });
    await dave.post('tasks', { id: 'd1', title: 'd1', projectId: 'shared-name' });
    expect((await carol.delete('projects/shared-name')).status).toBe(204);
    expect((await tasksOf(carol)).map((t) => t.id)).toEqual(['c-free']);
    expect((await dave.get('tasks/d1')).status).toBe(200);
    expect((await dave.get('projects/shared-name')).status).toBe(200);
  });
});

describe('/api/tasks: completedAt', () => {
  test('set when status becomes done, kept while done, removed when it leaves done, never taken from the body', async () => {
    const created = await alice().post('tasks', {
      id: 'task-done',
      title: 'Done at once',
      status: 'done',
      completedAt: '2000-01-01T00:00:00.000Z',
    });
    const firstCompletion = created.body.completedAt as string;
    expect(firstCompletion).toBe(created.body.createdAt);

    const retitled = await alice().patch('tasks/task-done', { title: 'Still done' });
    expect(retitled.body.completedAt).toBe(firstCompletion);
    const replaced = await alice().put('tasks/task-done', {
      title: 'Still done',
      status: 'done',
      priority: 2,
      tags: [],
    });
    expect(replaced.body.completedAt).toBe(firstCompletion);

    const reopened = await alice().patch('tasks/task-done', { status: 'in_progress' });
    expect('completedAt' in reopened.body).toBe(false);
    expect('completedAt' in (await alice().get('tasks/task-done')).body).toBe(false);

    await new Promise((r) => setTimeout(r, 5));
    const redone = await alice().patch('tasks/task-done', { status: 'done' });
    expect(typeof redone.body.completedAt).toBe('string');
    expect(redone.body.completedAt).toBe(redone.body.updatedAt);
    expect(String(redone.body.completedAt) > firstCompletion).toBe(true);

    const viaPut = await alice().put('tasks/task-done', {
      title: 'x',
      status: 'todo',
      priority: 2,
      tags: [],
    });
    expect('completedAt' in viaPut.body).toBe(false);
  });
});

describe('/api/tasks: If-Match and replace semantics', () => {
  test('PUT, PATCH and DELETE honour If-Match: a stale ETag is 412 and changes nothing', async () => {
    const created = await alice().post('tasks', {
      id: 'task-etag',
      title: 'v1',
      notes: 'keep?',
      dueDate: '2026-05-01',
      tags: ['x'],
    });
    const v1 = String(created.headers.get('etag'));
    const put = await alice().put(
      'tasks/task-etag',
      { title: 'v2', status: 'todo', priority: 4, tags: [] },
      { 'if-match': v1 },
    );
    expect(put.status).toBe(200);
    // PUT replaces the whole task: the optional fields left out are gone.
    expect('notes' in put.body).toBe(false);
    expect('dueDate' in put.body).toBe(false);
    expect(put.body.createdAt).toBe(created.body.createdAt);
    const v2 = String(put.headers.get('etag'));
    expect(v2).not.toBe(v1);

    const stalePut = await alice().put(
      'tasks/task-etag',
      { title: 'stale', status: 'todo', priority: 1, tags: [] },
      { 'if-match': v1 },
    );
    expect(stalePut.status).toBe(412);
    expect(stalePut.body.code).toBe('PRECONDITION_FAILED');
    expect((await alice().patch('tasks/task-etag', { title: 'stale' }, { 'if-match': v1 })).status).toBe(412);
    expect((await alice().delete('tasks/task-etag', { 'if-match': v1 })).status).toBe(412);
    const unchanged = await alice().get('tasks/task-etag');
    expect(unchanged.body).toEqual(put.body);
    expect(unchanged.headers.get('etag')).toBe(v2);

    const patched = await alice().patch(
      'tasks/task-etag',
      { dueDate: '2026-06-01', notes: 'n' },
      { 'if-match': v2 },
    );
    expect(patched.body).toMatchObject({ title: 'v2', priority: 4, dueDate: '2026-06-01', notes: 'n' });
    const cleared = await alice().patch('tasks/task-etag', { dueDate: null }, { 'if-match': '*' });
    expect('dueDate' in cleared.body).toBe(false);
    expect(
      (await alice().delete('tasks/task-etag', { 'if-match': String(cleared.headers.get('etag')) })).status,
    ).toBe(204);
    expect((await alice().get('tasks/task-etag')).status).toBe(404);
  });
});

describe("/api/tasks: another user's task", () => {
  test('is 404 on every item route, stays unchanged, and never shows in their list', async () => {
    const created = await alice().post('tasks', { id: 'task-private', title: 'Private', priority: 5 });
    const etag = String(created.headers.get('etag'));
    const mallory = api.as('mallory');
    await mallory.post('projects', { id: 'm-proj', name: 'M' });
    const attempts = [
      await mallory.get('tasks/task-private'),
      await mallory.put('tasks/task-private', { title: 'Mine', status: 'done', priority: 1, tags: [] }),
      await mallory.put(
        'tasks/task-private',
        { title: 'Mine', status: 'done', priority: 1, tags: [] },
        { 'if-match': etag },
      ),
      await mallory.patch('tasks/task-private', { title: 'Mine' }),
      await mallory.patch('tasks/task-private', { projectId: 'm-proj' }, { 'if-match': etag }),
      await mallory.delete('tasks/task-private'),
      await mallory.delete('tasks/task-private', { 'if-match': etag }),
    ];
    for (const response of attempts) {
      expect({ status: response.status, code: response.body.code }).toEqual({
        status: 404,
        code: 'NOT_FOUND',
      });
    }
    const after = await alice().get('tasks/task-private');
    expect(after.body).toEqual(created.body);
    expect(after.headers.get('etag')).toBe(etag);
    expect(itemsOf(await mallory.get('tasks')).map((t) => t.id)).not.toContain('task-private');
    expect(itemsOf(await mallory.get('tasks?priority=5')).map((t) => t.id)).not.toContain('task-private');
  });
});

describe('/api/tasks: lists', () => {
  const lister = () => api.as('lister');
  let seeded: Body[] = [];

  beforeAll(async () => {
    await lister().post('projects', { id: 'p-work', name: 'Work' });
    await lister().post('projects', { id: 'p-home', name: 'Home' });
    const statuses = ['todo', 'in_progress', 'done'];
    const dueDates = [undefined, '2026-01-10', '2026-01-20', '2026-02-01', undefined, '2026-01-10'];
    // 18 tasks: every status, priority, project (or none) and due date (or none) appears, with ties on
    // every sort key so the id tie-breaker matters.
    for (let i = 0; i < 18; i++) {
      const dueDate = dueDates[i % dueDates.length];
      const projectId = [undefined, 'p-work', 'p-home'][i % 3 === 0 ? 0 : (i % 2) + 1];
      const response = await lister().post('tasks', {
        id: `t-${String((i * 7) % 18).padStart(2, '0')}`,
        title: `Task ${i}`,
        status: statuses[i % 3],
        priority: (i % 5) + 1,
        ...(dueDate ? { dueDate } : {}),
        ...(projectId ? { projectId } : {}),
      });
      expect(response.status).toBe(201);
      seeded.push(response.body);
    }
    seeded = seeded.map((t) => ({ ...t, dueDate: t.dueDate ?? null }));
  });

  const filters: Record<string, string[]> = {
    status: ['todo', 'done'],
    projectId: ['p-work', 'p-home', 'p-none'],
    priority: ['1', '5'],
    dueBefore: ['2026-01-20', '2030-01-01'],
  };

  function expected(query: Record<string, string>, sort: string, order: 'asc' | 'desc'): string[] {
    const matching = seeded.filter(
      (t) =>
        (query.status === undefined || t.status === query.status) &&
        (query.projectId === undefined || t.projectId === query.projectId) &&
        (query.priority === undefined || t.priority === Number(query.priority)) &&
        (query.dueBefore === undefined ||
          (typeof t.dueDate === 'string' && cosmosCompare(t.dueDate, query.dueBefore) < 0)),
    );
    return orderedLikeCosmos(matching, sort, order).map((t) => String(t.id));
  }

  test('every filter value x sort x order returns exactly the expected tasks in a stable order across pages', async () => {
    const defaults: Record<string, 'asc' | 'desc'> = { dueDate: 'asc', priority: 'desc', createdAt: 'desc' };
    const cases: { query: Record<string, string>; sort: string; order?: 'asc' | 'desc' }[] = [];
    for (const sort of ['dueDate', 'priority', 'createdAt']) {
      for (const order of [undefined, 'asc', 'desc'] as const) {
        cases.push({ query: {}, sort, order });
        for (const [name, values] of Object.entries(filters))
          for (const value of values) cases.push({ query: { [name]: value }, sort, order });
        cases.push({ query: { status: 'todo', priority: '1', dueBefore: '2030-01-01' }, sort, order });
        cases.push({ query: { projectId: 'p-work', status: 'done', dueBefore: '2026-01-20' }, sort, order });
      }
    }
    let nonEmpty = 0;
    for (const { query, sort, order } of cases) {
      const params = new URLSearchParams({ ...query, sort, ...(order ? { order } : {}), limit: '4' });
      const { items, pages } = await allPages(lister(), `tasks?${params.toString()}`);
      const want = expected(query, sort, order ?? defaults[sort]);
      expect({ url: params.toString(), ids: items.map((t) => t.id) }).toEqual({
        url: params.toString(),
        ids: want,
      });
      expect(pages).toBe(Math.max(1, Math.ceil(want.length / 4)));
      if (want.length > 0) nonEmpty += 1;
    }
    // The seed data makes most cases non-trivial, so a query that returns nothing cannot pass by accident.
    expect(nonEmpty).toBeGreaterThan(cases.length * 0.75);
  });

  test('dueDate sorting keeps undated tasks (first ascending, last descending); dueBefore leaves them out', async () => {
    const ascending = (await allPages(lister(), 'tasks?sort=dueDate&limit=100')).items;
    expect(ascending).toHaveLength(seeded.length);
    const undated = seeded.filter((t) => t.dueDate === null).length;
    expect(ascending.slice(0, undated).every((t) => !('dueDate' in t))).toBe(true);
    const descending = (await allPages(lister(), 'tasks?sort=dueDate&order=desc&limit=100')).items;
    expect(descending.slice(-undated).every((t) => !('dueDate' in t))).toBe(true);
    const due = (await allPages(lister(), 'tasks?dueBefore=2100-01-01&limit=100')).items;
    expect(due).toHaveLength(seeded.length - undated);
  });

  test('defaults: createdAt newest first, 50 per page', async () => {
    const page = await lister().get('tasks');
    expect(itemsOf(page).map((t) => t.id)).toEqual(expected({}, 'createdAt', 'desc'));
    expect(page.body.continuationToken).toBeNull();
  });

  test('bad query values are 400 per field; a token only resumes its own list', async () => {
    const bad = await lister().get(
      'tasks?status=later&priority=0&dueBefore=2026-13-01&sort=title&order=up&limit=101&projectId=a/b',
    );
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual([
      'dueBefore',
      'limit',
      'order',
      'priority',
      'projectId',
      'sort',
      'status',
    ]);
    for (const query of ['priority=x', 'priority=2.5', 'priority=6', 'limit=0', 'limit=abc']) {
      expect((await lister().get(`tasks?${query}`)).status).toBe(400);
    }
    const first = await lister().get('tasks?sort=priority&limit=2');
    const token = encodeURIComponent(String(first.body.continuationToken));
    expect((await lister().get(`tasks?sort=priority&limit=2&continuationToken=${token}`)).status).toBe(200);
    for (const other of [
      `tasks?sort=dueDate&limit=2&continuationToken=${token}`,
      `tasks?sort=priority&order=asc&limit=2&continuationToken=${token}`,
      `tasks?sort=priority&status=todo&limit=2&continuationToken=${token}`,
      'tasks?continuationToken=forged',
    ]) {
      const response = await lister().get(other);
      expect({ other, status: response.status, code: response.body.code }).toEqual({
        other,
        status: 400,
        code: 'INVALID_CONTINUATION_TOKEN',
      });
    }
    // Another user cannot resume (or peek into) this user's list with its token.
    const stolen = await alice().get(`tasks?sort=priority&limit=2&continuationToken=${token}`);
    expect(stolen.body.code).toBe('INVALID_CONTINUATION_TOKEN');
  });
});
