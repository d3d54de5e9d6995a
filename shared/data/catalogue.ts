import catalogueJson from '../../infra/containers.json';
import { unknownContainer } from '../errors/storeErrors';

/** One entry of a composite index, in Cosmos DB's own indexing-policy shape. */
export interface CompositeIndexPath {
  path: string;
  order: 'ascending' | 'descending';
}

/** A container's indexing policy, exactly as Cosmos DB and the Bicep templates take it. */
export interface IndexingPolicy {
  indexingMode: 'consistent' | 'none';
  automatic: boolean;
  includedPaths: { path: string }[];
  excludedPaths: { path: string }[];
  compositeIndexes?: CompositeIndexPath[][];
}

/** One container of the catalogue. */
export interface ContainerDefinition {
  name: string;
  description: string;
  partitionKey: { paths: string[]; kind: 'Hash'; version: number };
  indexingPolicy: IndexingPolicy;
  /** Cosmos semantics: absent = TTL off; -1 = on, items expire only with their own ttl; n > 0 = seconds. */
  defaultTtl?: number;
}

// The JSON import is typed loosely by the compiler (strings, not literal unions); the checks below are
// what make the cast safe, so a bad edit of containers.json fails at start-up, not at query time.
const containers = (catalogueJson as { containers: ContainerDefinition[] }).containers;
for (const c of containers) {
  if (c.partitionKey.paths.length !== 1 || !c.partitionKey.paths[0].startsWith('/')) {
    throw new Error(`infra/containers.json: container '${c.name}' must have exactly one partition key path.`);
  }
  if (c.defaultTtl !== undefined && !(c.defaultTtl === -1 || c.defaultTtl > 0)) {
    throw new Error(
      `infra/containers.json: container '${c.name}' has an invalid defaultTtl ${c.defaultTtl}.`,
    );
  }
}
const byName = new Map(containers.map((c) => [c.name, c]));

/** Every container the app uses, in catalogue order. */
export function listContainers(): readonly ContainerDefinition[] {
  return containers;
}

/** The definition of one container; throws UNKNOWN_CONTAINER for a name the catalogue lacks. */
export function getContainer(name: string): ContainerDefinition {
  const found = byName.get(name);
  if (!found) throw unknownContainer(name);
  return found;
}

/** The container's partition key path split into property names ("/a/b" -> ["a", "b"]). */
export function partitionKeySegments(container: ContainerDefinition): string[] {
  return container.partitionKey.paths[0].slice(1).split('/');
}
