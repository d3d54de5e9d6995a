import type { DocumentBody } from '../documentStore';
import { assertValidId, withoutSystemProperties } from '../documentRules';

// What the adapter checks on a document before it goes to Cosmos DB. Cosmos enforces most of this too, but
// (a) the SDK would quietly "fix" some of it (an empty id becomes a random UUID; a missing partition key
// value becomes the hidden "undefined" partition), and (b) the test server enforces little of it.

/** The body to send: a shallow copy without system properties, after the id is checked. */
export function writableBody<T extends DocumentBody>(document: T): T {
  assertValidId(document.id);
  return withoutSystemProperties(document);
}
