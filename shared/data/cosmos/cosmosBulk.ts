import type {
  BulkOperationResult as SdkBulkOperationResult,
  Container,
  CosmosDiagnostics,
  ErrorResponse,
  JSONObject,
  OperationInput,
  OperationResponse,
  RequestOptions,
} from '@azure/cosmos';
import type { ContainerDefinition } from '../catalogue';
import type {
  BatchOperation,
  BulkOperation,
  BulkOperationResult,
  BulkOptions,
  BulkResponse,
  DocumentBody,
  StoredDocument,
} from '../documentStore';
import {
  BulkStats,
  failedResult,
  invalidBulkOperation,
  isSuccessStatus,
  partitionChunks,
} from '../bulkOperations';
import { chargeFromHeaders } from './operationStats';
import { toSdkBatch } from './batchOperations';
import { writableBody } from './documents';

/** How the engine retries what the SDK still reports throttled (429) after its own throttling retries. */
export interface CosmosBulkPolicy {
  /** Rounds of re-sending throttled operations before they are reported 429 THROTTLED. */
  throttleRounds: number;
  /** Back-off before the first re-send when the service named no retry-after; doubles per round. */
  initialBackoffMs: number;
  /** Cap on one back-off (a longer retry-after is still honoured up to this). */
  maxBackoffMs: number;
  /** Partitions whose transactional batches run at the same time in atomic mode. */
  atomicConcurrency: number;
}

/** The defaults: a throttled operation gets 5 more rounds, each waiting at least what the service asked. */
export const DEFAULT_COSMOS_BULK_POLICY: CosmosBulkPolicy = {
  throttleRounds: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  atomicConcurrency: 8,
};

/** A failure that is no verdict on the operation: the request did not get through (503, 408, network). */
export function isOutageStatus(statusCode: number): boolean {
  return statusCode === 408 || statusCode === 410 || statusCode === 500 || statusCode === 503;
}

/** A bulk call the store could not serve at all: every operation failed with an outage status. */
export class BulkOutageError extends Error {
  constructor(override readonly cause: unknown) {
    super('No operation of the bulk call reached Cosmos DB.');
    this.name = 'BulkOutageError';
  }
}

/**
 * Runs a bulk call against one container. Non-atomic: `executeBulkOperations` (the SDK groups operations
 * by partition key range, packs them into requests of up to 100, adapts its concurrency per range and
 * retries throttled operations itself, up to the client's throttling retry options); what still comes back
 * 429 is re-sent here after a back-off that honours the service's retry-after, for a bounded number of
 * rounds, then reported 429 THROTTLED per operation. Atomic: per partition, transactional batches of at
 * most 100 (`items.batch`); a failed batch reports the failing operation's status and 424 for the others;
 * a throttled batch is backed off and re-sent as a whole.
 */
export async function runCosmosBulk(
  container: Container,
  definition: ContainerDefinition,
  operations: readonly BulkOperation[],
  options: BulkOptions = {},
  policy: CosmosBulkPolicy = DEFAULT_COSMOS_BULK_POLICY,
): Promise<BulkResponse> {
  const stats = new BulkStats();
  const results: BulkOperationResult[] = new Array<BulkOperationResult>(operations.length);
  const valid: number[] = [];
  operations.forEach((operation, index) => {
    const invalid = invalidBulkOperation(definition, operation);
    if (invalid && !options.atomic) results[index] = failedResult(invalid.status, invalid.code);
    else valid.push(index);
  });
  const throttles = new ThrottleLog();
  const run = { container, definition, operations, options, policy, results, stats, throttles };
  try {
    if (options.atomic) await runAtomic(run, valid);
    else await runNonAtomic(run, valid);
  } finally {
    stats.throttled = throttles.count();
  }
  return { results, stats: stats.done(results) };
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
}

/**
 * The 429s a bulk call met, each counted once: operations sent in one request share its throttled answer
 * (and its activity id), and the SDK's own retries inside a request show only in its diagnostics.
 */
class ThrottleLog {
  private readonly requests = new Set<string>();
  private anonymous = 0;

  /** Notes one throttled answer; without an activity id it cannot be matched, so it counts alone. */
  note(activityId: string | undefined): void {
    if (activityId) this.requests.add(activityId);
    else this.anonymous += 1;
  }

  /** Notes the throttled attempts the SDK retried, from an answer's diagnostics. */
  noteRetried(diagnostics: CosmosDiagnostics | undefined): void {
    for (const attempt of diagnostics?.clientSideRequestStatistics?.retryDiagnostics?.failedAttempts ?? []) {
      if (attempt.statusCode === 429) this.note(attempt.activityId);
    }
  }

