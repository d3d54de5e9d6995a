import type { JSONObject, OperationInput, OperationResponse } from '@azure/cosmos';
import type { ContainerDefinition } from '../catalogue';
import {
  MAX_BATCH_OPERATIONS,
  type BatchOperation,
  type BatchOperationResult,
  type DocumentBody,
  type PartitionKeyValue,
  type StoredDocument,
} from '../documentStore';
import { invalidStoreRequest } from '../../errors/storeErrors';
import { assertValidId } from '../documentRules';
import { partitionKeyOf, samePartition } from '../partitionKey';
import { writableBody } from './documents';
import { toSdkPatch } from './patchOperations';

/** Checks a batch against the port's rules and converts it to the SDK's operations. */
export function toSdkBatch(
  definition: ContainerDefinition,
  partitionKey: PartitionKeyValue,
  operations: BatchOperation[],
): OperationInput[] {
  // Checked before anything is sent: the SDK throws a plain Error over 100, and Cosmos refuses an empty batch.
  if (!Array.isArray(operations) || operations.length === 0 || operations.length > MAX_BATCH_OPERATIONS) {
    throw invalidStoreRequest(`A batch takes 1 to ${MAX_BATCH_OPERATIONS} operations.`, 'INVALID_BATCH');
  }
  const inPartition = (body: DocumentBody): JSONObject & DocumentBody => {
    const written = writableBody(body);
    // Cosmos refuses a body from another partition; the test server would write it there. Same 400 both ways.
    if (!samePartition(partitionKeyOf(definition, written), partitionKey)) {
      throw invalidStoreRequest(
        'Every operation of a batch must target the batch partition key.',
        'INVALID_BATCH',
      );
    }
    // DocumentBody types its values as unknown to keep repository types simple; they are JSON by contract.
    return written as JSONObject & DocumentBody;
  };
  // Every operation also names the partition key itself. Cosmos takes it from the batch request, so this
  // is redundant there, but harmless; the test server needs it on every operation but Create. A fresh
  // object per call also matters: the SDK rewrites `partitionKey` on the objects it is given.
  return operations.map((operation): OperationInput => {
    switch (operation.operationType) {
      case 'Create':
        return { operationType: 'Create', partitionKey, resourceBody: inPartition(operation.resourceBody) };
      case 'Upsert':
        return {
          operationType: 'Upsert',
          partitionKey,
          resourceBody: inPartition(operation.resourceBody),
          ...ifMatch(operation.ifMatch),
        };
      case 'Replace': {
        const body = inPartition(operation.resourceBody);
        if (body.id !== operation.id) {
          throw invalidStoreRequest(
            `Replace of '${operation.id}' was given a body with id '${body.id}'.`,
            'ID_MISMATCH',
          );
        }
        return {
          operationType: 'Replace',
          partitionKey,
          id: operation.id,
          resourceBody: body,
          ...ifMatch(operation.ifMatch),
        };
      }
      case 'Delete':
        assertValidId(operation.id);
        // The SDK's DeleteOperationInput type lacks ifMatch, but the batch protocol honours it per operation.
        return {
          operationType: 'Delete',
          partitionKey,
          id: operation.id,
          ...ifMatch(operation.ifMatch),
        } as OperationInput;
      case 'Read':
        assertValidId(operation.id);
        return { operationType: 'Read', partitionKey, id: operation.id };
      case 'Patch':
        assertValidId(operation.id);
        return {
          operationType: 'Patch',
          partitionKey,
          id: operation.id,
          resourceBody: { operations: toSdkPatch(definition, operation.operations) },
          ...ifMatch(operation.ifMatch),
        };
      default:
        throw invalidStoreRequest(
          `Unknown batch operation '${(operation as { operationType: unknown }).operationType}'.`,
          'INVALID_BATCH',
        );
    }
  });
}

function ifMatch(etag: string | undefined): { ifMatch?: string } {
  return etag === undefined ? {} : { ifMatch: etag };
}

/** The port's view of one operation's outcome. */
export function toBatchResult(response: OperationResponse): BatchOperationResult {
  const result: BatchOperationResult = { statusCode: response.statusCode };
  if (response.resourceBody) result.resource = response.resourceBody as unknown as StoredDocument;
  if (response.eTag) result.etag = response.eTag;
  return result;
}

/** True when a batch committed: every operation answered 2xx (Cosmos marks the others 424). */
export function batchSucceeded(
  expected: number,
  results: BatchOperationResult[],
  httpStatus?: number,
): boolean {
  // Cosmos answers a failed transactional batch with HTTP 207 and per-operation statuses; the SDK does
  // not throw for it, so the per-operation statuses are what decide.
  if (httpStatus !== undefined && httpStatus >= 400) return false;
  return results.length === expected && results.every((r) => r.statusCode >= 200 && r.statusCode < 300);
}
