import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { getContainer } from '../data/catalogue';
import type {
  BatchOperation,
  BatchResponse,
  BulkOperation,
  BulkOptions,
  BulkResponse,
  CallOptions,
  DocumentBody,
  DocumentStore,
  PartitionKeyValue,
  PatchOperation,
  QueryOptions,
  QueryPage,
  SqlQuery,
  StoreHealth,
  StoreResponse,
  StoredDocument,
  WriteOptions,
} from '../data/documentStore';
import { partitionKeyOf } from '../data/partitionKey';
import { AppError, isAppError } from '../errors/appError';
import type { Logger } from '../telemetry/logger';
import { RetryAfterAwareBackoff } from './retryAfterBackoff';

/** How the store's calls are guarded (from settings.resilience). */
export interface ResilienceOptions {
  operationTimeoutMs: number;
  breakerThreshold: number;
  breakerHalfOpenMs: number;
  maxConcurrency: number;
  maxQueue: number;
  retryAttempts: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the policies did, for logs and metrics. */
export type ResilienceEvent =
  | { type: 'retry'; operation: string; attempt: number; delayMs: number; code: string }
  | { type: 'give-up'; operation: string; code: string }
  | { type: 'breaker'; state: BreakerState }
  | { type: 'timeout'; operation: string; afterMs: number }
  | { type: 'rejected'; operation: string; reason: 'breaker-open' | 'bulkhead-full' }
  | { type: 'reconnect' };

/** Counts of every resilience event since the process started, by event and detail. */
export const resilienceCounters = new Map<string, number>();

function count(key: string): void {
  resilienceCounters.set(key, (resilienceCounters.get(key) ?? 0) + 1);
}

/** Receives every resilience event as it happens (metrics, telemetry). Must not throw or block. */
export type ResilienceObserver = (event: ResilienceEvent, at: Date) => void;

const resilienceObservers = new Set<ResilienceObserver>();

/** Adds an observer of resilience events (breaker transitions, retries, timeouts, rejections); returns its remover. */
export function observeResilienceEvents(observer: ResilienceObserver): () => void {
  resilienceObservers.add(observer);
  return () => resilienceObservers.delete(observer);
}

function codeOf(error: unknown): string {
  if (error instanceof AppError) return error.code;
  if (error instanceof TaskCancelledError) return 'STORE_TIMEOUT';
  return error instanceof Error ? error.name : 'UNKNOWN';
}

// An outage, not a verdict on the request: these open the breaker. A 404, 409, 412, 400 or 429 says the
// store is up and answering, so it never counts against it.
function isOutage(error: Error): boolean {
  if (error instanceof TaskCancelledError) return true;
  return isAppError(error) && (error.category === 'CONNECTION' || error.category === 'TIMEOUT');
}

// Throttling is not retried here: the SDK has already retried it as long as it was configured to, and
// retrying again would multiply waits. An open breaker is not retried either: failing fast is its point.
function isRetryable(error: Error): boolean {
  return isOutage(error) && !(error instanceof BrokenCircuitError);
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/** Same content, ignoring system fields: did the earlier attempt of a retried write land? */
function sameContent(stored: Record<string, unknown>, intended: Record<string, unknown>): boolean {
  const strip = (doc: Record<string, unknown>) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(doc)
          .filter(([k]) => !k.startsWith('_'))
          .sort(),
      ),
    );
  return strip(stored) === strip(intended);
}

/**
 * A DocumentStore guarded by cockatiel policies: a bulkhead caps concurrent calls, idempotent calls are
 * retried with decorrelated-jitter backoff (at least the server's retry-after) when the connection failed,
 * a circuit breaker fails calls fast while the backend is down, and a timeout inside the breaker bounds
 * every attempt, so a hung half-open probe fails instead of holding callers. An overall deadline of
 * operationTimeoutMs around all of it bounds what a caller waits (queue, attempts and backoff together).
 * Each attempt's AbortSignal is passed to the inner store, so an attempt that timed out stops there too
 * (the Cosmos SDK would otherwise keep retrying it in the background).
 */
