// Crash safety of the whole app, not just the store: the real `node scripts/start.mjs` on the embedded
// SQLite store, driven over HTTP by concurrent writers, SIGKILLed at a different point each round and
// restarted on the same DATA_DIR. What a client was told (201, or 201 for an item of a 207 bulk answer) is
// the promise under test: every such write must be there after the crashes, exactly once.
import path from 'node:path';
import Database from 'better-sqlite3';
import { LOCAL_STORE_FILE } from '../../shared/data/local/sqliteDatabase';
import {
  killChildren,
  makeTempDir,
  removeTempDirs,
  spawnRunner,
  type RunnerProcess,
} from '../runner/runnerHarness';

const KILLS = 22;
const SINGLE_WRITERS = 4;
const USER = 'crash-user';
const HEADERS = { 'x-ms-client-principal-id': USER, 'content-type': 'application/json' };
// The local store writes a bulk request in transactional batches of this many documents, one after the
// other (MAX_BATCH_OPERATIONS, used by shared/repositories/bulkWriter.ts).
const BATCH = 100;
// The most items one bulk request takes (MAX_BULK_ITEMS in shared/models/bulk.ts).
const MAX_BULK_ITEMS = 1000;

/** One POST /bulk/tasks request: the ids it sent, in order, and the ids the 207 answer said were created. */
interface BulkRecord {
  ids: string[];
  /** undefined while no answer arrived (the kill cut it off). */
  acknowledged?: string[];
}

/** Everything the clients sent and were told, over all rounds. */
interface Ledger {
  /** id -> title, for every id any request carried. */
  sent: Map<string, string>;
  /** Ids the app answered 201 for (single POSTs and bulk items). */
  acknowledged: Set<string>;
  bulks: BulkRecord[];
  /** Answers that were neither a success nor a dropped connection (should never happen). */
  unexpected: string[];
}

const taskTitle = (id: string) => `crash ${id}`;

async function postTask(url: string, id: string): Promise<number> {
  const response = await fetch(`${url}/api/tasks`, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ id, title: taskTitle(id), tags: ['crash'] }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function postBulk(url: string, ids: string[]): Promise<{ status: number; results?: unknown }> {
  const response = await fetch(`${url}/api/bulk/tasks`, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ items: ids.map((id) => ({ id, title: taskTitle(id) })) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    results: response.status === 207 ? (JSON.parse(text) as { results: unknown }).results : text,
  };
}

/** Where one round's kill lands. */
interface KillPlan {
  /** Kill right after this many single POSTs were acknowledged in the round... */
  afterAcks?: number;
  /**
   * ...or this fraction of the round's first bulk request's answer time after the second one went out:
   * aimed inside its batches whatever the machine's speed.
   */
  intoBulk?: number;
  /** ...or as soon as the second bulk request's first batch is committed, aimed between its batches. */
  afterFirstBatch?: boolean;
  bulkSize: number;
}

/**
 * Resolves once a document whose id starts with `prefix` is committed after row `since` (or `stop()` says
 * to give up). It reads the app's SQLite file directly, read-only (WAL lets a reader in beside the app),
 * because nothing over HTTP tells a client that one batch of a bulk request is in and the next is not.
 */
async function committed(file: string, since: number, prefix: string, stop: () => boolean): Promise<boolean> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    // The seq range is a rowid range: cheap however large the store has grown.
    const probe = db.prepare('SELECT 1 FROM documents WHERE seq > ? AND id LIKE ? LIMIT 1');
    while (!stop()) {
      if (probe.get(since, `${prefix}%`)) return true;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return false;
  } finally {
    db.close();
  }
}

function lastRow(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM documents').get() as { seq: number }).seq;
  } finally {
    db.close();
  }
}

// Between bulk requests: without it the bulk writer keeps the app's one thread busy and starves the
// single POSTs, and the store grows by tens of thousands of documents, slowing every round.
const BULK_PAUSE_MS = 25;

/**
 * Starts the app on dataDir, runs the writers until the plan's kill point, SIGKILLs the app there, and waits
 * for every writer to notice (their requests fail once the process is gone).
 */
