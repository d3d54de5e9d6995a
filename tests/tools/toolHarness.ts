// Runs the built command-line tools (dist/tools/*/main.js, built by jest's globalSetup) as child processes,
// the way `npm run migrate` / `npm run seed` run them, with a clean environment plus what a test sets.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BatchOperation, DocumentStore, StoredDocument } from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { testCosmosEndpoint } from '../helpers/cosmosTestSettings';

export const repoRoot = path.resolve(__dirname, '..', '..');

// Settings the child must not inherit from the test environment.
const INHERITED_SETTING =
  /^(COSMOS_|DATA_|AUTH_|LOCAL_STORE_|HEALTH_CHECK_|KEY_VAULT_|WEBSITE_|APPLICATIONINSIGHTS_|AzureWebJobs|STORE_|USAGE_|QUERY_CACHE_|INDEX_METRICS_|COST_|JWT_)|^(PORT|LOG_LEVEL)$/;

/** A tool started as a child process. */
export interface ToolProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<ToolExit>;
}

export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/** Starts dist/tools/<tool>/main.js with these arguments and a clean environment plus `env`. */
export function spawnTool(
  tool: 'migrate' | 'seed',
  args: string[],
  env: Record<string, string>,
): ToolProcess {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !INHERITED_SETTING.test(name)),
  );
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'tools', tool, 'main.js'), ...args], {
    // Not the repository: a developer's local.settings.json there must not leak into the test.
    cwd: os.tmpdir(),
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<ToolExit>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs a tool to its end. */
export function runTool(
  tool: 'migrate' | 'seed',
  args: string[],
  env: Record<string, string>,
): Promise<ToolExit> {
  return spawnTool(tool, args, env).exited;
}

/** Kills every tool process a test left running (afterAll). */
export function killTools(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** The environment that points the Cosmos side at the test server, one database per test. */
export function cosmosEnv(database: string): Record<string, string> {
  return {
    COSMOS_ENDPOINT: testCosmosEndpoint(),
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: database,
    // Without this the Cosmos endpoint would make the app's own backend cosmos; the tools pick sides by flag.
    DATA_BACKEND: 'local',
  };
}

const tempDirs: string[] = [];

/** A fresh temporary directory, removed by removeTempDirs(). */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every directory makeTempDir() created. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Polls until probe returns a value, or fails after timeoutMs naming what it waited for. */
export async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Every document of a container, read in one query. */
export async function readAll(store: DocumentStore, container: string): Promise<StoredDocument[]> {
  return (await store.query<StoredDocument>(container, { query: 'SELECT * FROM c' })).items;
}

/** A document without the fields the store maintains. */
export function userFields(document: StoredDocument): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document).filter(([key]) => !key.startsWith('_')));
}

/** Usage buckets fillLocalStore writes (three days of ten). */
export const USAGE_DOCUMENTS = 30;

/** Documents per user container fillLocalStore writes for this many users. */
export function expectedCounts(users: number): Record<string, number> {
  // Per user: a profile, 8 projects, 40 tasks, 25 fitness entries.
  return { users, projects: users * 8, tasks: users * 40, fitness: users * 25 };
}

/** A local store with documents in every container and partition; ids repeat across partitions, as real ids do. */
export async function fillLocalStore(dataDir: string, users: number): Promise<void> {
  const store = new LocalDocumentStore({ dataDir, sync: 'normal' });
  await store.initialize();
  const creates = (docs: Record<string, unknown>[]): BatchOperation[] =>
    docs.map((resourceBody) => ({ operationType: 'Create', resourceBody: resourceBody as { id: string } }));
  for (let u = 0; u < users; u++) {
    const userId = `user-${String(u).padStart(3, '0')}`;
    const many = (prefix: string, n: number, extra: (i: number) => Record<string, unknown>) =>
      Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, userId, ...extra(i) }));
    await store.batch(
      'users',
      userId,
      creates([{ id: userId, userId, displayName: `User ${u}`, timezone: 'UTC' }]),
    );
    await store.batch(
      'projects',
      userId,
      creates(many('project', 8, (i) => ({ name: `Project ${i}`, archived: i % 3 === 0 }))),
    );
    await store.batch(
      'tasks',
      userId,
      creates(
        many('task', 40, (i) => ({
          title: `Task ${i}`,
          priority: (i % 5) + 1,
          tags: ['a', `t${i % 4}`],
          dueDate: i % 2 ? null : '2026-12-01',
        })),
      ),
    );
    await store.batch(
      'fitness',
      userId,
      creates(many('entry', 25, (i) => ({ type: 'run', date: '2026-11-01', durationMinutes: 20 + i }))),
    );
  }
  for (let d = 0; d < 3; d++) {
    const day = `2026-11-0${d + 1}`;
    await store.batch(
      'usage',
      day,
      creates(Array.from({ length: USAGE_DOCUMENTS / 3 }, (_, i) => ({ id: `bucket-${i}`, day, ru: i }))),
    );
  }
  await store.dispose();
}

/** address -> document without system fields, for exact comparison of two stores' contents. */
export async function contentsByAddress(
  store: DocumentStore,
  container: string,
): Promise<Map<string, Record<string, unknown>>> {
  const documents = await readAll(store, container);
  const byAddress = new Map<string, Record<string, unknown>>();
  for (const document of documents) {
    byAddress.set(JSON.stringify([document.userId ?? document.day, document.id]), userFields(document));
  }
  // A duplicate would have collided above.
  if (byAddress.size !== documents.length) throw new Error(`${container} holds a document twice`);
  return byAddress;
}
