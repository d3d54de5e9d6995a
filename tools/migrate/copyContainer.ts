import type { ContainerDefinition } from '../../shared/data/catalogue';
import { withoutSystemProperties } from '../../shared/data/documentRules';
import type {
  BulkOperation,
  BulkOperationResult,
  BulkResponse,
  DocumentStore,
  StoredDocument,
} from '../../shared/data/documentStore';
import { isAppError, type AppError } from '../../shared/errors/appError';
import { partitionKeyOf } from '../../shared/data/partitionKey';
import type { ProgressBar } from '../cli/progressBar';
import type { ContainerProgress } from './checkpoint';
import { documentAddress } from './containerSql';
import { existingAddresses } from './existingDocuments';
import type { ScanMode } from './options';
import { scanSource, type ScanPage } from './sourceScan';

/** A document that could not be written, as the report lists it. */
export interface FailedDocument {
  id: string;
  partitionKey: unknown;
  statusCode: number;
  code?: string;
}

/** What one run did to one container (this run only; the checkpoint holds the pass totals). */
export interface CopyOutcome {
  read: number;
  created: number;
  alreadyPresent: number;
  failed: number;
  /** The first failures, for the report. */
  failures: FailedDocument[];
  sourceRequestCharge: number;
  targetRequestCharge: number;
  /** 429s the bulk engine met (and backed off from). */
  throttled: number;
  /** True when a stop was requested and the copy ended after the chunk in flight. */
  interrupted: boolean;
}

export interface CopyContext {
  source: DocumentStore;
  target: DocumentStore;
  container: ContainerDefinition;
  chunkSize: number;
  scan: ScanMode;
  /** Chunks written at the same time (the bulk engine adds its own parallelism within a chunk). */
  parallel: number;
  /** The pass's progress; updated after every acknowledged chunk, then saved. */
  progress: ContainerProgress;
  save: () => void;
  bar: ProgressBar;
  stopRequested: () => boolean;
  note: (line: string) => void;
  /** Pause between resends of throttled operations (tests shorten it). */
  resendDelayMs?: number;
}

/** A failure that stops the run; the checkpoint still names the last chunk acknowledged. */
export class ChunkNotWrittenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkNotWrittenError';
  }
}

// Outcomes that say "not now" rather than "never": the store is busy, failed internally (transient by
// Cosmos DB's guidance) or briefly away.
const TRANSIENT = new Set([408, 429, 449, 500, 503]);
// The bulk engine already backs off on each 429. Operations still throttled when it returns mean the
// account is saturated for longer than it waits; a few longer pauses let a long migration ride that out.
const RESENDS = 3;
const MAX_FAILURES_LISTED = 20;

type CreateOperation = Extract<BulkOperation, { operationType: 'Create' }>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What writing one chunk did, applied to the counts once every earlier chunk is acknowledged. */
interface ChunkOutcome {
  page: ScanPage;
  created: number;
  alreadyPresent: number;
  failed: number;
  failures: FailedDocument[];
  targetRequestCharge: number;
  throttled: number;
}

/**
 * Copies one container from the checkpoint's cursor to the end of the source, chunk by chunk: Create
 * operations through the bulk engine (a document already at its address in the target is counted
 * "already present", never overwritten), up to `parallel` chunks in flight. Chunks are acknowledged in
 * source order whatever order they finish in, and the checkpoint is saved after each, so its cursor only
 * ever names a point before which every chunk was written.
 */
export async function copyContainer(context: CopyContext): Promise<CopyOutcome> {
  const { container, progress } = context;
  const outcome: CopyOutcome = {
    read: 0,
    created: 0,
    alreadyPresent: 0,
    failed: 0,
    failures: [],
    sourceRequestCharge: 0,
    targetRequestCharge: 0,
    throttled: 0,
    interrupted: false,
  };
  const inFlight: Promise<ChunkOutcome>[] = [];
  const acknowledgeOldest = async (): Promise<void> => {
    const chunk = await (inFlight.shift() as Promise<ChunkOutcome>);
    const { page } = chunk;
    progress.cursor = page.cursor;
    progress.read += page.documents.length;
    progress.created += chunk.created;
    progress.alreadyPresent += chunk.alreadyPresent;
    progress.failed += chunk.failed;
    progress.updatedAt = new Date().toISOString();
    if (page.cursor === null) progress.status = 'complete';
    context.save();
    outcome.read += page.documents.length;
    outcome.created += chunk.created;
    outcome.alreadyPresent += chunk.alreadyPresent;
    outcome.failed += chunk.failed;
    outcome.failures.push(...chunk.failures.slice(0, MAX_FAILURES_LISTED - outcome.failures.length));
    outcome.sourceRequestCharge += page.requestCharge;
    outcome.targetRequestCharge += chunk.targetRequestCharge;
    outcome.throttled += chunk.throttled;
    context.bar.advance(page.documents.length);
  };

  let writeFailed = false;
  try {
    const pages = scanSource(context.source, container, {
      chunkSize: context.chunkSize,
      mode: context.scan,
      from: progress.cursor,
      note: context.note,
    });
    for await (const page of pages) {
      const writing = writeChunk(context, page);
      // Marks a failure handled until the chunk is acknowledged in order (awaiting it still throws).
      writing.catch(() => (writeFailed = true));
      inFlight.push(writing);
      if (inFlight.length >= context.parallel) await acknowledgeOldest();
      if (page.cursor === null) break;
      if (context.stopRequested()) {
        outcome.interrupted = true;
        break;
      }
    }
    while (inFlight.length > 0) await acknowledgeOldest();
  } catch (error) {
    // The source failed: what was written still counts, so acknowledge the chunks in flight in order. A
    // write failed: acknowledge none after it, or the cursor would skip the chunk that was not written.
    if (!writeFailed) {
      try {
        while (inFlight.length > 0) await acknowledgeOldest();
      } catch {
        // The first failure is the one reported.
      }
    }
    await Promise.allSettled(inFlight);
    throw error;
  }
  return outcome;
}

