import {
  MAX_BATCH_OPERATIONS,
  type BatchOperationResult,
  type BatchResponse,
  type DocumentBody,
  type DocumentStore,
} from '../data/documentStore';
import { isAppError } from '../errors/appError';
import type { Logger } from '../telemetry/logger';
import { UserItemRepository, type UserItem } from './userItemRepository';

/** What happened to one document of a bulk write. */
export interface BulkWriteOutcome {
  /** 201 when created; otherwise the status of the failure (409 for an id that exists, ...). */
  status: number;
  etag?: string;
  /** Stable code of a failure. */
  code?: string;
}

// The codes a failed batch operation's status maps to; a batch reports statuses, not errors.
const OPERATION_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'THROTTLED',
};

// How many ids one existence query names; keeps a parameter well inside Cosmos DB's query size limits.
const EXISTENCE_QUERY_IDS = 500;

const isSuccess = (status: number) => status >= 200 && status < 300;

function created(result: BatchOperationResult): BulkWriteOutcome {
  return { status: 201, etag: result.etag ?? result.resource?._etag };
}

function failed(status: number): BulkWriteOutcome {
  return { status, code: OPERATION_CODES[status] ?? 'STORE_ERROR' };
}

// A thrown failure as one document's outcome; anything that is not an AppError is a bug, reported as 500
// for the documents it hit (and logged) rather than failing the request after other documents were written.
function thrown(error: unknown, container: string, log: Logger | undefined): BulkWriteOutcome {
  if (isAppError(error) && error.status < 500) return { status: error.status, code: error.code };
  log?.error('bulk write failed', { container, error: isAppError(error) ? (error.cause ?? error) : error });
  return isAppError(error)
    ? { status: error.status, code: error.code }
    : { status: 500, code: 'INTERNAL_ERROR' };
}

/**
 * Creates a user's documents in one container, in transactional batches of up to 100 Create operations in
 * the user's partition, and reports one outcome per document (same order). One document that cannot be
 * written (an id that exists: 409) never keeps the others out:
 * - ids that already exist are found with one query first and reported 409 without a write, so the common
 *   case (a client retrying a bulk request with its own ids) costs no failed batches;
 * - a batch that still fails (a concurrent writer got in first) is retried without the operation that
 *   failed; the other operations were rolled back (424) and go again;
 * - a store whose batch is not atomic (the Cosmos test server applies operations up to the failing one and
 *   reports them 2xx) is handled by the same rule: an operation reported 2xx in a failed batch was
 *   applied, so it is reported created and not written again (which would 409 against our own write);
 * - a failed batch that names no failing operation is written one document at a time.
 */
export async function createInBatches(
  store: DocumentStore,
  container: string,
  userId: string,
  documents: (DocumentBody & { userId: string })[],
  log?: Logger,
): Promise<BulkWriteOutcome[]> {
  const outcomes: (BulkWriteOutcome | undefined)[] = new Array(documents.length).fill(undefined);
  const existing = await idsAmong(
    store,
    container,
    userId,
    documents.map((d) => d.id),
  );
  documents.forEach((document, index) => {
    if (existing.has(document.id)) outcomes[index] = failed(409);
  });
  const pending = documents.map((_, index) => index).filter((index) => outcomes[index] === undefined);

  for (let start = 0; start < pending.length; start += MAX_BATCH_OPERATIONS) {
    let chunk = pending.slice(start, start + MAX_BATCH_OPERATIONS);
    while (chunk.length > 0) {
      let response: BatchResponse;
      try {
        response = await store.batch(
          container,
          userId,
          chunk.map((index) => ({ operationType: 'Create' as const, resourceBody: documents[index] })),
        );
      } catch (error) {
        // The batch as a whole failed (store unavailable, throttled past the retries): its documents get
        // that status and a client retries them; later chunks still get their chance.
        const outcome = thrown(error, container, log);
        for (const index of chunk) outcomes[index] = outcome;
        break;
      }
      if (response.succeeded) {
        chunk.forEach((index, i) => (outcomes[index] = created(response.results[i] ?? { statusCode: 201 })));
        break;
      }
      const retry: number[] = [];
      let culprits = 0;
      chunk.forEach((index, i) => {
        const result = response.results[i];
        if (result && isSuccess(result.statusCode)) outcomes[index] = created(result);
        else if (result && result.statusCode !== 424) {
          outcomes[index] = failed(result.statusCode);
          culprits += 1;
        } else retry.push(index);
      });
      if (culprits === 0) {
        await createOneByOne(store, container, retry, documents, outcomes, log);
        break;
      }
      chunk = retry;
    }
  }
  // Every index got an outcome above; the fallback only guards against a store that answers oddly.
  return outcomes.map((outcome) => outcome ?? failed(500));
}

/** The ids among `ids` that the user has in the container (one parameterised query per 500 ids). */
export async function idsAmong(
  store: DocumentStore,
  container: string,
  userId: string,
  ids: string[],
): Promise<Set<string>> {
  const repository = new UserItemRepository<UserItem>(store, container, container);
  const distinct = [...new Set(ids)];
  const found = new Set<string>();
  for (let start = 0; start < distinct.length; start += EXISTENCE_QUERY_IDS) {
    const slice = distinct.slice(start, start + EXISTENCE_QUERY_IDS);
    const present = await repository.ids(
      userId,
      ['ARRAY_CONTAINS(@ids, c.id)'],
      [{ name: '@ids', value: slice }],
    );
    for (const id of present) found.add(id);
  }
  return found;
}

async function createOneByOne(
  store: DocumentStore,
  container: string,
  indexes: number[],
  documents: DocumentBody[],
  outcomes: (BulkWriteOutcome | undefined)[],
  log: Logger | undefined,
): Promise<void> {
  for (const index of indexes) {
    try {
      const stored = await store.create(container, documents[index]);
      outcomes[index] = { status: 201, etag: stored.resource._etag };
    } catch (error) {
      outcomes[index] = thrown(error, container, log);
    }
  }
}
