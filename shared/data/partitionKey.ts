import type { ContainerDefinition } from './catalogue';
import { partitionKeySegments } from './catalogue';
import type { PartitionKeyValue } from './documentStore';
import { invalidStoreRequest } from '../errors/storeErrors';

/** Reads the partition key value of a document by the container's partition key path; 400 when absent or not a scalar. */
export function partitionKeyOf(
  container: ContainerDefinition,
  document: Record<string, unknown>,
): PartitionKeyValue {
  let value: unknown = document;
  for (const segment of partitionKeySegments(container)) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
  }
  if (value === undefined) {
    throw invalidStoreRequest(
      `Document is missing its partition key ${container.partitionKey.paths[0]} (container '${container.name}').`,
      'PARTITION_KEY_MISSING',
    );
  }
  if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
    throw invalidStoreRequest(
      `Partition key ${container.partitionKey.paths[0]} must be a string, number, boolean or null.`,
      'PARTITION_KEY_INVALID',
    );
  }
  return value as PartitionKeyValue;
}
