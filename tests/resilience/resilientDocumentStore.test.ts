import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DocumentStore } from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { AppError } from '../../shared/errors/appError';
import {
  ResilientDocumentStore,
  type ResilienceOptions,
} from '../../shared/resilience/resilientDocumentStore';
import { createJsonLogger } from '../../shared/telemetry/logger';
import { appErrorOf } from '../helpers/appErrorOf';

// The policies' logic, on the real embedded store behind a gate that injects the failures a network
// backend has (the local store cannot fail that way by itself). The same policies against the real Cosmos
// SDK under a fault proxy are the resilience scenarios.

type Fault =
  'connection' | 'connection-retry-after-400' | 'timeout' | 'throttle' | 'hang' | 'landed-then-reset';

class FaultGate {
  calls = 0;
  private queue: Fault[] = [];
  always: Fault | undefined;
  next(...faults: Fault[]): void {
    this.queue.push(...faults);
  }
  take(): Fault | undefined {
    this.calls += 1;
    return this.queue.shift() ?? this.always;
  }
}

const connectionError = (retryAfterMs?: number) =>
  new AppError('connection reset', {
    code: 'STORE_UNAVAILABLE',
    category: 'CONNECTION',
    status: 503,
    retryable: true,
    retryAfterMs,
  });

/** The local store with every call passing a fault gate first (or after, for "landed then reset"). */
function gated(inner: DocumentStore, gate: FaultGate): DocumentStore {
  const pass = async <R>(call: () => Promise<R>): Promise<R> => {
    const fault = gate.take();
    if (fault === 'connection') throw connectionError();
    if (fault === 'connection-retry-after-400') throw connectionError(400);
    if (fault === 'timeout')
      throw new AppError('timed out', { code: 'STORE_TIMEOUT', category: 'TIMEOUT', status: 503 });
    if (fault === 'throttle') {
      throw new AppError('throttled', {
        code: 'THROTTLED',
        category: 'THROTTLE',
        status: 429,
        retryable: true,
        retryAfterMs: 700,
      });
    }
    if (fault === 'hang') return new Promise<R>(() => undefined);
    const result = await call();
    if (fault === 'landed-then-reset') throw connectionError(); // the write happened; the answer was lost
    return result;
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (
        typeof value !== 'function' ||
        ['checkHealth', 'dispose', 'initialize'].includes(String(property))
      ) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: unknown[]) =>
        pass(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

const OPTIONS: ResilienceOptions = {
  operationTimeoutMs: 600,
  breakerThreshold: 3,
  breakerHalfOpenMs: 500,
  maxConcurrency: 8,
  maxQueue: 8,
  retryAttempts: 2,
};

let dataDir: string;
let local: LocalDocumentStore;
let gate: FaultGate;
let lines: Record<string, unknown>[];

function resilient(options: Partial<ResilienceOptions> = {}): ResilientDocumentStore {
  lines = [];
  const log = createJsonLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return new ResilientDocumentStore(gated(local, gate), { ...OPTIONS, ...options }, log);
}

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-resilience-'));
  local = new LocalDocumentStore({ dataDir, sync: 'normal' });
  await local.initialize();
  gate = new FaultGate();
});
afterEach(async () => {
  await local.dispose();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('an idempotent read is retried after a connection failure and succeeds', async () => {
  const store = resilient();
  await local.create('tasks', { id: 't', userId: 'u' });
  gate.next('connection');
  expect((await store.read('tasks', 't', 'u')).resource?.id).toBe('t');
  expect(gate.calls).toBe(2);
  expect(lines.some((l) => l.message === 'store retry')).toBe(true);
});

test('a patch is never retried: an increment applied twice would be a different result', async () => {
  const store = resilient();
  await local.create('tasks', { id: 't', userId: 'u', n: 0 });
  gate.next('landed-then-reset');
  const error = await appErrorOf(store.patch('tasks', 't', 'u', [{ op: 'incr', path: '/n', value: 1 }]));
  expect(error.category).toBe('CONNECTION');
  expect(gate.calls).toBe(1);
  expect((await local.read<{ id: string; n: number }>('tasks', 't', 'u')).resource?.n).toBe(1);
});

test('a create that landed before the connection dropped is retried and reported once, not as 409', async () => {
  const store = resilient();
  gate.next('landed-then-reset');
  const created = await store.create('tasks', { id: 'c1', userId: 'u', title: 'once' });
  expect(created.resource).toMatchObject({ id: 'c1', title: 'once' });
  const all = await local.query<string>(
    'tasks',
    { query: 'SELECT VALUE c.id FROM c' },
    { partitionKey: 'u' },
  );
  expect(all.items).toEqual(['c1']);
});

test("a retried create that meets someone else's document with that id is still a 409", async () => {
  const store = resilient();
  await local.create('tasks', { id: 'c2', userId: 'u', title: 'theirs' });
  gate.next('connection');
  expect((await appErrorOf(store.create('tasks', { id: 'c2', userId: 'u', title: 'mine' }))).status).toBe(
    409,
  );
});

test('a delete that landed before the connection dropped succeeds on retry', async () => {
  const store = resilient();
  await local.create('tasks', { id: 'd', userId: 'u' });
  gate.next('landed-then-reset');
  await store.delete('tasks', 'd', 'u');
  expect((await local.read('tasks', 'd', 'u')).resource).toBeUndefined();
});

test('throttling the SDK gave up on is not retried again, does not open the breaker, and keeps its retry-after', async () => {
  const store = resilient();
  gate.always = 'throttle';
  for (let i = 0; i < 5; i++) {
    const error = await appErrorOf(store.read('tasks', 'x', 'u'));
    expect({ status: error.status, retryAfterMs: error.retryAfterMs }).toEqual({
      status: 429,
      retryAfterMs: 700,
    });
  }
  expect(gate.calls).toBe(5);
  expect(store.breakerState()).toBe('closed');
});

test('a backend that is down opens the breaker: calls then fail fast with 503 and a retry-after, without reaching it', async () => {
  const store = resilient({ retryAttempts: 0 });
  gate.always = 'connection';
  for (let i = 0; i < OPTIONS.breakerThreshold; i++) await appErrorOf(store.read('tasks', 'x', 'u'));
  expect(store.breakerState()).toBe('open');
  const reached = gate.calls;
  const durations: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    const error = await appErrorOf(store.read('tasks', 'x', 'u'));
    durations.push(performance.now() - started);
    expect(error).toMatchObject({ code: 'STORE_CIRCUIT_OPEN', status: 503 });
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(OPTIONS.breakerHalfOpenMs);
  }
  expect(gate.calls).toBe(reached);
  const p99 = durations.sort((a, b) => a - b)[Math.ceil(0.99 * durations.length) - 1];
  console.log(`breaker open: 50 calls, p99 ${p99.toFixed(2)} ms`);
  expect(p99).toBeLessThan(100);
  expect(lines.some((l) => l.message === 'store breaker' && l.state === 'open')).toBe(true);
});

test('after the half-open delay one probe goes through; success closes the breaker within the delay + 1 s', async () => {
  const store = resilient({ retryAttempts: 0 });
  gate.always = 'connection';
  for (let i = 0; i < OPTIONS.breakerThreshold; i++) await appErrorOf(store.read('tasks', 'x', 'u'));
  const openedAt = performance.now();
  gate.always = undefined; // the backend is back
  let recoveredAt: number | undefined;
  while (recoveredAt === undefined && performance.now() - openedAt < OPTIONS.breakerHalfOpenMs + 1000) {
    try {
      await store.read('tasks', 'x', 'u');
      recoveredAt = performance.now();
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  expect(recoveredAt).toBeDefined();
  console.log(
    `breaker recovery: first success ${((recoveredAt as number) - openedAt).toFixed(0)} ms after opening`,
  );
  expect(store.breakerState()).toBe('closed');
});

test('a call that hangs times out within its bound and counts against the backend', async () => {
  const store = resilient({ retryAttempts: 0, operationTimeoutMs: 300 });
  gate.always = 'hang';
  const started = performance.now();
  const error = await appErrorOf(store.read('tasks', 'x', 'u'));
  const elapsed = performance.now() - started;
  expect(error).toMatchObject({ code: 'STORE_TIMEOUT', category: 'TIMEOUT', status: 503 });
  expect(elapsed).toBeGreaterThanOrEqual(290);
  expect(elapsed).toBeLessThan(1000);
  for (let i = 1; i < OPTIONS.breakerThreshold; i++) await appErrorOf(store.read('tasks', 'x', 'u'));
  expect(store.breakerState()).toBe('open');
});

test('a retry waits at least as long as the server asked (retry-after)', async () => {
  const store = resilient();
  await local.create('tasks', { id: 't', userId: 'u' });
  gate.next('connection-retry-after-400');
  const started = performance.now();
  await store.read('tasks', 't', 'u');
  expect(performance.now() - started).toBeGreaterThanOrEqual(390);
});

test('the bulkhead caps concurrent calls and refuses beyond its queue with 503', async () => {
  const store = resilient({ maxConcurrency: 2, maxQueue: 1, retryAttempts: 0, operationTimeoutMs: 400 });
  gate.always = 'hang';
  const running = [1, 2, 3].map(() => store.read('tasks', 'x', 'u').catch((e: unknown) => e));
  const refused = await appErrorOf(store.read('tasks', 'x', 'u'));
  expect(refused).toMatchObject({ code: 'STORE_BUSY', status: 503 });
  await Promise.all(running);
});

test('health passes the breaker and reports its state and last failure', async () => {
  const store = resilient({ retryAttempts: 0 });
  gate.always = 'connection';
  for (let i = 0; i < OPTIONS.breakerThreshold; i++) await appErrorOf(store.read('tasks', 'x', 'u'));
  const health = await store.checkHealth();
  expect(health.ok).toBe(true); // the local store itself answers
  expect(health.breaker).toMatchObject({ state: 'open', lastFailure: { code: 'STORE_UNAVAILABLE' } });
});