  /** How many throttled answers were met. */
  count(): number {
    return this.requests.size + this.anonymous;
  }
}

async function runNonAtomic(run: Run, indexes: number[]): Promise<void> {
  const { container, operations, options, policy, results, stats } = run;
  let pending = indexes;
  let retryAfterMs = 0;
  let outageCause: unknown;
  let verdicts = 0;
  for (let round = 0; pending.length > 0; round += 1) {
    if (round > 0) await backOff(round, retryAfterMs, policy, options.signal);
    retryAfterMs = 0;
    // Fresh SDK operations every round: the SDK rewrites `partitionKey` on the objects it is given.
    const answers = await container.items.executeBulkOperations(
      pending.map((index) => toSdkOperation(operations[index])),
      requestOptions(options),
    );
    options.signal?.throwIfAborted();
    const throttled: number[] = [];
    pending.forEach((index, position) => {
      const answer: SdkBulkOperationResult | undefined = answers[position];
      const outcome = fromSdkResult(answer, run.throttles);
      stats.requestCharge += outcome.requestCharge;
      if (outcome.result.statusCode === 429 && round < policy.throttleRounds) {
        throttled.push(index);
        retryAfterMs = Math.max(retryAfterMs, outcome.retryAfterMs);
        return;
      }
      results[index] = outcome.result;
      if (isOutageStatus(outcome.result.statusCode)) outageCause ??= answer?.error;
      else verdicts += 1;
    });
    pending = throttled;
  }
  // Nothing reached the store: an outage of the whole call, thrown so the breaker counts it.
  if (verdicts === 0 && outageCause !== undefined) throw new BulkOutageError(outageCause);
}

async function runAtomic(run: Run, indexes: number[]): Promise<void> {
  const chunks = partitionChunks(run.operations, indexes);
  // Chunks of one partition run in input order (a later operation may depend on an earlier one);
  // partitions run side by side.
  const byPartition = new Map<string, number[][]>();
  for (const chunk of chunks) {
    const key = JSON.stringify(run.operations[chunk[0]].partitionKey);
    byPartition.set(key, [...(byPartition.get(key) ?? []), chunk]);
  }
  const queue = [...byPartition.values()];
  let outageCause: unknown;
  let verdicts = 0;
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      for (const chunk of next) {
        const outcome = await runBatch(run, chunk);
        if (outcome.outage === undefined) verdicts += 1;
        else outageCause ??= outcome.outage;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(run.policy.atomicConcurrency, queue.length) }, worker));
  if (verdicts === 0 && outageCause !== undefined) throw new BulkOutageError(outageCause);
}

/** One transactional batch, re-sent after a back-off while it is throttled. */
async function runBatch(run: Run, chunk: number[]): Promise<{ outage?: unknown }> {
  const { container, definition, operations, options, policy, results, stats } = run;
  const partitionKey = operations[chunk[0]].partitionKey;
  const invalidAt = chunk.findIndex((index) => invalidBulkOperation(definition, operations[index]));
  if (invalidAt >= 0) {
    const invalid = invalidBulkOperation(definition, operations[chunk[invalidAt]]);
    chunk.forEach((index, position) => {
      results[index] =
        position === invalidAt && invalid ? failedResult(invalid.status, invalid.code) : failedResult(424);
    });
    return {};
  }
  const batch = toSdkBatch(
    definition,
    partitionKey,
    chunk.map((index) => toBatchOperation(operations[index])),
  );
  let retryAfter = 0;
  for (let round = 0; ; round += 1) {
    if (round > 0) await backOff(round, retryAfter, policy, options.signal);
    let statuses: BulkOperationResult[];
    try {
      const response = await container.items.batch(
        batch.map((operation) => ({ ...operation })),
        partitionKey,
        requestOptions(options),
      );
      const raw = response.result ?? [];
      stats.requestCharge +=
        chargeFromHeaders(response.headers) ?? raw.reduce((sum, r) => sum + (r.requestCharge ?? 0), 0);
      run.throttles.noteRetried(response.diagnostics);
      if (response.code === 429 || raw.some((r) => r.statusCode === 429)) {
        run.throttles.note(activityIdOf(response.headers));
        retryAfter = retryAfterOf(response.headers);
        if (round < policy.throttleRounds) continue;
        chunk.forEach((index) => (results[index] = failedResult(429)));
        return {};
      }
      statuses = chunk.map((_, position) => fromOperationResponse(raw[position]));
    } catch (error) {
      options.signal?.throwIfAborted();
      const status = statusOf(error);
      run.throttles.noteRetried((error as ErrorResponse).diagnostics);
      if (status === 429) {
        run.throttles.note((error as ErrorResponse).activityId);
        retryAfter = Number((error as ErrorResponse).retryAfterInMs) || 0;
        if (round < policy.throttleRounds) continue;
      }
      chunk.forEach((index) => (results[index] = failedResult(status)));
      return isOutageStatus(status) ? { outage: error } : {};
    }
    chunk.forEach((index, position) => (results[index] = statuses[position]));
    return {};
  }
}

