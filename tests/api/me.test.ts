// /api/me end to end over real HTTP: the profile (GET, PUT with If-Match) and account erasure (DELETE).
import { itemsOf, startApi, type ApiClient, type ApiUnderTest, type Body } from './apiHarness';

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api.close());

const fieldsOf = (body: Body) => ((body.errors ?? []) as { field: string }[]).map((e) => e.field).sort();

describe('GET and PUT /api/me', () => {
  test('without a profile GET is 404 PROFILE_NOT_FOUND (problem+json); GET never creates one', async () => {
    const dana = api.as('dana');
    const first = await dana.get('me');
    expect(first.status).toBe(404);
    expect(first.headers.get('content-type')).toBe('application/problem+json');
    expect(first.body).toMatchObject({ status: 404, code: 'PROFILE_NOT_FOUND' });
    expect((await dana.get('me')).status).toBe(404);
  });

  test('PUT creates (201, Location, ETag), then replaces (200); server owns id, userId and timestamps', async () => {
    const erin = api.as('erin');
    const created = await erin.put('me', {
      displayName: '  Erin  ',
      email: 'erin@example.com',
      id: 'mallory',
      userId: 'mallory',
      createdAt: '1999-01-01T00:00:00.000Z',
      updatedAt: '1999-01-01T00:00:00.000Z',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/me');
    expect(created.headers.get('etag')).toMatch(/^".+"$/);
    expect(created.body).toMatchObject({
      id: 'erin',
      userId: 'erin',
      displayName: 'Erin',
      email: 'erin@example.com',
      timezone: 'UTC',
    });
    expect(created.body.createdAt).not.toBe('1999-01-01T00:00:00.000Z');
    expect(created.body.createdAt).toBe(created.body.updatedAt);
    expect(Object.keys(created.body).some((k) => k.startsWith('_'))).toBe(false);

    const read = await erin.get('me');
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe(created.headers.get('etag'));
    expect(read.body).toEqual(created.body);

    await new Promise((resolve) => setTimeout(resolve, 5));
    const replaced = await erin.put('me', { displayName: 'Erin B.', timezone: 'Europe/Berlin' });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('location')).toBeNull();
    expect(replaced.headers.get('etag')).not.toBe(created.headers.get('etag'));
    // PUT replaces: the left-out email is gone; createdAt stays, updatedAt moves.
    expect(replaced.body.email).toBeUndefined();
    expect(replaced.body).toMatchObject({ displayName: 'Erin B.', timezone: 'Europe/Berlin' });
    expect(replaced.body.createdAt).toBe(created.body.createdAt);
    expect(String(replaced.body.updatedAt) > String(created.body.updatedAt)).toBe(true);
  });

  test('If-Match: a stale ETag is 412 and changes nothing; the current one (or "*") replaces', async () => {
    const fay = api.as('fay');
    const created = await fay.put('me', { displayName: 'Fay' });
    const etag = String(created.headers.get('etag'));
    const second = await fay.put('me', { displayName: 'Fay 2' }, { 'if-match': etag });
    expect(second.status).toBe(200);
    const stale = await fay.put('me', { displayName: 'Stale' }, { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
    expect((await fay.get('me')).body.displayName).toBe('Fay 2');
    const any = await fay.put('me', { displayName: 'Fay 3' }, { 'if-match': '*' });
    expect(any.status).toBe(200);
  });

  test('If-Match on a profile that does not exist is 412 and creates nothing', async () => {
    const gus = api.as('gus');
    const response = await gus.put('me', { displayName: 'Gus' }, { 'if-match': '"not-a-version"' });
    expect(response.status).toBe(412);
    expect((await gus.get('me')).status).toBe(404);
  });

  test('validation errors are 400 with one entry per field, and nothing is written', async () => {
    const hal = api.as('hal');
    const response = await hal.put('me', {
      displayName: '   ',
      email: 'not-an-email',
      timezone: 'Mars/Olympus_Mons',
      nickname: 'x',
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(response.body)).toEqual(['displayName', 'email', 'nickname', 'timezone']);
    expect((await hal.put('me', {})).body.errors).toEqual([
      expect.objectContaining({ field: 'displayName' }),
    ]);
    expect(fieldsOf((await hal.put('me', { displayName: 'x'.repeat(101) })).body)).toEqual(['displayName']);
    expect((await hal.put('me', [])).status).toBe(400);
    expect((await hal.put('me', null)).status).toBe(400);
    expect((await hal.get('me')).status).toBe(404);
  });

  test.each([
    ['UTC', true],
    ['Europe/Berlin', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Etc/GMT+5', true],
    ['US/Pacific', true],
    ['America/Port-au-Prince', true],
    ['+01:00', false],
    ['Europe/Atlantis', false],
    ['', false],
    ['Europe/../Berlin', false],
  ])('timezone %j accepted: %s', async (timezone, valid) => {
    const response = await api.as('ivy').put('me', { displayName: 'Ivy', timezone });
    if (valid) {
      expect([200, 201]).toContain(response.status);
      expect(response.body.timezone).toBe(timezone);
    } else {
      expect(response.status).toBe(400);
      expect(fieldsOf(response.body)).toEqual(['timezone']);
    }
  });

  test('displayName of 100 characters is fine; a body that is not JSON is 400, wrong type 415, over 1 MiB 413', async () => {
    const jo = api.as('jo');
    expect((await jo.put('me', { displayName: 'x'.repeat(100) })).status).toBe(201);
    const notJson = await jo.request('PUT', 'me', {
      raw: '{ nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('INVALID_JSON');
    const wrongType = await jo.request('PUT', 'me', {
      raw: 'displayName=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await jo.request('PUT', 'me', {
      raw: JSON.stringify({ displayName: 'Huge', email: 'a@b.co', pad: 'y'.repeat(1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
    expect((await jo.get('me')).body.displayName).toBe('x'.repeat(100));
  });

  test('no identity is 401 on every /me method', async () => {
    for (const response of [
      await api.anonymous.get('me'),
      await api.anonymous.put('me', { displayName: 'x' }),
      await api.anonymous.delete('me'),
    ]) {
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('UNAUTHENTICATED');
    }
  });

  test('each user sees only their own profile', async () => {
    await api.as('kim').put('me', { displayName: 'Kim' });
    await api.as('lou').put('me', { displayName: 'Lou' });
    expect((await api.as('kim').get('me')).body).toMatchObject({ userId: 'kim', displayName: 'Kim' });
    expect((await api.as('lou').get('me')).body).toMatchObject({ userId: 'lou', displayName: 'Lou' });
  });
});

/** A profile, two projects, tasks in and out of them, and fitness entries, all with the same ids for every user. */
async function seed(user: ApiClient, name: string): Promise<void> {
  expect((await user.put('me', { displayName: name })).status).toBe(201);
  for (const id of ['p1', 'p2']) expect((await user.post('projects', { id, name: id })).status).toBe(201);
  for (const [id, projectId] of [
    ['t1', 'p1'],
    ['t2', 'p2'],
    ['t3', undefined],
  ]) {
    expect((await user.post('tasks', { id, title: id, projectId })).status).toBe(201);
  }
  for (const id of ['f1', 'f2']) {
    const entry = { id, type: 'run', date: '2026-03-01', durationMinutes: 30 };
    expect((await user.post('fitness', entry)).status).toBe(201);
  }
}

const ITEM_PATHS = [
  'projects/p1',
  'projects/p2',
  'tasks/t1',
  'tasks/t2',
  'tasks/t3',
  'fitness/f1',
  'fitness/f2',
];

async function expectIntact(user: ApiClient, name: string): Promise<void> {
  expect((await user.get('me')).body.displayName).toBe(name);
  for (const path of ITEM_PATHS) expect([path, (await user.get(path)).status]).toEqual([path, 200]);
}

async function expectErased(user: ApiClient): Promise<void> {
  expect((await user.get('me')).body.code).toBe('PROFILE_NOT_FOUND');
  for (const path of ITEM_PATHS) expect([path, (await user.get(path)).status]).toEqual([path, 404]);
  for (const list of ['projects', 'tasks', 'fitness']) expect(itemsOf(await user.get(list))).toEqual([]);
}

describe('DELETE /api/me', () => {
  test("erases the caller's profile, projects, tasks and fitness entries, and nothing of another user", async () => {
    const mia = api.as('mia');
    const ned = api.as('ned');
    await seed(mia, 'Mia');
    await seed(ned, 'Ned');
    const erased = await mia.delete('me');
    expect(erased.status).toBe(204);
    expect(erased.text).toBe('');
    await expectErased(mia);
    await expectIntact(ned, 'Ned');
    // Repeated, and for a user who never had anything: still 204.
    expect((await mia.delete('me')).status).toBe(204);
    expect((await api.as('nobody-ever').delete('me')).status).toBe(204);
    await expectIntact(ned, 'Ned');
  });

  test('erases data of a user who never created a profile', async () => {
    const oli = api.as('oli');
    expect((await oli.post('projects', { id: 'p1', name: 'p1' })).status).toBe(201);
    expect((await oli.delete('me')).status).toBe(204);
    expect((await oli.get('projects/p1')).status).toBe(404);
  });

  test('If-Match: a stale ETag is 412 and erases nothing; the current one erases', async () => {
    const pam = api.as('pam');
    await seed(pam, 'Pam');
    const etag = String((await pam.get('me')).headers.get('etag'));
    await pam.put('me', { displayName: 'Pam' });
    const stale = await pam.delete('me', { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
    await expectIntact(pam, 'Pam');
    const current = String((await pam.get('me')).headers.get('etag'));
    expect((await pam.delete('me', { 'if-match': current })).status).toBe(204);
    await expectErased(pam);
    // Done already, so repeating the same conditional request is 204 (RFC 9110 13.1.1).
    expect((await pam.delete('me', { 'if-match': current })).status).toBe(204);
  });

  test('If-Match without a profile but with data left is 412: the version the client saw is gone', async () => {
    const quin = api.as('quin');
    expect((await quin.post('projects', { id: 'p1', name: 'p1' })).status).toBe(201);
    expect((await quin.delete('me', { 'if-match': '"some-version"' })).status).toBe(412);
    expect((await quin.get('projects/p1')).status).toBe(200);
  });
});
