import type { Container, ErrorResponse } from '@azure/cosmos';
import type { ContainerDefinition } from '../catalogue';
import type {
  BatchOperation,
  BulkOperation,
  BulkOperationResult,
  BulkOptions,
  BulkResponse,
} from '../documentStore';
import {
  BulkStats,
  failedResult,
  invalidBulkOperation,
  isSuccessStatus,
  partitionChunks,
} from '../bulkOperations';
import { toSdkBatch } from './batchOperations';
import {
  fromOperationResponse,
  pointSender,
  requestOptions,
  sendThroughBulkExecutor,
  statusOf,
  type Answer,
  type Sender,
} from './cosmosBulkSend';
import { ThrottleLog } from './cosmosBulkThrottles';
import { chargeFromHeaders } from './operationStats';

/** How the engine sends operations and retries what is still throttled (429) after the SDK's own retries. */
export interface CosmosBulkPolicy {
  /** Rounds of re-sending throttled operations before they are reported 429 THROTTLED. */
  throttleRounds: number;
  /** Back-off before the first re-send when the service named no retry-after; doubles per round. */
  initialBackoffMs: number;
  /** Cap on one back-off (the service's retry-after is honoured up to this). */
  maxBackoffMs: number;
  /**
   * Non-atomic calls with fewer operations than this go as concurrent point requests rather than through
   * the SDK's bulk executor, whose partial-request wait makes any call take about a second. 0: always the
   * bulk executor.
   */
  pointOperationsBelow: number;
  /** Concurrent requests of the point path; also how many partitions' batches run at once in atomic mode. */
  concurrency: number;
}

// Fewer than 100 operations fill less than one bulk request, and 16 concurrent point requests finish them
// in a few round trips (~30 ms for 3 operations against the test server, where the bulk executor took
// 1,030 ms; measured).
/** The defaults: a throttled operation gets 5 more rounds, each waiting at least what the service asked. */
export const DEFAULT_COSMOS_BULK_POLICY: CosmosBulkPolicy = {
  throttleRounds: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  pointOperationsBelow: 100,
  concurrency: 16,
};

/** A failure that is no verdict on the operation: the request did not get through or was not served. */
function isOutageStatus(statusCode: number): boolean {
  return statusCode === 408 || statusCode === 410 || statusCode === 500 || statusCode === 503;
}

/** A bulk call Cosmos DB served none of: every operation failed with an outage status. */
export class BulkOutageError extends Error {
  constructor(override readonly cause: unknown) {
    super('No operation of the bulk call reached Cosmos DB.');
    this.name = 'BulkOutageError';
  }
}

interface Run {
  container: Container;
  definition: ContainerDefinition;
  operations: readonly BulkOperation[];
  options: BulkOptions;
  policy: CosmosBulkPolicy;
  results: BulkOperationResult[];
  stats: BulkStats;
  throttles: ThrottleLog;
  /** The first outage a result reports, and whether any operation got a verdict from the service. */
  outage?: unknown;
  verdicts: number;
}

/**
 * Runs a bulk call against one container. Non-atomic: the operations go through the SDK's bulk executor
 * (or, for a small call, as concurrent point requests); what still comes back 429 is re-sent after a
 * back-off that honours the service's retry-after, for a bounded number of rounds, then reported 429
 * THROTTLED per operation. Atomic: per partition, transactional batches of at most 100 (`items.batch`),
 * partitions side by side; a failed batch reports the failing operation's status and 424 for the others;
 * a throttled batch is backed off and re-sent as a whole. Throws BulkOutageError when the service gave a
 * verdict on no operation at all (an outage, for the breaker), the caller's abort reason when aborted.
 */
