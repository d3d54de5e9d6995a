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
  // Refused rather than sent: the SDK would file a document without its key value under the hidden
  // "undefined" partition, where no partition-scoped read ever finds it.
  if (value === undefined || (value !== null && !['string', 'number', 'boolean'].includes(typeof value))) {
    throw invalidStoreRequest(
      `Document ${JSON.stringify(document.id)} has no usable partition key value at ${container.partitionKey.paths[0]} ` +
        `(container '${container.name}'); it must be a string, number, boolean or null.`,
      'INVALID_PARTITION_KEY',
    );
  }
  return value as PartitionKeyValue;
}

/** True when two partition key values address the same logical partition. */
export function samePartition(a: PartitionKeyValue, b: PartitionKeyValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
