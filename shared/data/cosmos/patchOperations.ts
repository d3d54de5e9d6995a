import type { PatchOperation as SdkPatchOperation } from '@azure/cosmos';
import type { ContainerDefinition } from '../catalogue';
import type { PatchOperation } from '../documentStore';
import { invalidStoreRequest } from '../../errors/storeErrors';

/** Cosmos DB's own limit of operations per patch request. */
export const MAX_PATCH_OPERATIONS = 10;

/**
 * Checks a patch and converts it to the SDK's shape. The count limit and the untouchable paths (id, the
 * partition key, system properties) are Cosmos DB rules; checking them here gives the same 400 on the
 * test server (which allows patching the partition key) and saves a round-trip in Azure.
 */
export function toSdkPatch(
  definition: ContainerDefinition,
  operations: PatchOperation[],
): SdkPatchOperation[] {
  if (!Array.isArray(operations) || operations.length === 0 || operations.length > MAX_PATCH_OPERATIONS) {
    throw invalidStoreRequest(`A patch takes 1 to ${MAX_PATCH_OPERATIONS} operations.`, 'INVALID_PATCH');
  }
  const partitionKeyPath = definition.partitionKey.paths[0];
  return operations.map((operation) => {
    const { path } = operation;
    if (typeof path !== 'string' || !path.startsWith('/') || path === '/') {
      throw invalidStoreRequest(`Patch path ${JSON.stringify(path)} is not a JSON Pointer.`, 'INVALID_PATCH');
    }
    if (path === '/id' || path === partitionKeyPath || path.startsWith('/_')) {
      throw invalidStoreRequest(`Patch path '${path}' cannot be changed.`, 'INVALID_PATCH');
    }
    switch (operation.op) {
      case 'remove':
        return { op: 'remove', path };
      case 'incr':
        if (typeof operation.value !== 'number') {
          throw invalidStoreRequest(`Patch incr of '${path}' needs a number.`, 'INVALID_PATCH');
        }
        return { op: 'incr', path, value: operation.value };
      case 'set':
      case 'add':
      case 'replace':
        return { op: operation.op, path, value: operation.value };
      default:
        throw invalidStoreRequest(
          `Unknown patch operation '${(operation as { op: unknown }).op}'.`,
          'INVALID_PATCH',
        );
    }
  });
}