export async function runCosmosBulk(
  container: Container,
  definition: ContainerDefinition,
  operations: readonly BulkOperation[],
  options: BulkOptions = {},
  policy: CosmosBulkPolicy = DEFAULT_COSMOS_BULK_POLICY,
): Promise<BulkResponse> {
  const run: Run = {
    container,
    definition,
    operations,
    options,
    policy,
    results: new Array<BulkOperationResult>(operations.length),
    stats: new BulkStats(),
    throttles: new ThrottleLog(),
    verdicts: 0,
  };
  const valid: number[] = [];
  operations.forEach((operation, index) => {
    const invalid = invalidBulkOperation(definition, operation);
    if (invalid && !options.atomic) run.results[index] = failedResult(invalid.status, invalid.code);
    else valid.push(index);
  });
  if (options.atomic) await runAtomic(run, valid);
  else await runNonAtomic(run, valid);
  if (run.verdicts === 0 && run.outage !== undefined) throw new BulkOutageError(run.outage);
  run.stats.throttled = run.throttles.count();
  return { results: run.results, stats: run.stats.done(run.results) };
}

async function runNonAtomic(run: Run, indexes: number[]): Promise<void> {
  const { container, operations, options, policy } = run;
  const points = pointSender(policy.concurrency);
  let pending = indexes;
  let retryAfterMs = 0;
  for (let round = 0; pending.length > 0; round += 1) {
    if (round > 0) await backOff(round, retryAfterMs, policy, options.signal);
    const roundStarted = performance.now();
    const send: Sender = pending.length < policy.pointOperationsBelow ? points : sendThroughBulkExecutor;
    const answers = await send(
      container,
      pending.map((index) => operations[index]),
      options.signal,
    );
    options.signal?.throwIfAborted();
    const throttled: number[] = [];
    retryAfterMs = answers.reduce(
      (most, a) => (a.statusCode === 429 ? Math.max(most, a.retryAfterMs) : most),
      0,
    );
    // Another round is expected to take about as long as this one did.
    const roundMs = performance.now() - roundStarted;
    const again = mayResend(run, round, backOffMs(round + 1, retryAfterMs, policy) + roundMs);
    pending.forEach((index, position) => {
      const answer = answers[position];
      run.stats.requestCharge += answer.requestCharge;
      run.throttles.noteRetried(answer.diagnostics);
      if (answer.statusCode === 429) {
        run.throttles.note(answer.activityId);
        if (again) {
          throttled.push(index);
          return;
        }
      }
      settle(run, index, answer);
    });
    pending = throttled;
  }
}

async function runAtomic(run: Run, indexes: number[]): Promise<void> {
  // Chunks of one partition run in input order (a later operation may depend on an earlier one);
  // partitions run side by side.
  const byPartition = new Map<string, number[][]>();
  for (const chunk of partitionChunks(run.operations, indexes)) {
    const key = JSON.stringify(run.operations[chunk[0]].partitionKey);
    const chunks = byPartition.get(key);
    if (chunks) chunks.push(chunk);
    else byPartition.set(key, [chunk]);
  }
  const queue = [...byPartition.values()];
  const lane = async (): Promise<void> => {
    for (let chunks = queue.shift(); chunks; chunks = queue.shift()) {
      for (const chunk of chunks) await runBatch(run, chunk);
    }
  };
  await Promise.all(Array.from({ length: Math.min(run.policy.concurrency, queue.length) }, lane));
}

