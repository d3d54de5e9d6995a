// Optimistic concurrency through the real API (in-process runner, real HTTP, local store): many clients
// writing one task at once. If-Match must let exactly one writer per version through and answer the rest
// 412, so a client that re-reads and retries never loses anyone's update; without If-Match the server queues
// the writes of one item, so every request succeeds without a refused write (the retry across instances is
// tested in tests/repositories/updateContention.test.ts).
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { isAppError } from '../../shared/errors/appError';
import { startApi, type ApiClient, type ApiResponse, type ApiUnderTest } from '../api/apiHarness';

const WRITERS = 50;

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => api.close());

const alice = (): ApiClient => api.as('alice');

/** A fresh task of alice's, with the ETag it was created with. */
async function createTask(id: string): Promise<{ etag: string; body: Record<string, unknown> }> {
  const created = await alice().post('tasks', { id, title: 'start', tags: ['seed'], priority: 2 });
  expect(created.status).toBe(201);
  const etag = created.headers.get('etag');
  if (!etag) throw new Error('POST /tasks answered without an ETag');
  return { etag, body: created.body };
}

function etagOf(response: ApiResponse): string {
  const etag = response.headers.get('etag');
  if (!etag) throw new Error(`${response.status} without an ETag: ${response.text}`);
  return etag;
}

/** Counts of each status among the responses. */
function statusCounts(responses: ApiResponse[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of responses) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return counts;
}

test(`${WRITERS} concurrent PATCHes with one If-Match: exactly one wins, the rest get 412, the task is the winner's`, async () => {
  const { etag, body: original } = await createTask('race-if-match');
  const started = performance.now();
  const responses = await Promise.all(
    Array.from({ length: WRITERS }, (_, n) =>
      alice().patch('tasks/race-if-match', { title: `writer ${n}` }, { 'if-match': etag }),
    ),
  );
  const wallMs = performance.now() - started;

  const winners = responses.filter((r) => r.status === 200);
  const refused = responses.filter((r) => r.status === 412);
  console.log(
    `If-Match race: ${WRITERS} PATCHes, ${winners.length} x 200, ${refused.length} x 412, ` +
      `other ${WRITERS - winners.length - refused.length}, ${wallMs.toFixed(0)} ms`,
  );
  expect(winners).toHaveLength(1);
  expect(refused).toHaveLength(WRITERS - 1);
  for (const r of refused) expect(r.body.code).toBe('PRECONDITION_FAILED');

  // The stored task is exactly the winner's change applied to the original: no other writer's title, no
  // field lost, and the version the winner was told about.
  const [winner] = winners;
  const stored = await alice().get('tasks/race-if-match');
  expect(stored.status).toBe(200);
  expect(stored.body).toEqual(winner.body);
  expect(etagOf(stored)).toBe(etagOf(winner));
  expect(etagOf(stored)).not.toBe(etag);
  const { title, updatedAt, ...unchanged } = stored.body;
  const { title: _t, updatedAt: _u, ...before } = original;
  expect(unchanged).toEqual(before);
  expect(title).toMatch(/^writer \d+$/);
  expect(typeof updatedAt).toBe('string');

  // The old version stays refused: a late writer holding it cannot overwrite the winner.
  const late = await alice().patch('tasks/race-if-match', { title: 'late' }, { 'if-match': etag });
  expect(late.status).toBe(412);
  expect((await alice().get('tasks/race-if-match')).body.title).toBe(title);
});

