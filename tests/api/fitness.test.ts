import { orderedLikeCosmos } from '../helpers/cosmosOrder';
import { allPages } from './apiLists';
import { itemsOf, startApi, type ApiClient, type ApiUnderTest, type Body } from './apiHarness';

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api.close());

const alice = () => api.as('alice');

/** Every fitness entry of a user, for "nothing was written" checks. */
async function entriesOf(client: ApiClient): Promise<Body[]> {
  return (await allPages(client, 'fitness?limit=100')).items;
}

function fieldsOf(body: Body): string[] {
  return (body.errors as { field: string }[]).map((e) => e.field).sort();
}

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

const run = { type: 'run', date: '2026-02-01', durationMinutes: 30 };
const replacement = { type: 'walk', date: '2026-02-02', durationMinutes: 20 };

describe('/api/fitness: create and read', () => {
  test('create returns 201 with Location and ETag; server owns userId and timestamps; updatedAt starts at createdAt', async () => {
    const response = await alice().post('fitness', {
      ...run,
      calories: 310.5,
      distanceKm: 5.2,
      heartRateAvg: 150,
      notes: 'Easy',
      userId: 'mallory',
      createdAt: '1999-01-01T00:00:00.000Z',
      updatedAt: '1999-01-01T00:00:00.000Z',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      ...run,
      calories: 310.5,
      distanceKm: 5.2,
      heartRateAvg: 150,
      notes: 'Easy',
      userId: 'alice',
    });
    expect(response.body.createdAt).not.toBe('1999-01-01T00:00:00.000Z');
    expect(response.body.updatedAt).toBe(response.body.createdAt);
    expect(Object.keys(response.body).some((k) => k.startsWith('_'))).toBe(false);
    expect(response.headers.get('location')).toBe(`/api/fitness/${String(response.body.id)}`);
    const read = await alice().get(`fitness/${String(response.body.id)}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(response.body);
    expect(read.headers.get('etag')).toBe(response.headers.get('etag'));
  });

  test('a client-supplied id makes create safe to retry (409); "summary" is refused as an id', async () => {
    expect((await alice().post('fitness', { id: 'fit-retry', ...run })).status).toBe(201);
    const second = await alice().post('fitness', { id: 'fit-retry', ...run, durationMinutes: 99 });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('CONFLICT');
    expect((await alice().get('fitness/fit-retry')).body.durationMinutes).toBe(30);
    const reserved = await alice().post('fitness', { id: 'summary', ...run });
    expect(reserved.status).toBe(400);
    expect(fieldsOf(reserved.body)).toEqual(['id']);
  });

  test('a missing entry is 404 on every item route; an id that cannot name an item is 400', async () => {
    expect((await alice().get('fitness/nope')).status).toBe(404);
    expect((await alice().put('fitness/nope', replacement)).status).toBe(404);
    expect((await alice().patch('fitness/nope', { notes: 'x' })).status).toBe(404);
    expect((await alice().delete('fitness/nope')).status).toBe(404);
    expect((await alice().get('fitness/.dot-first')).status).toBe(400);
  });
});

describe('/api/fitness: validation and rejected requests write nothing', () => {
  test('create: 400 with one entry per failing field', async () => {
    const before = await entriesOf(alice());
    const response = await alice().post('fitness', {
      type: 'dance',
      date: '2026-02-30',
      durationMinutes: 0,
      calories: -1,
      distanceKm: 1000.5,
      heartRateAvg: 19,
      notes: 'n'.repeat(2001),
      mood: 'great',
    });
    expect(response.status).toBe(400);
    expect(fieldsOf(response.body)).toEqual([
      'calories',
      'date',
      'distanceKm',
      'durationMinutes',
      'heartRateAvg',
      'mood',
      'notes',
      'type',
    ]);
    for (const [field, value] of [
      ['durationMinutes', 1441],
      ['durationMinutes', 1.5],
      ['durationMinutes', '30'],
      ['calories', 20001],
      ['distanceKm', -0.1],
      ['heartRateAvg', 251],
      ['heartRateAvg', 100.5],
      ['date', '2026-02-01T10:00:00Z'],
      ['type', undefined],
    ] as const) {
      const rejected = await alice().post('fitness', { ...run, [field]: value });
      expect({ field, value, status: rejected.status, fields: fieldsOf(rejected.body) }).toEqual({
        field,
        value,
        status: 400,
        fields: [field],
      });
    }
    // The bounds themselves are allowed.
    const edges = await alice().post('fitness', {
      id: 'fit-edges',
      type: 'other',
      date: '2026-02-01',
      durationMinutes: 1440,
      calories: 0,
      distanceKm: 1000,
      heartRateAvg: 20,
    });
    expect(edges.status).toBe(201);
    expect(await entriesOf(alice())).toEqual(orderedLikeCosmos([...before, edges.body], 'date', 'desc'));
  });

  test('PUT and PATCH: 400 per field; a patch cannot null a required field; nothing changes', async () => {
    const created = await alice().post('fitness', { id: 'fit-valid', ...run, calories: 100 });
    const put = await alice().put('fitness/fit-valid', { type: 'run' });
    expect(put.status).toBe(400);
    expect(fieldsOf(put.body)).toEqual(['date', 'durationMinutes']);
    const nulled = await alice().patch('fitness/fit-valid', { date: null, type: null, calories: 20001 });
    expect(fieldsOf(nulled.body)).toEqual(['calories', 'date', 'type']);
    expect((await alice().patch('fitness/fit-valid', {})).status).toBe(400);
    const after = await alice().get('fitness/fit-valid');
    expect(after.body).toEqual(created.body);
    expect(after.headers.get('etag')).toBe(created.headers.get('etag'));
  });

  test('a body that is not JSON is 400, the wrong Content-Type is 415, over 1 MiB is 413, on POST, PUT and PATCH', async () => {
    const created = await alice().post('fitness', { id: 'fit-body', ...run });
    const before = await entriesOf(alice());
    for (const [method, path] of [
      ['POST', 'fitness'],
      ['PUT', 'fitness/fit-body'],
      ['PATCH', 'fitness/fit-body'],
    ]) {
      const notJson = await alice().request(method, path, {
        raw: 'nope',
        headers: { 'content-type': 'application/json' },
      });
      expect({ method, code: notJson.body.code }).toEqual({ method, code: 'INVALID_JSON' });
      const wrongType = await alice().request(method, path, {
        raw: '{}',
        headers: { 'content-type': 'text/csv' },
      });
      expect({ method, status: wrongType.status }).toEqual({ method, status: 415 });
      const huge = await alice().request(method, path, {
        raw: JSON.stringify({ ...run, notes: 'y'.repeat(1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      expect({ method, status: huge.status }).toEqual({ method, status: 413 });
    }
    expect(await entriesOf(alice())).toEqual(before);
    expect((await alice().get('fitness/fit-body')).headers.get('etag')).toBe(created.headers.get('etag'));
  });

  test('no identity is 401 on every fitness route', async () => {
    const calls = [
      api.anonymous.get('fitness'),
      api.anonymous.post('fitness', run),
      api.anonymous.get('fitness/summary'),
      api.anonymous.get('fitness/fit-body'),
      api.anonymous.put('fitness/fit-body', replacement),
      api.anonymous.patch('fitness/fit-body', { notes: 'x' }),
      api.anonymous.delete('fitness/fit-body'),
    ];
    for (const response of await Promise.all(calls)) {
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('UNAUTHENTICATED');
    }
    expect((await alice().get('fitness/fit-body')).status).toBe(200);
  });
});

describe('/api/fitness: updates', () => {
  test('PUT replaces (left-out optional fields go), PATCH merges (null removes); updatedAt moves, createdAt stays', async () => {
    const created = await alice().post('fitness', { id: 'fit-upd', ...run, calories: 200, notes: 'first' });
    await new Promise((r) => setTimeout(r, 5));
    const put = await alice().put('fitness/fit-upd', { ...replacement, heartRateAvg: 120 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ...replacement, heartRateAvg: 120, createdAt: created.body.createdAt });
    expect('calories' in put.body).toBe(false);
    expect('notes' in put.body).toBe(false);
    expect(String(put.body.updatedAt) > String(created.body.updatedAt)).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    const patched = await alice().patch('fitness/fit-upd', { heartRateAvg: null, distanceKm: 3 });
    expect(patched.body).toMatchObject({ ...replacement, distanceKm: 3, createdAt: created.body.createdAt });
    expect('heartRateAvg' in patched.body).toBe(false);
    expect(String(patched.body.updatedAt) > String(put.body.updatedAt)).toBe(true);
  });

  test('PUT, PATCH and DELETE honour If-Match: a stale ETag is 412 and changes nothing', async () => {
    const created = await alice().post('fitness', { id: 'fit-etag', ...run });
    const v1 = String(created.headers.get('etag'));
    const put = await alice().put('fitness/fit-etag', replacement, { 'if-match': v1 });
    expect(put.status).toBe(200);
    const v2 = String(put.headers.get('etag'));
    expect((await alice().put('fitness/fit-etag', run, { 'if-match': v1 })).status).toBe(412);
    const stalePatch = await alice().patch('fitness/fit-etag', { notes: 'x' }, { 'if-match': v1 });
    expect(stalePatch.status).toBe(412);
    expect(stalePatch.body.code).toBe('PRECONDITION_FAILED');
    expect((await alice().delete('fitness/fit-etag', { 'if-match': v1 })).status).toBe(412);
    const unchanged = await alice().get('fitness/fit-etag');
    expect(unchanged.body).toEqual(put.body);
    expect(unchanged.headers.get('etag')).toBe(v2);
    const patched = await alice().patch('fitness/fit-etag', { notes: 'ok' }, { 'if-match': v2 });
    expect(patched.status).toBe(200);
    expect(
      (await alice().delete('fitness/fit-etag', { 'if-match': String(patched.headers.get('etag')) })).status,
    ).toBe(204);
    expect((await alice().get('fitness/fit-etag')).status).toBe(404);
  });

  test("another user's entry is 404 on every item route, stays unchanged, and counts nowhere for them", async () => {
    const created = await alice().post('fitness', {
      id: 'fit-private',
      ...run,
      date: today(),
      calories: 500,
    });
    const etag = String(created.headers.get('etag'));
    const mallory = api.as('mallory');
    const attempts = [
      await mallory.get('fitness/fit-private'),
      await mallory.put('fitness/fit-private', replacement),
      await mallory.put('fitness/fit-private', replacement, { 'if-match': etag }),
      await mallory.patch('fitness/fit-private', { notes: 'mine' }),
      await mallory.patch('fitness/fit-private', { notes: 'mine' }, { 'if-match': etag }),
      await mallory.delete('fitness/fit-private'),
      await mallory.delete('fitness/fit-private', { 'if-match': etag }),
    ];
    for (const response of attempts) {
      expect({ status: response.status, code: response.body.code }).toEqual({
        status: 404,
        code: 'NOT_FOUND',
      });
    }
    const after = await alice().get('fitness/fit-private');
    expect(after.body).toEqual(created.body);
    expect(after.headers.get('etag')).toBe(etag);
    expect(itemsOf(await mallory.get('fitness'))).toEqual([]);
    expect((await mallory.get('fitness/summary')).body.totals).toEqual({
      count: 0,
      totalDurationMinutes: 0,
      totalCalories: 0,
    });
  });
});

describe('/api/fitness: lists', () => {
  const lister = () => api.as('fit-lister');
  const seeded: Body[] = [];
  const types = ['run', 'walk', 'cycle', 'swim', 'strength', 'yoga', 'other'];

  beforeAll(async () => {
    // 21 entries over 7 dates (several per date, so the id tie-breaker matters), every type.
    for (let i = 0; i < 21; i++) {
      const response = await lister().post('fitness', {
        id: `f-${String((i * 5) % 21).padStart(2, '0')}`,
        type: types[Math.floor(i / 3) % types.length],
        date: `2026-03-${String((i % 7) * 4 + 1).padStart(2, '0')}`,
        durationMinutes: 10 + i,
      });
      expect(response.status).toBe(201);
      seeded.push(response.body);
    }
  });

  test('every from x to x type x order returns exactly the expected entries in a stable order across pages', async () => {
    const froms = [undefined, '2026-03-05', '2026-03-06', '2026-04-01'];
    const tos = [undefined, '2026-03-05', '2026-03-20', '2026-02-01'];
    let checked = 0;
    let nonEmpty = 0;
    for (const from of froms)
      for (const to of tos)
        for (const type of [undefined, 'run', 'yoga'])
          for (const order of [undefined, 'asc', 'desc'] as const) {
            if (from && to && from > to) continue;
            const query: Record<string, string> = {};
            if (from) query.from = from;
            if (to) query.to = to;
            if (type) query.type = type;
            if (order) query.order = order;
            const params = new URLSearchParams({ ...query, limit: '4' });
            const { items } = await allPages(lister(), `fitness?${params.toString()}`);
            const want = orderedLikeCosmos(
              seeded.filter(
                (e) =>
                  (!from || String(e.date) >= from) &&
                  (!to || String(e.date) <= to) &&
                  (!type || e.type === type),
              ),
              'date',
              order ?? 'desc',
            ).map((e) => e.id);
            expect({ url: params.toString(), ids: items.map((e) => e.id) }).toEqual({
              url: params.toString(),
              ids: want,
            });
            checked += 1;
            if (want.length > 0) nonEmpty += 1;
          }
    // Most cases return something, so an empty answer cannot pass by accident.
    expect(checked).toBe(90);
    expect(nonEmpty).toBeGreaterThan(checked / 2);
  });

  test('bad query values are 400 per field; from after to is 400; a token only resumes its own list', async () => {
    const bad = await lister().get('fitness?from=2026-3-1&to=yesterday&type=dance&order=newest&limit=0');
    expect(fieldsOf(bad.body)).toEqual(['from', 'limit', 'order', 'to', 'type']);
    const backwards = await lister().get('fitness?from=2026-03-10&to=2026-03-09');
    expect(backwards.status).toBe(400);
    expect(fieldsOf(backwards.body)).toEqual(['from']);
    const first = await lister().get('fitness?limit=5');
    const token = encodeURIComponent(String(first.body.continuationToken));
    expect((await lister().get(`fitness?limit=5&continuationToken=${token}`)).status).toBe(200);
    expect((await lister().get(`fitness?limit=5&type=run&continuationToken=${token}`)).body.code).toBe(
      'INVALID_CONTINUATION_TOKEN',
    );
    expect((await alice().get(`fitness?limit=5&continuationToken=${token}`)).body.code).toBe(
      'INVALID_CONTINUATION_TOKEN',
    );
  });
});

describe('/api/fitness/summary', () => {
  const summarised = () => api.as('summarised');

  beforeAll(async () => {
    const entries = [
      { type: 'run', date: '2026-04-01', durationMinutes: 30, calories: 300 },
      { type: 'run', date: '2026-04-15', durationMinutes: 45 },
      { type: 'run', date: '2026-04-30', durationMinutes: 25, calories: 250.5 },
      { type: 'yoga', date: '2026-04-10', durationMinutes: 60, calories: 120 },
      { type: 'swim', date: '2026-03-31', durationMinutes: 40, calories: 400 }, // before the range
      { type: 'swim', date: '2026-05-01', durationMinutes: 40, calories: 400 }, // after the range
      { type: 'strength', date: '2026-04-20', durationMinutes: 50, calories: 0 },
    ];
    for (const entry of entries) expect((await summarised().post('fitness', entry)).status).toBe(201);
    // Another user's entries in the same range must never count.
    await api.as('other-summary').post('fitness', { type: 'run', date: '2026-04-02', durationMinutes: 999 });
  });

  test('per type over an inclusive range: count, total minutes, total calories (missing calories count 0), and totals', async () => {
    const response = await summarised().get('fitness/summary?from=2026-04-01&to=2026-04-30');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      from: '2026-04-01',
      to: '2026-04-30',
      types: [
        { type: 'run', count: 3, totalDurationMinutes: 100, totalCalories: 550.5 },
        { type: 'strength', count: 1, totalDurationMinutes: 50, totalCalories: 0 },
        { type: 'yoga', count: 1, totalDurationMinutes: 60, totalCalories: 120 },
      ],
      totals: { count: 5, totalDurationMinutes: 210, totalCalories: 670.5 },
    });
  });

  test('a one-day range and an empty range', async () => {
    const oneDay = await summarised().get('fitness/summary?from=2026-04-15&to=2026-04-15');
    expect(oneDay.body.types).toEqual([
      { type: 'run', count: 1, totalDurationMinutes: 45, totalCalories: 0 },
    ]);
    const empty = await summarised().get('fitness/summary?from=2020-01-01&to=2020-12-31');
    expect(empty.body).toEqual({
      from: '2020-01-01',
      to: '2020-12-31',
      types: [],
      totals: { count: 0, totalDurationMinutes: 0, totalCalories: 0 },
    });
  });

  test('the default range is the last 30 days up to today (UTC); only "to" moves the default "from"', async () => {
    const recent = api.as('recent');
    await recent.post('fitness', { type: 'walk', date: today(), durationMinutes: 10, calories: 1 });
    await recent.post('fitness', { type: 'walk', date: daysAgo(29), durationMinutes: 20, calories: 2 });
    await recent.post('fitness', { type: 'walk', date: daysAgo(30), durationMinutes: 40, calories: 4 });
    const defaults = await recent.get('fitness/summary');
    expect(defaults.body).toMatchObject({
      from: daysAgo(29),
      to: today(),
      types: [{ type: 'walk', count: 2, totalDurationMinutes: 30, totalCalories: 3 }],
    });
    const shifted = await recent.get(`fitness/summary?to=${daysAgo(1)}`);
    expect(shifted.body).toMatchObject({ from: daysAgo(30), to: daysAgo(1) });
    expect(shifted.body.totals).toEqual({ count: 2, totalDurationMinutes: 60, totalCalories: 6 });
    const fromOnly = await recent.get(`fitness/summary?from=${daysAgo(30)}`);
    expect(fromOnly.body.totals).toEqual({ count: 3, totalDurationMinutes: 70, totalCalories: 7 });
  });

  test('bad dates are 400 per field; from after to is 400', async () => {
    const bad = await summarised().get('fitness/summary?from=2026-02-30&to=soon');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['from', 'to']);
    const backwards = await summarised().get('fitness/summary?from=2026-05-01&to=2026-04-01');
    expect(backwards.status).toBe(400);
    expect(backwards.body.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(backwards.body)).toEqual(['from']);
  });

  test('route precedence: /fitness/summary is the summary, never the entry route, for every method', async () => {
    const entry = await summarised().post('fitness', { id: 'summary-neighbour', ...run });
    expect((await summarised().get('fitness/summary-neighbour')).body).toEqual(entry.body);
    const summary = await summarised().get('fitness/summary');
    expect(Object.keys(summary.body).sort()).toEqual(['from', 'to', 'totals', 'types']);
    // No entry can have the id "summary", so the item routes find nothing there.
    expect((await summarised().put('fitness/summary', run)).status).toBe(404);
    expect((await summarised().patch('fitness/summary', { notes: 'x' })).status).toBe(404);
    expect((await summarised().delete('fitness/summary')).status).toBe(404);
  });
});
