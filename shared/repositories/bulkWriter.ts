import { bulkFailureCode, isSuccessStatus } from '../data/bulkOperations';
import type { BulkResponse, DocumentBody, DocumentStore } from '../data/documentStore';
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

// How many ids one existence query names; keeps a parameter well inside Cosmos DB's query size limits.
const EXISTENCE_QUERY_IDS = 500;

// A thrown failure as every document's outcome; anything that is not an AppError is a bug, reported as 500
// for the documents it hit (and logged) rather than failing the request.
function thrown(error: unknown, container: string, log: Logger | undefined): BulkWriteOutcome {
  if (isAppError(error) && error.status < 500) return { status: error.status, code: error.code };
  log?.error('bulk write failed', { container, error: isAppError(error) ? (error.cause ?? error) : error });
  return isAppError(error)
    ? { status: error.status, code: error.code }
    : { status: 500, code: 'INTERNAL_ERROR' };
}

/**
 * Creates a user's documents in one container with the store's bulk engine (one non-atomic Create per
 * document, in the user's partition) and reports one outcome per document, in the same order. One
 * document that cannot be written never keeps the others out: an id that exists is 409 CONFLICT for that
 * document alone, found by the write itself (no existence query first: a failed create costs less than
 * the query, and a concurrent writer that gets in first is caught the same way); throttling outliving the
 * engine's back-off is 429 THROTTLED for the documents it hit. Only a call the store refuses as a whole
 * (unavailable) gives every document that status.
 */
export async function createMany(
  store: DocumentStore,
  container: string,
  userId: string,
  documents: (DocumentBody & { userId: string })[],
  log?: Logger,
): Promise<BulkWriteOutcome[]> {
  if (documents.length === 0) return [];
  let response: BulkResponse;
  try {
    response = await store.bulk(
      container,
      documents.map((document) => ({
        operationType: 'Create' as const,
        partitionKey: userId,
        resourceBody: document,
      })),
    );
  } catch (error) {
    const outcome = thrown(error, container, log);
    return documents.map(() => outcome);
  }
  return documents.map((_, index): BulkWriteOutcome => {
    const result = response.results[index];
    // The fallback only guards against a store that answers oddly.
    if (!result) return { status: 500, code: 'STORE_ERROR' };
    if (isSuccessStatus(result.statusCode)) {
      return { status: 201, etag: result.etag ?? result.resource?._etag };
    }
    return { status: result.statusCode, code: result.code ?? bulkFailureCode(result.statusCode) };
  });
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
