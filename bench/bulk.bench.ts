import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../shared/config/settings';
import { CosmosDocumentStore } from '../shared/data/cosmos/cosmosDocumentStore';
import type { BulkOperation, DocumentStore } from '../shared/data/documentStore';
import { LocalDocumentStore } from '../shared/data/local/localDocumentStore';
import { ResilientDocumentStore } from '../shared/resilience/resilientDocumentStore';
import { createJsonLogger } from '../shared/telemetry/logger';
import { startBenchCosmosServer } from './cosmosServer';
import { startApi, stop } from './api.bench';
import { type BenchRow, sized, spread } from './measure';

// Bulk import of N documents through DocumentStore.bulk vs the same N as sequential awaited creates, side
// by side in alternating rounds (machine noise hits both alike), medians reported. Each adapter as the
// app composes it: Cosmos behind the resilience wrapper, talking to the Cosmos-protocol test server in a
// separate process; the local store on its own, once with the default sync=normal and once with
// sync=full (an fsync per commit).

const ROUNDS = sized(5, 1);
const PARTITIONS = 20;
const STATUSES = ['todo', 'in_progress', 'done'];

function taskDoc(run: string, i: number): Record<string, unknown> & { id: string; userId: string } {
  return {
    id: `${run}-t${i}`,
    userId: `${run}-u${i % PARTITIONS}`,
    title: `Imported task number ${i} with a realistic title`,
    status: STATUSES[i % 3],
    priority: (i % 5) + 1,
    dueDate: new Date(Date.UTC(2026, 0, 1) + (i % 365) * 86_400_000).toISOString().slice(0, 10),
    tags: ['import', `tag${i % 7}`],
    createdAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    updatedAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
  };
}

interface SideBySide {
  bulk: number[];
  sequential: number[];
}

/** Alternating rounds of N documents each way (fresh ids every round); documents per second of each. */
async function measure(store: DocumentStore, label: string, n: number): Promise<SideBySide> {
  const rates: SideBySide = { bulk: [], sequential: [] };
  const bulk = async (run: string): Promise<number> => {
    const operations: BulkOperation[] = Array.from({ length: n }, (_, i) => {
      const doc = taskDoc(run, i);
      return { operationType: 'Create', partitionKey: doc.userId, resourceBody: doc };
    });
    const started = performance.now();
    const response = await store.bulk('tasks', operations);
    const ms = performance.now() - started;
    const failed = response.results.filter((r) => r.statusCode !== 201).length;
    if (failed > 0) throw new Error(`${label}: ${failed} of ${n} bulk creates failed`);
    return (n * 1000) / ms;
  };
  const sequential = async (run: string): Promise<number> => {
    const started = performance.now();
    for (let i = 0; i < n; i++) await store.create('tasks', taskDoc(run, i));
    return (n * 1000) / (performance.now() - started);
  };
  // Warm-up (connections, the SDK's routing caches, SQLite's page cache), not measured.
  await bulk(`${label}-warm-b`);
  await sequential(`${label}-warm-s`);
  for (let round = 0; round < ROUNDS; round++) {
    const stamp = `${label}-r${round}`;
    // The order alternates too, so neither side always runs on a store the other has just grown.
    if (round % 2 === 0) {
      rates.bulk.push(await bulk(`${stamp}-b`));
      rates.sequential.push(await sequential(`${stamp}-s`));
    } else {
      rates.sequential.push(await sequential(`${stamp}-s`));
      rates.bulk.push(await bulk(`${stamp}-b`));
    }
  }
  return rates;
}

function row(
  name: string,
  n: number,
  rates: SideBySide,
  target: number,
  note: string,
  partitions = PARTITIONS,
): BenchRow {
  const bulk = spread(rates.bulk);
  const sequential = spread(rates.sequential);
  const ratio = bulk.median / sequential.median;
  return {
    name,
    unit: 'docs/s',
    ours: bulk.median,
    comparison: sequential.median,
    comparisonName: `${n.toLocaleString('en')} sequential awaited creates`,
    ratio,
    target: `≥ ${target}x`,
    pass: ratio >= target,
    detail:
      `N = ${n.toLocaleString('en')} over ${partitions} partition${partitions === 1 ? '' : 's'}, ${ROUNDS} alternating rounds, medians; ` +
      `bulk ${bulk.min.toFixed(0)}..${bulk.max.toFixed(0)}, sequential ${sequential.min.toFixed(0)}..` +
      `${sequential.max.toFixed(0)} docs/s; ${note}`,
  };
}

