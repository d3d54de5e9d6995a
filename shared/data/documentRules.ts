import { AppError } from '../errors/appError';
import { invalidStoreRequest } from '../errors/storeErrors';

// Rules Cosmos DB enforces on every item; the local store enforces the same so that a document that
// works locally cannot fail in production.

/** Cosmos DB's maximum item size. */
export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

/** Cosmos DB's maximum number of operations in one patch request. */
export const MAX_PATCH_OPERATIONS = 10;

const SYSTEM_PROPERTIES = ['_rid', '_self', '_etag', '_ts', '_attachments', '_lsn'];

/** Throws 400 for an id Cosmos DB would refuse: empty, longer than 255 characters, or containing / \ ? #. */
export function assertValidId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw invalidStoreRequest('Document id must be a non-empty string.', 'INVALID_ID');
  }
  if (id.length > 255 || /[/\\?#]/.test(id)) {
    throw invalidStoreRequest(
      'Document id must be at most 255 characters and must not contain / \\ ? or #.',
      'INVALID_ID',
    );
  }
}

/** A copy of the body without the store-maintained system properties, which a caller may pass back from a read. */
export function withoutSystemProperties<T extends Record<string, unknown>>(body: T): T {
  const copy: Record<string, unknown> = { ...body };
  for (const name of SYSTEM_PROPERTIES) delete copy[name];
  return copy as T;
}

/** Serialises a document, refusing one over Cosmos DB's 2 MB item limit (413). */
export function serialiseDocument(body: Record<string, unknown>): string {
  const json = JSON.stringify(body);
  if (Buffer.byteLength(json) > MAX_DOCUMENT_BYTES) {
    throw new AppError(`Document exceeds the ${MAX_DOCUMENT_BYTES}-byte item size limit.`, {
      code: 'DOCUMENT_TOO_LARGE',
      category: 'DATA',
      status: 413,
    });
  }
  return json;
}