async function roundUntilKilled(
  dataDir: string,
  round: number,
  plan: KillPlan,
  ledger: Ledger,
): Promise<{ startMs: number }> {
  const started = performance.now();
  const app = spawnRunner(appEnv(dataDir));
  const url = await app.listening;
  const startMs = performance.now() - started;
  let ackedThisRound = 0;
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    app.child.kill('SIGKILL');
  };
  // Only single POSTs count towards the kill: they are answered every millisecond or two, so the kill lands
  // right after one while the other writers and the bulk request in flight are mid-way (a bulk answer
  // counting hundreds at once would make every kill fall between bulk requests).
  const acknowledge = (id: string, single: boolean) => {
    ledger.acknowledged.add(id);
    if (!single) return;
    ackedThisRound += 1;
    if (plan.afterAcks !== undefined && ackedThisRound >= plan.afterAcks) kill();
  };
  // A round whose writers stall must still end (and then fail the test on its figures, not hang it).
  const fallback = setTimeout(kill, 5_000);

  const singleWriter = async (client: number) => {
    for (let seq = 0; !killed; seq++) {
      const id = `r${round}-c${client}-${seq}`;
      ledger.sent.set(id, taskTitle(id));
      let status: number;
      try {
        status = await postTask(url, id);
      } catch {
        return; // the connection died with the app: not acknowledged
      }
      if (status === 201) acknowledge(id, true);
      else ledger.unexpected.push(`POST ${id}: ${status}`);
    }
  };

  let firstBulkMs = 0;
  const storeFile = path.join(dataDir, LOCAL_STORE_FILE);
  const bulkWriter = async () => {
    for (let seq = 0; !killed; seq++) {
      const record: BulkRecord = {
        ids: Array.from({ length: plan.bulkSize }, (_, i) => `r${round}-b${seq}-${i}`),
      };
      for (const id of record.ids) ledger.sent.set(id, taskTitle(id));
      ledger.bulks.push(record);
      let answer: Awaited<ReturnType<typeof postBulk>>;
      const sent = performance.now();
      const watched = seq === 1 && plan.afterFirstBatch;
      const since = watched ? lastRow(storeFile) : 0;
      const sending = postBulk(url, record.ids);
      if (seq === 1 && plan.intoBulk !== undefined) setTimeout(kill, plan.intoBulk * firstBulkMs);
      if (watched) {
        let answered = false;
        void sending.finally(() => (answered = true)).catch(() => undefined);
        // Seen or not (a bulk answered between two probes), the round ends here rather than at the fallback.
        void committed(storeFile, since, `r${round}-b${seq}-`, () => answered || killed).then(kill);
      }
      try {
        answer = await sending;
      } catch {
        return;
      }
      if (answer.status !== 207 || !Array.isArray(answer.results)) {
        ledger.unexpected.push(`bulk r${round}-b${seq}: ${answer.status} ${String(answer.results)}`);
        continue;
      }
      if (seq === 0) firstBulkMs = performance.now() - sent;
      record.acknowledged = [];
      for (const result of answer.results as { id?: string; status: number }[]) {
        if (result.status === 201 && result.id !== undefined) {
          record.acknowledged.push(result.id);
          acknowledge(result.id, false);
        } else ledger.unexpected.push(`bulk item ${result.id}: ${result.status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, BULK_PAUSE_MS));
    }
  };

  await Promise.all([
    ...Array.from({ length: SINGLE_WRITERS }, (_, client) => singleWriter(client)),
    bulkWriter(),
  ]);
  clearTimeout(fallback);
  const exit = await app.exited;
  expect(exit.signal).toBe('SIGKILL');
  return { startMs };
}

function appEnv(dataDir: string): Record<string, string> {
  // warn keeps the per-request access log off stdout; the "listening" line is printed at any level.
  return { PORT: '0', DATA_BACKEND: 'local', DATA_DIR: dataDir, AUTH_MODE: 'dev', LOG_LEVEL: 'warn' };
}

/** Every task of USER, page by page (limit 100), as the restarted app lists them. */
async function listAll(url: string): Promise<{ id: string; title: string }[]> {
  const items: { id: string; title: string }[] = [];
  let token: string | null = null;
  do {
    const query: string = token ? `&continuationToken=${encodeURIComponent(token)}` : '';
    const response = await fetch(`${url}/api/tasks?limit=100${query}`, { headers: HEADERS });
    const body = (await response.json()) as {
      items: { id: string; title: string }[];
      continuationToken: string | null;
    };
    if (response.status !== 200) throw new Error(`list: ${response.status} ${JSON.stringify(body)}`);
    items.push(...body.items);
    token = body.continuationToken;
  } while (token);
  return items;
}

afterEach(async () => {
  await killChildren();
  removeTempDirs();
});

test(`every write the app acknowledged survives ${KILLS} SIGKILLs of the app under HTTP write load`, async () => {
  const testStarted = performance.now();
  const dataDir = makeTempDir('lt-app-crash-');
  const ledger: Ledger = { sent: new Map(), acknowledged: new Set(), bulks: [], unexpected: [] };
  const startTimes: number[] = [];

  for (let round = 0; round < KILLS; round++) {
    // Vary where the kill lands: every other round after 15..134 acknowledged POSTs (wherever the bulk
    // writer happens to be); of the others, half 10%..95% of the way into a bulk request, half right after
    // its first batch is committed. Bulk requests carry 110..339 items (2 to 4 store batches), or 1000 (10
    // batches, so the kill that follows the first batch lands before the last one), so kills fall before,
    // between and inside batches.
    const bulkSize = 110 + ((round * 53) % 230);
    const plan: KillPlan =
      round % 4 === 1
        ? { intoBulk: 0.1 + ((round * 0.37) % 0.85), bulkSize }
        : round % 4 === 3
          ? { afterFirstBatch: true, bulkSize: MAX_BULK_ITEMS }
          : { afterAcks: 15 + ((round * 37) % 120), bulkSize };
    startTimes.push((await roundUntilKilled(dataDir, round, plan, ledger)).startMs);
  }

  // The file as the last kill left it, before any app opens it again: SQLite's own consistency check.
  const db = new Database(path.join(dataDir, LOCAL_STORE_FILE), { readonly: true, fileMustExist: true });
  const integrity = db.pragma('integrity_check', { simple: true });
  db.close();

  // Restart once more and read everything back through the API, as a client would.
  const app: RunnerProcess = spawnRunner(appEnv(dataDir));
  const stored = await listAll(await app.listening);
  app.child.kill('SIGTERM');
  await app.exited;

  const storedIds = new Set(stored.map((t) => t.id));
  const missing = [...ledger.acknowledged].filter((id) => !storedIds.has(id));
  const neverSent = stored.filter((t) => ledger.sent.get(t.id) !== t.title);
  const landedUnacknowledged = stored.filter((t) => !ledger.acknowledged.has(t.id)).length;

  // A bulk request the kill cut off (no answer): each batch of 100 is one transaction and the batches run
  // in order, so what is stored must be whole batches from the start of the request and nothing else.
  const cutOff = ledger.bulks.filter((b) => b.acknowledged === undefined);
  let someBatchesStored = 0;
  let betweenBatches = 0;
  const torn: string[] = [];
  for (const bulk of cutOff) {
    const batches: boolean[] = [];
    for (let start = 0; start < bulk.ids.length; start += BATCH) {
      const present = bulk.ids.slice(start, start + BATCH).map((id) => storedIds.has(id));
      if (present.some((p) => p !== present[0])) torn.push(`${bulk.ids[start]}: batch half stored`);
      batches.push(present[0]);
    }
    const firstMissing = batches.indexOf(false);
    if (firstMissing !== -1 && batches.slice(firstMissing).some(Boolean))
      torn.push(`${bulk.ids[0]}: a later batch stored after a missing one`);
    if (batches.some(Boolean)) someBatchesStored += 1;
    if (batches.some(Boolean) && !batches.every(Boolean)) betweenBatches += 1;
  }

  startTimes.sort((a, b) => a - b);
  console.log(
    `app crash safety: ${KILLS} kills, ${ledger.sent.size} writes sent, ${ledger.acknowledged.size} acknowledged, ` +
      `${stored.length} stored (${landedUnacknowledged} landed without an answer), ${missing.length} missing; ` +
      `${ledger.bulks.length} bulk requests, ${cutOff.length} cut off by a kill (${someBatchesStored} with batches ` +
      `stored, ${betweenBatches} of them killed between batches), ${torn.length} torn batches; integrity_check ${String(integrity)}; app start median ` +
      `${startTimes[Math.floor(startTimes.length / 2)].toFixed(0)} ms; total ` +
      `${((performance.now() - testStarted) / 1000).toFixed(1)} s`,
  );

  expect(integrity).toBe('ok');
  expect(ledger.unexpected).toEqual([]);
  expect(missing).toEqual([]);
  // Exactly once: no id listed twice, and nothing stored that no client sent (or with another title).
  expect(stored).toHaveLength(storedIds.size);
  expect(neverSent).toEqual([]);
  expect(torn).toEqual([]);
  // The load really was load: every round acknowledged writes and some bulk requests were cut off mid-way.
  expect(ledger.acknowledged.size).toBeGreaterThanOrEqual(KILLS * 15);
  expect(cutOff.length).toBeGreaterThan(0);
}, 90_000);