async function cosmosRow(): Promise<BenchRow> {
  const server = await startBenchCosmosServer();
  let store: DocumentStore | undefined;
  try {
    const settings = loadSettings({
      DATA_BACKEND: 'cosmos',
      COSMOS_ENDPOINT: server.endpoint,
      COSMOS_KEY: 'test-key',
      COSMOS_ALLOW_INSECURE_TLS: 'true',
      COSMOS_DATABASE: 'bench-bulk',
    });
    store = new ResilientDocumentStore(
      new CosmosDocumentStore(settings.cosmos),
      settings.resilience,
      createJsonLogger('error', () => undefined),
    );
    await store.initialize();
    const n = sized(3_000, 100);
    return row(
      'Bulk import vs sequential creates (Cosmos adapter, @vercel/cosmosdb-server in a separate process)',
      n,
      await measure(store, 'cosmos', n),
      5,
      'executeBulkOperations through the resilience wrapper, HTTPS on loopback; the test server closes the ' +
        'connection after every response, so each sequential create also pays a TLS handshake',
    );
  } finally {
    await store?.dispose();
    await server.stop();
  }
}

async function localRow(sync: 'normal' | 'full'): Promise<BenchRow> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `lt-bench-bulk-${sync}-`));
  const store = new LocalDocumentStore({ dataDir, sync });
  try {
    await store.initialize();
    // Smoke: past one 500-operation transaction on the default store, to cover the batching.
    const n = sync === 'normal' ? sized(10_000, 600) : sized(2_000, 100);
    return row(
      `Bulk import vs sequential creates (local store, sync=${sync}${sync === 'normal' ? ', the default' : ''})`,
      n,
      await measure(store, `local-${sync}`, n),
      20,
      sync === 'normal'
        ? 'one SQLite transaction per 500 operations vs one per create (WAL, no fsync per commit)'
        : 'one SQLite transaction per 500 operations vs one per create, each commit fsynced',
    );
  } finally {
    await store.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const API_ITEMS = sized(1_000, 50);

/** Import through the app as a client does: POST /api/bulk/tasks with 1,000 items vs 1,000 awaited POST /api/tasks. */
async function apiRow(): Promise<BenchRow> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-bulk-api-'));
  const { child, url } = await startApi(dataDir);
  const headers = { 'content-type': 'application/json', 'x-ms-client-principal-id': 'bench-bulk-user' };
  const item = (round: string, i: number) => ({
    title: `Imported ${round} ${i}`,
    status: 'todo',
    priority: (i % 5) + 1,
  });
  try {
    const rates: SideBySide = { bulk: [], sequential: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      let started = performance.now();
      for (let i = 0; i < API_ITEMS; i += 1) {
        const response = await fetch(`${url}/api/tasks`, {
          method: 'POST',
          headers,
          body: JSON.stringify(item(`s${round}`, i)),
        });
        if (response.status !== 201) throw new Error(`POST /api/tasks answered ${response.status}`);
        await response.arrayBuffer();
      }
      rates.sequential.push((API_ITEMS * 1000) / (performance.now() - started));
      started = performance.now();
      const items = Array.from({ length: API_ITEMS }, (_, i) => item(`b${round}`, i));
      const response = await fetch(`${url}/api/bulk/tasks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ items }),
      });
      const body = (await response.json()) as { results: { status: number }[] };
      if (response.status !== 207 || body.results.some((r) => r.status !== 201))
        throw new Error('bulk import failed');
      rates.bulk.push((API_ITEMS * 1000) / (performance.now() - started));
    }
    return row(
      'Bulk import vs sequential creates through the API (local runner, local store)',
      API_ITEMS,
      rates,
      20,
      `one POST /api/bulk/tasks of ${API_ITEMS.toLocaleString('en')} items vs ${API_ITEMS.toLocaleString('en')} awaited POST /api/tasks on one keep-alive connection (each validated, stored and answered)`,
      1,
    );
  } finally {
    await stop(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Bulk engine figures: bulk import vs sequential creates on the Cosmos adapter, on the local store and through the API. */
export async function benchBulk(): Promise<BenchRow[]> {
  return [await cosmosRow(), await localRow('normal'), await localRow('full'), await apiRow()];
}
