import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalDocumentStore } from '../shared/data/local/localDocumentStore';
import { NaiveJsonFileContainer } from './naiveJsonFileStore';
import { type BenchRow, percentile, perSecond, sized, spread, timeEach } from './measure';

const STATUSES = ['todo', 'in_progress', 'done'];

const ROUNDS = sized(5, 2);
const WARM_UP = sized(200, 20);
const POINT_READS = sized(5000, 200);
/** Documents in the queried partition, and as many again in other partitions. */
const HEAVY = sized(5000, 300);
const FIRST_PAGE_RUNS = sized(50, 5);
const ALL_RESULTS_RUNS = sized(20, 3);

/** A realistic task document (about 350 bytes), as the API stores it. */
export function taskDoc(userId: string, i: number): Record<string, unknown> & { id: string } {
  return {
    id: `${userId}-t${i}`,
    userId,
    title: `Task number ${i} with a realistic title`,
    status: STATUSES[i % 3],
    priority: (i % 5) + 1,
    dueDate: new Date(Date.UTC(2026, 0, 1) + (i % 365) * 86_400_000).toISOString().slice(0, 10),
    tags: ['work', `tag${i % 7}`],
    createdAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    updatedAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
  };
}

async function openStore(dir: string, sync: 'normal' | 'full'): Promise<LocalDocumentStore> {
  const store = new LocalDocumentStore({ dataDir: dir, sync });
  await store.initialize();
  return store;
}

/** Local store figures and the naive JSON-file store side by side, in one run. */
export async function benchLocalStore(): Promise<BenchRow[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-local-'));
  const rows: BenchRow[] = [];
  try {
    // 1. Creates at 2,000 documents: both stores pre-filled to 2,000, then measured in alternating rounds
    //    so that machine noise hits both alike.
    const prefill = sized(2000, 200);
    const local = await openStore(path.join(root, 'local'), 'normal');
    const localFull = await openStore(path.join(root, 'local-full'), 'full');
    const naive = new NaiveJsonFileContainer(path.join(root, 'naive'), 'tasks');
    for (let i = 0; i < prefill; i++) {
      const doc = taskDoc(`u${i % 20}`, i);
      await local.create('tasks', doc);
      await localFull.create('tasks', doc);
      naive.seed(doc);
    }
    await naive.save();
    const localRates: number[] = [];
    const fullRates: number[] = [];
    const naiveRates: number[] = [];
    // Rounds are sized so each store runs for a comparable wall time (the naive store is ~100x slower);
    // ids never repeat across stores' rounds because each store has its own file.
    const localRound = sized(400, 40);
    const naiveRound = sized(40, 4);
    await timeEach(WARM_UP, (i) => local.create('tasks', taskDoc('warmup', i)));
    let next = prefill;
    for (let round = 0; round < ROUNDS; round++) {
      const base = next;
      next += localRound;
      localRates.push(
        perSecond(await timeEach(localRound, (i) => local.create('tasks', taskDoc('bench', base + i)))),
      );
      fullRates.push(
        perSecond(await timeEach(naiveRound, (i) => localFull.create('tasks', taskDoc('bench', base + i)))),
      );
      naiveRates.push(perSecond(await timeEach(naiveRound, (i) => naive.create(taskDoc('bench', base + i)))));
    }
    const localCreates = spread(localRates);
    const naiveCreates = spread(naiveRates);
    rows.push({
      name: `Durable single-document creates at ${count(prefill)} documents (local store, sync=normal)`,
      unit: 'creates/s',
      ours: localCreates.median,
      comparison: naiveCreates.median,
      comparisonName: 'naive JSON file rewritten per save',
      ratio: localCreates.median / naiveCreates.median,
      target: '≥ 20x',
      pass: localCreates.median / naiveCreates.median >= 20,
      detail: `local ${fmt(localCreates.min)}..${fmt(localCreates.max)} (${ROUNDS} rounds of ${localRound}), naive ${fmt(naiveCreates.min)}..${fmt(naiveCreates.max)} (${ROUNDS} rounds of ${naiveRound}), alternating`,
    });
    const full = spread(fullRates);
    rows.push({
      name: `Durable single-document creates at ${count(prefill)} documents (local store, sync=full: fsync per commit)`,
      unit: 'creates/s',
      ours: full.median,
      comparison: naiveCreates.median,
      comparisonName: 'naive JSON file rewritten per save',
      ratio: full.median / naiveCreates.median,
      detail: `${fmt(full.min)}..${fmt(full.max)} over ${ROUNDS} rounds of ${naiveRound}`,
    });
    await localFull.dispose();

    // 2. Point reads.
    const readDurations = await timeEach(POINT_READS, (i) =>
      local.read('tasks', `u${i % 20}-t${(i * 7919) % prefill}`, `u${((i * 7919) % prefill) % 20}`),
    );
    rows.push({
      name: 'Point reads (local store)',
      unit: 'reads/s',
      ours: perSecond(readDurations),
      detail: `p50 ${fmt(percentile(readDurations, 50), 3)} ms, p99 ${fmt(percentile(readDurations, 99), 3)} ms`,
    });

    // 3. A partition-scoped ORDER BY over 5,000 documents in one partition, with 5,000 more in others.
    for (let i = 0; i < HEAVY; i++) await local.create('tasks', taskDoc('heavy', i));
    for (let i = 0; i < HEAVY; i++) await local.create('tasks', taskDoc(`other${i % 50}`, i));
    const query = {
      query: 'SELECT * FROM c WHERE c.status = @status ORDER BY c.dueDate DESC, c.id DESC',
      parameters: [{ name: '@status', value: 'todo' }],
    };
    const firstPage = await timeEach(FIRST_PAGE_RUNS, () =>
      local.query('tasks', query, { partitionKey: 'heavy', maxItemCount: 50 }),
    );
    rows.push({
      name: `Partition-scoped ORDER BY over ${count(HEAVY)} documents, first page of 50 (local store)`,
      unit: 'ms p50',
      ours: percentile(firstPage, 50),
      detail: `p95 ${fmt(percentile(firstPage, 95))} ms; ${count(HEAVY)} more documents in 50 other partitions`,
    });
    const allResults = await timeEach(ALL_RESULTS_RUNS, () =>
      local.query('tasks', query, { partitionKey: 'heavy' }),
    );
    rows.push({
      // Every third task is a todo.
      name: `Partition-scoped ORDER BY over ${count(HEAVY)} documents, all ${count(Math.ceil(HEAVY / 3))} results (local store)`,
      unit: 'ms p50',
      ours: percentile(allResults, 50),
      detail: `p95 ${fmt(percentile(allResults, 95))} ms`,
    });
    await local.dispose();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

function count(value: number): string {
  return value.toLocaleString('en');
}

function fmt(value: number, digits = 1): string {
  return value.toFixed(digits);
}
