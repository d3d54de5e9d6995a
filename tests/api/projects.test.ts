import { itemsOf, startApi, type ApiUnderTest } from './apiHarness';

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api.close());

const alice = () => api.as('alice');
const bob = () => api.as('bob');

describe('/api/projects', () => {
  test('create returns 201 with Location, ETag and the project; server owns userId and timestamps', async () => {
    const response = await alice().post('projects', {
      name: 'Garden',
      color: '#22aa44',
      userId: 'mallory',
      createdAt: '1999-01-01T00:00:00.000Z',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'Garden',
      color: '#22aa44',
      archived: false,
      userId: 'alice',
    });
    expect(response.body.createdAt).not.toBe('1999-01-01T00:00:00.000Z');
    expect(response.headers.get('location')).toBe(`/api/projects/${String(response.body.id)}`);
    expect(response.headers.get('etag')).toMatch(/^".+"$/);
    expect(Object.keys(response.body).some((k) => k.startsWith('_'))).toBe(false);
  });

  test('a client-supplied id makes create safe to retry: the second create is 409 and changes nothing', async () => {
    const first = await alice().post('projects', { id: 'proj-retry', name: 'Retry' });
    expect(first.status).toBe(201);
    const second = await alice().post('projects', { id: 'proj-retry', name: 'Other name' });
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toBe('application/problem+json');
    expect(second.body).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await alice().get('projects/proj-retry')).body.name).toBe('Retry');
  });

  test('read returns the ETag; PUT and PATCH honour If-Match (412 on a stale one)', async () => {
    const created = await alice().post('projects', { name: 'Versioned', description: 'v1' });
    const id = String(created.body.id);
    const etag = String(created.headers.get('etag'));
    const read = await alice().get(`projects/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe(etag);

    const put = await alice().put(
      `projects/${id}`,
      { name: 'Versioned 2', archived: false },
      { 'if-match': etag },
    );
    expect(put.status).toBe(200);
    expect(put.body.description).toBeUndefined(); // PUT replaces: the left-out optional field is gone
    const stale = await alice().patch(`projects/${id}`, { name: 'Stale' }, { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
    const patched = await alice().patch(
      `projects/${id}`,
      { archived: true, color: '#000000' },
      { 'if-match': String(put.headers.get('etag')) },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Versioned 2', archived: true, color: '#000000' });
    const removed = await alice().patch(`projects/${id}`, { color: null });
    expect(removed.body.color).toBeUndefined();
  });

  test('validation errors are 400 with one entry per field, and nothing is written', async () => {
    const response = await alice().post('projects', { name: '', color: 'red', extra: 1 });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    const fields = (response.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['color', 'extra', 'name']);
    const nulled = await alice().post('projects', { id: 'p-null', name: 'x' });
    expect(nulled.status).toBe(201);
    const bad = await alice().patch('projects/p-null', { name: null });
    expect(bad.status).toBe(400);
    expect((await alice().get('projects/p-null')).body.name).toBe('x');
  });

  test("another user's project is 404 on every item route, and their list does not show it", async () => {
    const mine = await alice().post('projects', { name: 'Private' });
    const id = String(mine.body.id);
    expect((await bob().get(`projects/${id}`)).status).toBe(404);
    expect((await bob().put(`projects/${id}`, { name: 'x', archived: false })).status).toBe(404);
    expect((await bob().patch(`projects/${id}`, { name: 'x' })).status).toBe(404);
    expect((await bob().delete(`projects/${id}`)).status).toBe(404);
    expect(itemsOf(await bob().get('projects')).map((p) => p.id)).not.toContain(id);
    expect((await alice().get(`projects/${id}`)).body.name).toBe('Private');
  });

  test('lists page with continuation tokens in a stable order', async () => {
    const carol = api.as('carol');
    for (let i = 0; i < 7; i++) await carol.post('projects', { id: `c-${i}`, name: `Project ${6 - i}` });
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const query: string = `projects?sort=name&limit=3${token ? `&continuationToken=${token}` : ''}`;
      const page = await carol.get(query);
      expect(page.status).toBe(200);
      seen.push(...itemsOf(page).map((p) => String(p.name)));
      token = page.body.continuationToken as string | null;
    } while (token);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `Project ${i}`));
    expect((await carol.get('projects?limit=0')).status).toBe(400);
    expect((await carol.get('projects?limit=101')).status).toBe(400);
    expect((await carol.get('projects?continuationToken=forged')).body.code).toBe(
      'INVALID_CONTINUATION_TOKEN',
    );
  });

  test('no identity is 401', async () => {
    const response = await api.anonymous.get('projects');
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHENTICATED');
  });

  test('a body that is not JSON is 400, the wrong Content-Type is 415, over 1 MiB is 413', async () => {
    const notJson = await alice().request('POST', 'projects', {
      raw: '{ nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('INVALID_JSON');
    const wrongType = await alice().request('POST', 'projects', {
      raw: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.status).toBe(415);
    const huge = await alice().request('POST', 'projects', {
      raw: JSON.stringify({ name: 'x', description: 'y'.repeat(1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
  });
});