function toBatchOperation(operation: BulkOperation): BatchOperation {
  // A bulk operation is a batch operation that names its own partition.
  const { partitionKey: _partitionKey, ...batchOperation } = operation;
  return batchOperation;
}

function toSdkOperation(operation: BulkOperation): OperationInput {
  const { partitionKey } = operation;
  const condition =
    'ifMatch' in operation && operation.ifMatch !== undefined ? { ifMatch: operation.ifMatch } : {};
  switch (operation.operationType) {
    case 'Create':
      return { operationType: 'Create', partitionKey, resourceBody: body(operation.resourceBody) };
    case 'Upsert':
      return {
        operationType: 'Upsert',
        partitionKey,
        resourceBody: body(operation.resourceBody),
        ...condition,
      };
    case 'Replace':
      return {
        operationType: 'Replace',
        partitionKey,
        id: operation.id,
        resourceBody: body(operation.resourceBody),
        ...condition,
      };
    case 'Delete':
      // The SDK's DeleteOperationInput type lacks ifMatch, but the bulk protocol honours it per operation.
      return { operationType: 'Delete', partitionKey, id: operation.id, ...condition } as OperationInput;
    case 'Read':
      return { operationType: 'Read', partitionKey, id: operation.id };
  }
}

function body(document: DocumentBody): JSONObject {
  // DocumentBody types its values as unknown to keep repository types simple; they are JSON by contract.
  return writableBody(document) as JSONObject & DocumentBody;
}

interface Outcome {
  result: BulkOperationResult;
  requestCharge: number;
  retryAfterMs: number;
}

function fromSdkResult(answer: SdkBulkOperationResult | undefined, throttles: ThrottleLog): Outcome {
  if (answer?.response) {
    const response = answer.response;
    throttles.noteRetried(response.diagnostics);
    return {
      result: fromOperationResponse(response),
      requestCharge: response.requestCharge ?? 0,
      retryAfterMs: 0,
    };
  }
  const error = answer?.error;
  throttles.noteRetried(error?.diagnostics);
  const statusCode = statusOf(error);
  if (statusCode === 429) throttles.note(error?.activityId);
  return {
    result: failedResult(statusCode),
    requestCharge: Number(error?.requestCharge) || 0,
    retryAfterMs: Number(error?.retryAfterInMs) || 0,
  };
}

function fromOperationResponse(response: OperationResponse | undefined): BulkOperationResult {
  if (!response) return failedResult(500);
  if (!isSuccessStatus(response.statusCode)) return failedResult(response.statusCode);
  const result: BulkOperationResult = { statusCode: response.statusCode };
  if (response.resourceBody) result.resource = response.resourceBody as unknown as StoredDocument;
  const etag = response.eTag ?? result.resource?._etag;
  if (etag) result.etag = etag;
  return result;
}

// An SDK error's status: a number for an answer from the service, a string (ECONNRESET, ...) or nothing
// when the request never got one.
function statusOf(error: unknown): number {
  const code = (error as { code?: unknown } | undefined)?.code;
  const status = typeof code === 'number' ? code : Number(code);
  return Number.isInteger(status) && status >= 400 ? status : 503;
}

function requestOptions(options: BulkOptions): RequestOptions {
  return options.signal ? { abortSignal: options.signal } : {};
}

function activityIdOf(headers: Record<string, unknown> | undefined): string | undefined {
  const id = headers?.['x-ms-activity-id'];
  return typeof id === 'string' ? id : undefined;
}

function retryAfterOf(headers: Record<string, unknown> | undefined): number {
  return Number(headers?.['x-ms-retry-after-ms']) || 0;
}

// Exponential back-off from initialBackoffMs, never shorter than the service's retry-after, capped.
async function backOff(
  round: number,
  retryAfterMs: number,
  policy: CosmosBulkPolicy,
  signal: AbortSignal | undefined,
): Promise<void> {
  const exponential = policy.initialBackoffMs * 2 ** (round - 1);
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  const delay = Math.min(policy.maxBackoffMs, Math.max(retryAfterMs, jittered));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, delay);
    function done(): void {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