async function writeChunk(context: CopyContext, page: ScanPage): Promise<ChunkOutcome> {
  const { container, progress, target } = context;
  const chunk: ChunkOutcome = {
    page,
    created: 0,
    alreadyPresent: 0,
    failed: 0,
    failures: [],
    targetRequestCharge: 0,
    throttled: 0,
  };
  let operations: CreateOperation[] = page.documents.map((document: StoredDocument) => ({
    operationType: 'Create' as const,
    partitionKey: partitionKeyOf(container, document),
    // _rid, _etag, _ts, _self, _attachments belong to the source; the target assigns its own.
    resourceBody: withoutSystemProperties(document),
  }));
  if (progress.precheck && operations.length > 0) {
    const addressed = operations.map((op) => ({ id: op.resourceBody.id, partitionKey: op.partitionKey }));
    const { present, requestCharge } = await existingAddresses(target, container, addressed);
    chunk.targetRequestCharge += requestCharge;
    const before = operations.length;
    operations = operations.filter(
      (op) => !present.has(documentAddress(op.partitionKey, op.resourceBody.id)),
    );
    chunk.alreadyPresent += before - operations.length;
  }
  if (operations.length === 0) return chunk;

  const results = await bulkWithResends(context, operations, chunk);
  results.forEach((result, i) => {
    if (result.statusCode >= 200 && result.statusCode < 300) chunk.created += 1;
    else if (result.statusCode === 409) chunk.alreadyPresent += 1;
    else {
      chunk.failed += 1;
      if (chunk.failures.length < MAX_FAILURES_LISTED) {
        const op = operations[i];
        chunk.failures.push({
          id: op.resourceBody.id,
          partitionKey: op.partitionKey,
          statusCode: result.statusCode,
          code: result.code,
        });
      }
    }
  });
  return chunk;
}

/**
 * True for a whole bulk call that failed for a reason that passes (an outage, a timeout, an open breaker).
 * The resilience wrapper never repeats a bulk call, since a set of writes is not idempotent in general;
 * Creates whose repeat answers 409 ("already present") are, so the migration may send them again.
 */
function isPassingFailure(error: unknown): error is AppError {
  return (
    isAppError(error) && (error.retryable || error.category === 'CONNECTION' || error.category === 'TIMEOUT')
  );
}

/**
 * One bulk call, then resends of what did not get through: the operations still throttled or unavailable,
 * or the whole call when it failed as a whole for a passing reason. Throws once resends run out.
 */
async function bulkWithResends(
  context: CopyContext,
  operations: CreateOperation[],
  chunk: ChunkOutcome,
): Promise<BulkOperationResult[]> {
  const { container } = context;
  const results: BulkOperationResult[] = new Array(operations.length);
  let pending = operations.map((_, i) => i);
  for (let attempt = 0; ; attempt++) {
    const pause = async (what: string, atLeastMs = 0) => {
      const delayMs = Math.max(atLeastMs, (context.resendDelayMs ?? 5_000) * (attempt + 1));
      context.note(`${container.name}: ${what}; resending in ${(delayMs / 1000).toFixed(1)} s.`);
      await sleep(delayMs);
    };
    let response: BulkResponse;
    try {
      response = await context.target.bulk(
        container.name,
        pending.map((i) => operations[i]),
      );
    } catch (error) {
      if (!isPassingFailure(error) || attempt >= RESENDS) throw error;
      await pause(`a bulk call of ${pending.length} document(s) failed (${error.code})`, error.retryAfterMs);
      continue;
    }
    chunk.targetRequestCharge += response.stats.requestCharge;
    chunk.throttled += response.stats.throttled;
    const again: number[] = [];
    response.results.forEach((result, k) => {
      results[pending[k]] = result;
      if (TRANSIENT.has(result.statusCode)) again.push(pending[k]);
    });
    if (again.length === 0) return results;
    if (attempt >= RESENDS) {
      throw new ChunkNotWrittenError(
        `${container.name}: ${again.length} document(s) still throttled or unavailable after ${RESENDS} resends ` +
          `(status ${results[again[0]].statusCode}); progress is saved up to the previous chunk, so re-running resumes there.`,
      );
    }
    await pause(`${again.length} document(s) throttled or unavailable`);
    pending = again;
  }
}
