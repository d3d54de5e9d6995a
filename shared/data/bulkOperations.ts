import type { ContainerDefinition } from './catalogue';
import type {
  BulkOperation,
  BulkOperationResult,
  DocumentBody,
  OperationStats,
  PartitionKeyValue,
} from './documentStore';
import { MAX_BATCH_OPERATIONS } from './documentStore';
import { assertValidId } from './documentRules';
import { partitionKeyOf, samePartition } from './partitionKey';
import { isAppError, type AppError } from '../errors/appError';
import { invalidStoreRequest } from '../errors/storeErrors';

// Rules both bulk engines share, so that the same operation gets the same per-item answer from Cosmos DB
// and from the local store: what makes an operation invalid, and which code a status stands for.

// A bulk call reports statuses, not errors; these are the codes a failed operation's status maps to, the
// same codes the single calls' errors carry (cosmosErrorMapper STATUS_RULES, storeErrors).
const FAILURE_CODES: ReadonlyMap<number, string> = new Map([
  [400, 'BAD_REQUEST'],
  [404, 'NOT_FOUND'],
  [408, 'STORE_TIMEOUT'],
  [409, 'CONFLICT'],
  [412, 'PRECONDITION_FAILED'],
  [413, 'PAYLOAD_TOO_LARGE'],
  [424, 'FAILED_DEPENDENCY'],
  [429, 'THROTTLED'],
  [449, 'RETRY_WITH'],
  [503, 'STORE_UNAVAILABLE'],
]);

/** The stable code of a failed operation's status (STORE_ERROR for a status without its own). */
export function bulkFailureCode(statusCode: number): string {
  return FAILURE_CODES.get(statusCode) ?? 'STORE_ERROR';
}

/** A failed operation's result; `code` defaults to the status's code. */
export function failedResult(statusCode: number, code = bulkFailureCode(statusCode)): BulkOperationResult {
  return { statusCode, code };
}

/** A failure of one operation as its result: an AppError keeps its status and code. */
export function resultOfError(error: unknown): BulkOperationResult | undefined {
  return isAppError(error) ? failedResult(error.status, error.code) : undefined;
}

/** True for a 2xx status. */
export function isSuccessStatus(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/**
 * Checks one operation before anything is sent: a valid id, a body whose partition key value is the
 * operation's partitionKey, a Replace body with the operation's id. Returns the 400 to report, or
 * undefined. Cosmos DB would file a body under the operation's partitionKey (or refuse it, depending on the
 * route); the test server would file it under the body's. One answer both ways: refused.
 */
export function invalidBulkOperation(
  definition: ContainerDefinition,
  operation: BulkOperation,
): AppError | undefined {
  try {
    if (operation === null || typeof operation !== 'object') {
      throw invalidStoreRequest('A bulk operation must be an object.', 'INVALID_BULK_OPERATION');
    }
    if (!['Create', 'Upsert', 'Replace', 'Delete', 'Read'].includes(operation.operationType)) {
      throw invalidStoreRequest(
        `Unknown bulk operation '${String((operation as { operationType: unknown }).operationType)}'.`,
        'INVALID_BULK_OPERATION',
      );
    }
    if (!isPartitionKeyValue(operation.partitionKey)) {
      throw invalidStoreRequest(
        'Every bulk operation needs a partitionKey (a string, number, boolean or null).',
        'INVALID_PARTITION_KEY',
      );
    }
    if (operation.operationType !== 'Create' && operation.operationType !== 'Upsert') {
      assertValidId(operation.id);
    }
    if (
      operation.operationType === 'Create' ||
      operation.operationType === 'Upsert' ||
      operation.operationType === 'Replace'
    ) {
      const body = operation.resourceBody as unknown;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw invalidStoreRequest('A bulk operation body must be a JSON object.', 'INVALID_BULK_OPERATION');
      }
      const document = body as DocumentBody;
      assertValidId(document.id);
      if (!samePartition(partitionKeyOf(definition, document), operation.partitionKey)) {
        throw invalidStoreRequest(
          `Document '${document.id}' belongs to another partition than the operation's partitionKey.`,
          'PARTITION_KEY_MISMATCH',
        );
      }
      if (operation.operationType === 'Replace' && document.id !== operation.id) {
        throw invalidStoreRequest(
          `Replace of '${operation.id}' was given a body with id '${document.id}'.`,
          'ID_MISMATCH',
        );
      }
    }
    return undefined;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
}

function isPartitionKeyValue(value: unknown): value is PartitionKeyValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * The operations' input positions grouped by logical partition (first-seen order, input order inside a
 * group), each group cut into transactional-batch chunks of at most 100.
 */
export function partitionChunks(
  operations: readonly BulkOperation[],
  indexes: readonly number[],
): number[][] {
  const groups = new Map<string, number[]>();
  for (const index of indexes) {
    const key = JSON.stringify(operations[index].partitionKey);
    const group = groups.get(key);
    if (group) group.push(index);
    else groups.set(key, [index]);
  }
  const chunks: number[][] = [];
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += MAX_BATCH_OPERATIONS) {
      chunks.push(group.slice(start, start + MAX_BATCH_OPERATIONS));
    }
  }
  return chunks;
}

/** Adds up request charges and counts over a bulk call; `done` stamps the duration. */
export class BulkStats {
  private readonly started = performance.now();
  requestCharge = 0;
  throttled = 0;

  /** The call's totals: itemCount is the number of operations that succeeded. */
  done(results: readonly BulkOperationResult[]): OperationStats & { throttled: number } {
    return {
      requestCharge: Math.round(this.requestCharge * 100) / 100,
      durationMs: Math.round((performance.now() - this.started) * 100) / 100,
      itemCount: results.filter((r) => isSuccessStatus(r.statusCode)).length,
      throttled: this.throttled,
    };
  }
}
