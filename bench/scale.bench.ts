// How the local store's costs grow with data, against the review's naive JSON-file store, and how they
// grow as other users' data grows (100 tasks per user; 1 to 1,000 users). Same documents on both sides.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BulkOperation } from '../shared/data/documentStore';
import { LocalDocumentStore } from '../shared/data/local/localDocumentStore';
import { taskDoc } from './localStore.bench';
import { NaiveJsonFileContainer } from './naiveJsonFileStore';
import { percentile, sized, type BenchRow } from './measure';

const SIZES = sized([100, 1_000, 10_000, 100_000], [100, 1_000]);
/** Sizes compared with the naive store (the 1,000, 10,000 and 100,000). */
const COMPARED = new Set(sized([1_000, 10_000, 100_000], [1_000]));
const PER_USER = 100;
const ROUNDS = sized(3, 1);
const LOCAL_CREATES = sized(200, 20);
const READS = sized(500, 50);
const LOCAL_QUERIES = sized(50, 5);
const NAIVE_QUERIES = sized(20, 5);

async function timed(count: number, call: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await call(i);
    durations.push(performance.now() - started);
  }
  return durations;
}

interface SizeFigures {
  documents: number;
  users: number;
  localCreateMs: number[];
  naiveCreateMs: number[];
  localReadMs: number[];
  localQueryMs: number[];
  naiveQueryMs: number[];
}

async function measureSize(root: string, documents: number): Promise<SizeFigures> {
  const users = Math.max(1, documents / PER_USER);
  const dir = path.join(root, `n${documents}`);
  const local = new LocalDocumentStore({ dataDir: path.join(dir, 'local'), sync: 'normal' });
  await local.initialize();
  const naive = new NaiveJsonFileContainer(path.join(dir, 'naive'), 'tasks');
  try {
    for (let u = 0; u < users; u += 1) {
      const userId = `user-${u}`;
      const operations: BulkOperation[] = [];
      for (let i = 0; i < PER_USER; i += 1) {
        const doc = taskDoc(userId, i);
        operations.push({ operationType: 'Create', partitionKey: userId, resourceBody: doc });
        naive.seed(doc);
      }
      await local.bulk('tasks', operations);
    }
    await naive.save();

    // The naive store rewrites the whole file per save, so its rounds are short at large sizes.
    const naiveCreates = documents >= 100_000 ? 2 : documents >= 10_000 ? 5 : sized(20, 5);
    const figures: SizeFigures = {
      documents,
      users,
      localCreateMs: [],
      naiveCreateMs: [],
      localReadMs: [],
      localQueryMs: [],
      naiveQueryMs: [],
    };
    const query = {
      query: 'SELECT * FROM c WHERE c.userId = @userId AND c.status = @status',
      parameters: [
        { name: '@userId', value: 'user-0' },
        { name: '@status', value: 'todo' },
      ],
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      figures.localCreateMs.push(
        ...(await timed(LOCAL_CREATES, (i) => local.create('tasks', taskDoc('new-user', round * 1000 + i)))),
      );
      figures.naiveCreateMs.push(
        ...(await timed(naiveCreates, (i) => naive.create(taskDoc('new-user', round * 1000 + i)))),
      );
      figures.localReadMs.push(
        ...(await timed(READS, (i) => local.read('tasks', `user-0-t${i % PER_USER}`, 'user-0'))),
      );
      figures.localQueryMs.push(
        ...(await timed(LOCAL_QUERIES, () => local.query('tasks', query, { partitionKey: 'user-0' }))),
      );
      figures.naiveQueryMs.push(
        ...(await timed(NAIVE_QUERIES, () =>
          naive.filter((d) => d.userId === 'user-0' && d.status === 'todo'),
        )),
      );
    }
    return figures;
  } finally {
    await local.dispose();
  }
}

const p50 = (values: number[]) => percentile(values, 50);
const fmt = (ms: number) => (ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);

/** Local store vs the naive JSON-file store at 1,000, 10,000 and 100,000 documents, and the scale table. */
export async function benchScale(): Promise<BenchRow[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-scale-'));
  try {
    const all: SizeFigures[] = [];
    for (const size of SIZES) all.push(await measureSize(root, size));
    const rows: BenchRow[] = [];
    for (const f of all.filter((figures) => COMPARED.has(figures.documents))) {
      const creates = p50(f.naiveCreateMs) / p50(f.localCreateMs);
      rows.push({
        name: `Local store vs naive JSON file at ${f.documents.toLocaleString('en')} documents: durable create`,
        unit: 'creates/s',
        ours: 1000 / p50(f.localCreateMs),
        comparison: 1000 / p50(f.naiveCreateMs),
        comparisonName: 'naive JSON file rewritten per save',
        ratio: creates,
        target: '>= 20x, growing with size',
        pass: creates >= 20,
        detail: `p50 ${fmt(p50(f.localCreateMs))} vs ${fmt(p50(f.naiveCreateMs))}; ${ROUNDS} alternating rounds`,
      });
      const queries = p50(f.naiveQueryMs) / p50(f.localQueryMs);
      rows.push({
        name: `Local store vs naive JSON file at ${f.documents.toLocaleString('en')} documents: one user's todo tasks`,
        unit: 'ms p50',
        ours: p50(f.localQueryMs),
        comparison: p50(f.naiveQueryMs),
        comparisonName: 'naive in-memory filter over every document',
        ratio: queries,
        target: 'growing with size',
        detail: `partition-scoped Cosmos SQL (about 34 results) vs a filter over all ${f.documents.toLocaleString('en')} documents held in memory`,
      });
    }
    const first = all[0];
    for (const f of all) {
      rows.push({
        name: `Scale (local store): ${f.users.toLocaleString('en')} user${f.users === 1 ? '' : 's'}, ${f.documents.toLocaleString('en')} documents`,
        unit: 'ms p50',
        ours: p50(f.localQueryMs),
        detail:
          `create ${fmt(p50(f.localCreateMs))}, point read ${fmt(p50(f.localReadMs))}, partition query ${fmt(p50(f.localQueryMs))} ` +
          `(x${(p50(f.localQueryMs) / p50(first.localQueryMs)).toFixed(2)} of the smallest): one user's cost stays flat as other users' data grows`,
      });
    }
    return rows;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