export class ResilientDocumentStore implements DocumentStore {
  readonly backend;
  private readonly breaker;
  private readonly guarded: IPolicy;
  private readonly guardedOnce: IPolicy;
  private readonly limiter: IPolicy;
  private openedAt = 0;
  private lastFailure: { code: string; at: string } | undefined;

  constructor(
    private readonly inner: DocumentStore,
    private readonly options: ResilienceOptions,
    private readonly log: Logger,
  ) {
    this.backend = inner.backend;
    const attemptMs = Math.max(50, Math.floor(options.operationTimeoutMs / (1 + options.retryAttempts)));
    const attemptTimeout = timeout(attemptMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    this.breaker = circuitBreaker(handleWhen(isOutage), {
      halfOpenAfter: options.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    const retries = retry(handleWhen(isRetryable), {
      maxAttempts: options.retryAttempts,
      backoff: new RetryAfterAwareBackoff({ initialDelayMs: 50, maxDelayMs: 2_000 }),
    });
    const limiter = bulkhead(options.maxConcurrency, options.maxQueue);
    this.limiter = limiter;
    // The attempts alone fit the budget, but the backoff between them (decorrelated jitter, or a server's
    // retry-after) does not, nor does waiting in the bulkhead's queue: without this deadline a caller could
    // wait operationTimeoutMs plus a few hundred milliseconds. Outermost, so the queue counts too (a queued
    // call whose deadline passed is dropped by the bulkhead unrun, its signal being aborted).
    const deadline = timeout(options.operationTimeoutMs, {
      strategy: TimeoutStrategy.Aggressive,
      abortOnReturn: false,
    });
    this.guarded = wrap(deadline, limiter, retries, this.breaker, attemptTimeout);
    this.guardedOnce = wrap(deadline, limiter, this.breaker, attemptTimeout);

    this.breaker.onStateChange((state) => {
      const name = STATE_NAMES[state];
      if (name === 'open') this.openedAt = Date.now();
      this.emit({ type: 'breaker', state: name });
    });
    this.breaker.onBreak((reason) => {
      // Repeated connection failures (refused, reset): the client's pooled sockets or routing may be what
      // is broken, so the next probe goes out on a fresh client. Not for timeouts: a backend that does not
      // answer is not fixed by new sockets, and a new client's discovery would only pile up behind it.
      const error = 'error' in reason ? reason.error : undefined;
      if (this.inner.reconnect && isAppError(error) && error.category === 'CONNECTION') {
        this.emit({ type: 'reconnect' });
        this.inner
          .reconnect()
          .catch((failure: unknown) => this.log.warn('store reconnect failed', { error: failure }));
      }
    });
    retries.onRetry((event) => {
      const code = 'error' in event ? codeOf(event.error) : 'RESULT';
      this.emit({ type: 'retry', operation: 'store', attempt: event.attempt, delayMs: event.delay, code });
    });
    retries.onGiveUp((event) => {
      this.emit({
        type: 'give-up',
        operation: 'store',
        code: 'error' in event ? codeOf(event.error) : 'RESULT',
      });
    });
    attemptTimeout.onTimeout(() => this.emit({ type: 'timeout', operation: 'store', afterMs: attemptMs }));
    deadline.onTimeout(() =>
      this.emit({ type: 'timeout', operation: 'store', afterMs: options.operationTimeoutMs }),
    );
  }

  /** The breaker's state, for health and metrics. */
  breakerState(): BreakerState {
    return STATE_NAMES[this.breaker.state];
  }

  async initialize(): Promise<void> {
    return this.run('initialize', true, undefined, () => this.inner.initialize());
  }

  read<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T> | undefined>> {
    return this.run('read', true, options, (signal) =>
      this.inner.read<T>(container, id, partitionKey, { signal }),
    );
  }

  create<T extends DocumentBody>(
    container: string,
    document: T,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    let attempts = 0;
    return this.run('create', true, options, async (signal) => {
      attempts += 1;
      try {
        return await this.inner.create(container, document, { signal });
      } catch (error) {
        // A retried create that meets its own id may be meeting the attempt that failed on the way back.
        if (attempts > 1 && isAppError(error, 'CONFLICT')) {
          const pk = partitionKeyOf(getContainer(container), document);
          const existing = await this.inner.read<T>(container, document.id, pk, { signal });
          if (existing.resource && sameContent(existing.resource, document)) {
            return { resource: existing.resource, stats: existing.stats };
          }
        }
        throw error;
      }
    });
  }

  upsert<T extends DocumentBody>(
    container: string,
    document: T,
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.run('upsert', options?.ifMatch === undefined, options, (signal) =>
      this.inner.upsert(container, document, { ...options, signal }),
    );
  }

  replace<T extends DocumentBody>(
    container: string,
    document: T,
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    let attempts = 0;
    return this.run('replace', true, options, async (signal) => {
      attempts += 1;
      try {
        return await this.inner.replace(container, document, { ...options, signal });
      } catch (error) {
        // With If-Match, a retry's 412 may be the first attempt having landed: then the content is ours.
        if (attempts > 1 && isAppError(error, 'PRECONDITION_FAILED')) {
          const pk = partitionKeyOf(getContainer(container), document);
          const current = await this.inner.read<T>(container, document.id, pk, { signal });
          if (current.resource && sameContent(current.resource, document)) {
            return { resource: current.resource, stats: current.stats };
          }
        }
        throw error;
      }
    });
  }

  async delete(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: WriteOptions,
  ): Promise<StoreResponse<undefined>> {
    let attempts = 0;
    return this.run('delete', true, options, async (signal) => {
      attempts += 1;
      try {
        return await this.inner.delete(container, id, partitionKey, { ...options, signal });
      } catch (error) {
        // A retried delete that finds nothing: the failed attempt deleted it.
        if (attempts > 1 && isAppError(error, 'NOT_FOUND')) {
          return { resource: undefined, stats: { requestCharge: 0, durationMs: 0, itemCount: 0 } };
        }
        throw error;
      }
    });
  }

  patch<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    operations: PatchOperation[],
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    // Not retried: an increment applied twice is a different result, and whether the first landed is unknowable.
    return this.run('patch', false, options, (signal) =>
      this.inner.patch<T>(container, id, partitionKey, operations, { ...options, signal }),
    );
  }

  query<T = StoredDocument>(
    container: string,
    query: SqlQuery,
    options?: QueryOptions,
  ): Promise<QueryPage<T>> {
    return this.run('query', true, options, (signal) =>
      this.inner.query<T>(container, query, { ...options, signal }),
    );
  }

  batch(
    container: string,
    partitionKey: PartitionKeyValue,
    operations: BatchOperation[],
    options?: CallOptions,
  ): Promise<BatchResponse> {
    return this.run('batch', false, options, (signal) =>
      this.inner.batch(container, partitionKey, operations, { signal }),
    );
  }

  /**
   * Guarded like every call (deadline, bulkhead, breaker) but never retried as a whole: its writes are not
   * idempotent as a set, and throttled operations are already backed off per item by the adapter.
   */
  bulk(container: string, operations: BulkOperation[], options?: BulkOptions): Promise<BulkResponse> {
    const count = Array.isArray(operations) ? operations.length : 0;
    const deadlineMs = this.bulkDeadlineMs(count);
    // Throttled operations are re-sent only in the first 80% of the deadline: throttling must end as
    // per-item 429s (the store answered), never as a timeout that the breaker would count as an outage.
    const ownThrottleDeadline = Date.now() + Math.floor(deadlineMs * 0.8);
    const throttleDeadline = Math.min(ownThrottleDeadline, options?.throttleDeadline ?? Infinity);
    return this.run(
      'bulk',
      false,
      options,
      (signal) => this.inner.bulk(container, operations, { ...options, throttleDeadline, signal }),
      this.bulkPolicy(deadlineMs),
    );
  }

  // A bulk call is one attempt, never cut into per-attempt slices: its deadline is operationTimeoutMs per
  // started 1,000 operations, so a 1,000-item request is bounded like any call and a migration's larger
  // calls get time in proportion.
  private bulkDeadlineMs(operations: number): number {
    return this.options.operationTimeoutMs * Math.max(1, Math.ceil(operations / 1_000));
  }

  // The same bound twice: outermost so the bulkhead queue counts, and inside the breaker so a bulk call
  // that times out counts as an outage, as an attempt of any call does.
  private bulkPolicy(deadlineMs: number): IPolicy {
    const deadline = timeout(deadlineMs, TimeoutStrategy.Aggressive);
    deadline.onTimeout(() => this.emit({ type: 'timeout', operation: 'bulk', afterMs: deadlineMs }));
    return wrap(deadline, this.limiter, this.breaker, timeout(deadlineMs, TimeoutStrategy.Aggressive));
  }

  /** The backend's own health (never short-circuited by the breaker), with the breaker's state and last failure. */
  async checkHealth(): Promise<StoreHealth> {
    const health = await this.inner.checkHealth();
    return { ...health, breaker: { state: this.breakerState(), lastFailure: this.lastFailure } };
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }

  /**
   * Runs one call under the policies. `work` gets the signal of its attempt, which aborts when that attempt
   * times out, the deadline passes or the caller's own signal (options.signal) aborts.
   */
  private async run<R>(
    operation: string,
    idempotent: boolean,
    options: CallOptions | undefined,
    work: (signal: AbortSignal) => Promise<R>,
    custom?: IPolicy,
  ): Promise<R> {
    try {
      const policy = custom ?? (idempotent ? this.guarded : this.guardedOnce);
      return await policy.execute(({ signal }) => work(signal), options?.signal);
    } catch (error) {
      const mapped = this.toAppError(operation, error);
      if (mapped.category === 'CONNECTION' || mapped.category === 'TIMEOUT') {
        this.lastFailure = { code: mapped.code, at: new Date().toISOString() };
      }
      throw mapped;
    }
  }

  private toAppError(operation: string, error: unknown): AppError {
    if (error instanceof BrokenCircuitError) {
      this.emit({ type: 'rejected', operation, reason: 'breaker-open' });
      const remaining = Math.max(0, this.options.breakerHalfOpenMs - (Date.now() - this.openedAt));
      return new AppError('The data store is unavailable (circuit open); retry shortly.', {
        code: 'STORE_CIRCUIT_OPEN',
        category: 'CONNECTION',
        status: 503,
        retryable: true,
        retryAfterMs: Math.max(1, remaining),
        cause: error,
      });
    }
    if (error instanceof BulkheadRejectedError) {
      this.emit({ type: 'rejected', operation, reason: 'bulkhead-full' });
      return new AppError('The data store is at its concurrency limit; retry shortly.', {
        code: 'STORE_BUSY',
        category: 'THROTTLE',
        status: 503,
        retryable: true,
        retryAfterMs: 1000,
        cause: error,
      });
    }
    if (error instanceof TaskCancelledError) {
      return new AppError(`The data store did not answer in time (${operation}).`, {
        code: 'STORE_TIMEOUT',
        category: 'TIMEOUT',
        status: 503,
        retryable: true,
        retryAfterMs: 1000,
        cause: error,
      });
    }
    if (error instanceof AppError) return error;
    return new AppError('The data store failed unexpectedly.', {
      code: 'STORE_ERROR',
      category: 'DATA',
      status: 500,
      cause: error,
    });
  }

  private emit(event: ResilienceEvent): void {
    count(
      `${event.type}${'state' in event ? `:${event.state}` : ''}${'reason' in event ? `:${event.reason}` : ''}`,
    );
    const level = event.type === 'retry' ? 'info' : 'warn';
    this.log[level](`store ${event.type}`, { backend: this.backend, ...event });
    const at = new Date();
    for (const observer of resilienceObservers) {
      try {
        observer(event, at);
      } catch {
        // An observer's bug must never fail the store call it observes.
      }
    }
  }
}
