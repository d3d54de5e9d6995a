import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CachingDocumentStore } from '../shared/cache/cachingDocumentStore';
import { QueryResultCache } from '../shared/cache/queryResultCache';
import type { DocumentStore, SqlQuery } from '../shared/data/documentStore';
import { LocalDocumentStore } from '../shared/data/local/localDocumentStore';
import { UsageRecorder } from '../shared/usage/usageRecorder';
import { percentile, sized, type BenchRow } from './measure';

const DOCS = sized(5_000, 500);
const ROUNDS = sized(5, 1);
const CALLS_PER_ROUND = sized(200, 20);
const RECORDED_CALLS = sized(1_000_000, 50_000);
// Ten times the recorder's 500 kept shapes even in a smoke run, so the bound is what is exercised.
const SHAPES = 5_000;

const LIST: SqlQuery = {
  query: 'SELECT * FROM c WHERE c.userId = @userId ORDER BY c.createdAt DESC, c.id DESC',
  parameters: [{ name: '@userId', value: 'bench-user' }],
};

async function timeCalls(store: DocumentStore): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < CALLS_PER_ROUND; i += 1) {
    const started = performance.now();
    await store.query('tasks', LIST, { partitionKey: 'bench-user', maxItemCount: 50 });
    durations.push(performance.now() - started);
  }
  return durations;
}

/** Cached vs uncached read of the same query (the first page of 50 of a 5,000-task partition), side by side. */
async function benchCachedQuery(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-cache-'));
  const local = new LocalDocumentStore({ dataDir: dir, sync: 'normal' });
  await local.initialize();
  try {
    const operations = Array.from({ length: DOCS }, (_, i) => ({
      operationType: 'Create' as const,
      partitionKey: 'bench-user',
      resourceBody: {
        id: `task-${i}`,
        userId: 'bench-user',
        title: `Task ${i}`,
        status: 'todo',
        createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      },
    }));
    for (let start = 0; start < operations.length; start += 1000) {
      await local.bulk('tasks', operations.slice(start, start + 1000));
    }
    const cache = new QueryResultCache({ maxEntries: 1000, maxBytes: 64 << 20, defaultTtlMs: 3_600_000 });
    const cached = new CachingDocumentStore(local, cache, new UsageRecorder(100));
    await cached.query('tasks', LIST, { partitionKey: 'bench-user', maxItemCount: 50 });

    const uncached: number[] = [];
    const hits: number[] = [];
    // Alternating rounds: a noisy neighbour slows both sides alike.
    for (let round = 0; round < ROUNDS; round += 1) {
      uncached.push(...(await timeCalls(local)));
      hits.push(...(await timeCalls(cached)));
    }
    // Microseconds: a cache hit is a few of them, which a table in milliseconds would show as 0.0.
    const ours = percentile(hits, 50) * 1000;
    const theirs = percentile(uncached, 50) * 1000;
    return [
      {
        name: `Query cache: first page of 50 of a ${DOCS.toLocaleString('en')}-task partition (local store), p50`,
        unit: 'µs',
        ours,
        comparison: theirs,
        comparisonName: 'uncached',
        ratio: theirs / ours,
        target: '>= 20x',
        pass: theirs / ours >= 20,
        detail: `${ROUNDS} alternating rounds of ${CALLS_PER_ROUND}; p99 cached ${(percentile(hits, 99) * 1000).toFixed(1)} µs vs ${(percentile(uncached, 99) * 1000).toFixed(1)} µs`,
      },
    ];
  } finally {
    await local.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Heap held by the usage recorder after 1,000,000 recorded calls over 5,000 distinct query shapes. */
function benchRecorderMemory(): BenchRow[] {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const recorder = new UsageRecorder(500);
  const started = performance.now();
  for (let i = 0; i < RECORDED_CALLS; i += 1) {
    recorder.record({
      container: i % 2 ? 'tasks' : 'projects',
      operation: 'query',
      shape: `SELECT * FROM c WHERE c.userId = @u AND c.f${i % SHAPES} = @v`,
      outcome: i % 100 ? 'ok' : 'THROTTLED',
      requestCharge: 2.5,
      durationMs: 1,
      itemCount: 10,
    });
  }
  const elapsed = performance.now() - started;
  gc?.();
  const heldMb = (process.memoryUsage().heapUsed - before) / (1024 * 1024);
  const rows = recorder.snapshot(recorder.today()).rows.length;
  return [
    {
      name: `Usage recorder: heap after ${RECORDED_CALLS.toLocaleString('en')} recorded calls (${SHAPES.toLocaleString('en')} shapes)`,
      unit: 'MB',
      ours: heldMb,
      target: 'bounded',
      pass: rows <= 500 + 8,
      detail: `${rows} rows kept (500 shapes + 'other' per container/outcome); ${((elapsed * 1000) / RECORDED_CALLS).toFixed(3)} µs per record${gc ? '' : '; run with --expose-gc for a settled figure'}`,
    },
  ];
}

/** Query cache and usage recorder figures. */
export async function benchQueryCache(): Promise<BenchRow[]> {
  return [...(await benchCachedQuery()), ...benchRecorderMemory()];
}