test(`${WRITERS} clients doing read, PATCH with If-Match, retry on 412: no update is lost`, async () => {
  // Each client appends its own marker to notes (a free-text field up to 4000 characters, so all 50 fit,
  // unlike tags which stop at 20). An append is a read-modify-write, so a lost update would drop a marker
  // and a double apply would repeat one: both are visible in the final notes.
  await createTask('race-retry');
  const marker = (n: number) => `c${n};`;
  // A client's PATCH fails only when another client's PATCH succeeded between its read and its write, and
  // those windows do not overlap from one attempt to the next, so no client can lose more than WRITERS - 1
  // times; the bound turns a livelock or an endless 412 into a test failure instead of a hang.
  const maxAttempts = WRITERS;
  let ok = 0;
  let preconditionFailed = 0;
  let other = 0;
  const attemptsPerClient: number[] = [];

  const runClient = async (n: number): Promise<void> => {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const read = await alice().get('tasks/race-retry');
      expect(read.status).toBe(200);
      const notes = typeof read.body.notes === 'string' ? read.body.notes : '';
      const written = await alice().patch(
        'tasks/race-retry',
        { notes: notes + marker(n) },
        { 'if-match': etagOf(read) },
      );
      if (written.status === 200) {
        ok += 1;
        attemptsPerClient[n] = attempt;
        return;
      }
      if (written.status === 412 && written.body.code === 'PRECONDITION_FAILED') preconditionFailed += 1;
      else {
        other += 1;
        throw new Error(`client ${n}: unexpected ${written.status} ${written.text}`);
      }
    }
    throw new Error(`client ${n} did not get its update in within ${maxAttempts} attempts`);
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, (_, n) => runClient(n)));
  const wallMs = performance.now() - started;
  const retries = attemptsPerClient.reduce((sum, a) => sum + a - 1, 0);
  console.log(
    `read-PATCH-retry: ${WRITERS} clients, ${ok} x 200, ${preconditionFailed} x 412, other ${other}, ` +
      `${retries} retries (most by one client ${Math.max(...attemptsPerClient) - 1}), ${wallMs.toFixed(0)} ms`,
  );

  expect(ok).toBe(WRITERS);
  // Every 412 was answered with a retry, and each retry came from a 412.
  expect(preconditionFailed).toBe(retries);
  const stored = await alice().get('tasks/race-retry');
  const markers = String(stored.body.notes).split(';').filter(Boolean);
  expect(markers).toHaveLength(WRITERS);
  expect([...markers].sort()).toEqual(Array.from({ length: WRITERS }, (_, n) => `c${n}`).sort());
  // Untouched fields survived all 50 rewrites.
  expect(stored.body).toMatchObject({ title: 'start', tags: ['seed'], priority: 2 });
});

/**
 * Wraps the local store's replace for the duration of one scenario (the API runs in this process, so the
 * prototype is the one it calls) and counts the store's compare-and-swap refusals, each of which would be one
 * internal retry of the server's read-modify-write.
 */
function watchReplaces(): { refusals(): number; restore(): void } {
  const replace = LocalDocumentStore.prototype.replace;
  let refusals = 0;
  const spy = jest.spyOn(LocalDocumentStore.prototype, 'replace').mockImplementation(function (
    this: LocalDocumentStore,
    ...args: Parameters<LocalDocumentStore['replace']>
  ) {
    return replace.apply(this, args).catch((error: unknown) => {
      if (isAppError(error, 'PRECONDITION_FAILED')) refusals += 1;
      throw error;
    });
  });
  return { refusals: () => refusals, restore: () => spy.mockRestore() };
}

/** `count` concurrent PATCHes without If-Match, each setting its own title. */
async function blindRace(id: string, count: number) {
  await createTask(id);
  const watch = watchReplaces();
  const started = performance.now();
  const responses = await Promise.all(
    Array.from({ length: count }, (_, n) => alice().patch(`tasks/${id}`, { title: `blind ${n}` })),
  ).finally(() => watch.restore());
  const wallMs = performance.now() - started;
  const counts = statusCounts(responses);
  console.log(
    `blind race: ${count} PATCHes without If-Match, ` +
      `statuses ${JSON.stringify(Object.fromEntries(counts))}, ${watch.refusals()} internal retries, ` +
      `${wallMs.toFixed(0)} ms`,
  );
  // A 412 here would be the server's internal retry giving up on a race the client never opted into.
  expect(counts.get(200)).toBe(count);
  for (const [n, r] of responses.entries()) expect(r.body.title).toBe(`blind ${n}`);

  // The stored task is one whole write: some writer's title with that writer's ETag, never a mix, and
  // every writer got a distinct version.
  const stored = await alice().get(`tasks/${id}`);
  const last = responses.find((r) => r.body.title === stored.body.title);
  expect(last).toBeDefined();
  expect(etagOf(stored)).toBe(last && etagOf(last));
  expect(stored.body).toEqual(last?.body);
  expect(new Set(responses.map(etagOf)).size).toBe(count);
  return { refusals: watch.refusals() };
}

test(`${WRITERS} concurrent PATCHes without If-Match all succeed, queued: the last one applied is what is stored`, async () => {
  const { refusals } = await blindRace('race-blind', WRITERS);
  // Within one instance the writes of one item queue: none is refused and retried.
  expect(refusals).toBe(0);
});
