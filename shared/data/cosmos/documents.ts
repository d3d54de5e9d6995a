import type { ContainerDefinition } from '../catalogue';
import { partitionKeySegments } from '../catalogue';
import type { DocumentBody, PartitionKeyValue } from '../documentStore';
import { invalidStoreRequest } from '../../errors/storeErrors';

// What the adapter checks on a document before it goes to Cosmos DB. Cosmos enforces most of this too, but
// (a) the SDK would quietly "fix" some of it (an empty id becomes a random UUID; a missing partition key
// value becomes the hidden "undefined" partition), and (b) the test server enforces little of it.

/** Properties Cosmos DB maintains; a body passed back from a read carries them and they are not data. */
const SYSTEM_PROPERTIES = ['_etag', '_ts', '_rid', '_self', '_attachments', '_lsn'];

/** Cosmos DB refuses ids with these characters (they break the resource URL) and ids over 255 characters. */
const FORBIDDEN_ID_CHARACTERS = /[/\\?#]/;

/** Throws 400 unless the id is one Cosmos DB accepts and can address afterwards. */
export function assertValidId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 255 || FORBIDDEN_ID_CHARACTERS.test(id)) {
    throw invalidStoreRequest(
      `Document id ${JSON.stringify(id)} is invalid: it must be a 1-255 character string without '/', '\\', '?' or '#'.`,
      'INVALID_ID',
    );
  }
}

/** The body to send: a shallow copy without system properties, after the id is checked. */
export function writableBody<T extends DocumentBody>(document: T): T {
  assertValidId(document.id);
  const body: Record<string, unknown> = { ...document };
  for (const name of SYSTEM_PROPERTIES) delete body[name];
  return body as T;
}

/** The document's partition key value, read through the catalogue's partition key path. */
export function partitionKeyOf(definition: ContainerDefinition, document: DocumentBody): PartitionKeyValue {
  let value: unknown = document;
  for (const segment of partitionKeySegments(definition)) {
    value =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
  }
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
    return value as PartitionKeyValue;
  throw invalidStoreRequest(
    `Document '${document.id}' has no usable partition key value at ${definition.partitionKey.paths[0]} ` +
      `(container '${definition.name}'); it must be a string, number, boolean or null.`,
    'INVALID_PARTITION_KEY',
  );
}

/** True when two partition key values address the same logical partition. */
export function samePartition(a: PartitionKeyValue, b: PartitionKeyValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