/** One transactional batch, re-sent as a whole after a back-off while it is throttled. */
async function runBatch(run: Run, chunk: number[]): Promise<void> {
  const { container, definition, operations, options, policy, stats, throttles } = run;
  const invalidAt = chunk.findIndex((index) => invalidBulkOperation(definition, operations[index]));
  if (invalidAt >= 0) {
    // Refused before anything is sent, reported as Cosmos DB reports a batch it refused.
    const invalid = invalidBulkOperation(definition, operations[chunk[invalidAt]]);
    chunk.forEach((index, position) => {
      run.results[index] =
        position === invalidAt && invalid ? failedResult(invalid.status, invalid.code) : failedResult(424);
    });
    run.verdicts += 1;
    return;
  }
  const partitionKey = operations[chunk[0]].partitionKey;
  const batch = toSdkBatch(
    definition,
    partitionKey,
    chunk.map((index) => toBatchOperation(operations[index])),
  );
  let retryAfterMs = 0;
  for (let round = 0; ; round += 1) {
    if (round > 0) await backOff(round, retryAfterMs, policy, options.signal);
    const roundStarted = performance.now();
    const again = (): boolean =>
      mayResend(run, round, backOffMs(round + 1, retryAfterMs, policy) + performance.now() - roundStarted);
    let answers: Answer[];
    try {
      // Copies: the SDK rewrites `partitionKey` on the operations it is given.
      const response = await container.items.batch(
        batch.map((operation) => ({ ...operation })),
        partitionKey,
        requestOptions(options.signal),
      );
      const raw = response.result ?? [];
      stats.requestCharge +=
        chargeFromHeaders(response.headers) ?? raw.reduce((sum, r) => sum + (r.requestCharge ?? 0), 0);
      throttles.noteRetried(response.diagnostics);
      if (response.code === 429 || raw.some((r) => r.statusCode === 429)) {
        throttles.note(headerText(response.headers, 'x-ms-activity-id'));
        retryAfterMs = Number(response.headers?.['x-ms-retry-after-ms']) || 0;
        if (again()) continue;
        answers = chunk.map(() => ({ statusCode: 429, requestCharge: 0, retryAfterMs }));
      } else {
        answers = chunk.map((_, position) => fromOperationResponse(raw[position]));
      }
    } catch (error) {
      options.signal?.throwIfAborted();
      const status = statusOf(error);
      const failure = error as ErrorResponse;
      throttles.noteRetried(failure.diagnostics);
      if (status === 429) {
        throttles.note(failure.activityId);
        retryAfterMs = Number(failure.retryAfterInMs) || 0;
        if (again()) continue;
      }
      answers = chunk.map(() => ({ statusCode: status, requestCharge: 0, retryAfterMs: 0, error }));
    }
    chunk.forEach((index, position) => settle(run, index, answers[position]));
    return;
  }
}

/** Records an operation's final answer as its result. */
function settle(run: Run, index: number, answer: Answer): void {
  if (isOutageStatus(answer.statusCode)) run.outage ??= answer.error ?? answer;
  else run.verdicts += 1;
  if (!isSuccessStatus(answer.statusCode)) {
    run.results[index] = failedResult(answer.statusCode);
    return;
  }
  const result: BulkOperationResult = { statusCode: answer.statusCode };
  if (answer.resource) result.resource = answer.resource;
  if (answer.etag) result.etag = answer.etag;
  run.results[index] = result;
}

function toBatchOperation(operation: BulkOperation): BatchOperation {
  // A bulk operation is a batch operation that names its own partition.
  const { partitionKey: _partitionKey, ...batchOperation } = operation;
  return batchOperation;
}

function headerText(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether throttled operations get another round: within the policy's rounds, and, when the caller set a
 * throttle deadline, only if the back-off and a round as long as the last one still end before it.
 */
function mayResend(run: Run, round: number, nextRoundMs: number): boolean {
  if (round >= run.policy.throttleRounds) return false;
  const deadline = run.options.throttleDeadline;
  return deadline === undefined || Date.now() + nextRoundMs < deadline;
}

// Exponential back-off from initialBackoffMs (the upper bound of its jitter), never shorter than the
// service's retry-after, capped at maxBackoffMs.
function backOffMs(round: number, retryAfterMs: number, policy: CosmosBulkPolicy): number {
  return Math.min(policy.maxBackoffMs, Math.max(retryAfterMs, policy.initialBackoffMs * 2 ** (round - 1)));
}

// The back-off of a round, with jitter in its upper half; an abort ends the wait at once.
async function backOff(
  round: number,
  retryAfterMs: number,
  policy: CosmosBulkPolicy,
  signal: AbortSignal | undefined,
): Promise<void> {
  const ceiling = backOffMs(round, retryAfterMs, policy);
  const delay = Math.max(Math.min(retryAfterMs, ceiling), ceiling / 2 + (Math.random() * ceiling) / 2);
  signal?.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const aborted = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, delay);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
