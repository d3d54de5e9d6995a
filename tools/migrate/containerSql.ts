import { partitionKeySegments, type ContainerDefinition } from '../../shared/data/catalogue';
import type { PartitionKeyValue } from '../../shared/data/documentStore';

/** The container's partition key as a Cosmos SQL property path on alias c, e.g. c["userId"] or c["day"]. */
export function partitionKeyExpression(container: ContainerDefinition): string {
  return `c${partitionKeySegments(container)
    .map((segment) => `[${JSON.stringify(segment)}]`)
    .join('')}`;
}

/** The text that identifies a partition key value in a checkpoint and in sorted partition order. */
export function partitionKeyText(value: PartitionKeyValue): string {
  return JSON.stringify(value);
}

/** A document's address: partition key and id (ids are unique only within a partition). */
export function documentAddress(partitionKey: PartitionKeyValue, id: string): string {
  return JSON.stringify([partitionKey, id]);
}

/**
 * True when the container's indexing policy indexes /id. A filter on an unindexed path is refused by
 * Cosmos DB (it would need a scan), so the existence check is only asked of containers that index ids.
 */
export function indexesId(container: ContainerDefinition): boolean {
  const { includedPaths, excludedPaths } = container.indexingPolicy;
  const has = (paths: { path: string }[], path: string) => paths.some((p) => p.path === path);
  if (has(includedPaths, '/id/?')) return true;
  return has(includedPaths, '/*') && !has(excludedPaths, '/*') && !has(excludedPaths, '/id/?');
}
