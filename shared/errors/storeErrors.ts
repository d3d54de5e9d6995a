import { AppError } from './appError';

// Constructors for the store failures both adapters raise, so the cosmos and local adapters cannot
// drift apart in code, category or status for the same condition.

/** The addressed document does not exist (or has expired). */
export function documentNotFound(container: string, id: string, cause?: unknown): AppError {
  return new AppError(`Document '${id}' was not found in container '${container}'.`, {
    code: 'NOT_FOUND',
    category: 'NOT_FOUND',
    status: 404,
    cause,
  });
}

/** A create met an existing document with the same id in the same partition. */
export function documentConflict(container: string, id: string, cause?: unknown): AppError {
  return new AppError(`A document with id '${id}' already exists in container '${container}'.`, {
    code: 'CONFLICT',
    category: 'CONFLICT',
    status: 409,
    cause,
  });
}

/** An If-Match ETag did not name the stored version. */
export function preconditionFailed(container: string, id: string, cause?: unknown): AppError {
  return new AppError(`Document '${id}' in container '${container}' has changed (If-Match did not match).`, {
    code: 'PRECONDITION_FAILED',
    category: 'CONFLICT',
    status: 412,
    cause,
  });
}

/** The request itself is invalid for the store (bad query, bad patch, partition key mismatch, ...). */
export function invalidStoreRequest(message: string, code = 'BAD_REQUEST', cause?: unknown): AppError {
  return new AppError(message, { code, category: 'VALIDATION', status: 400, cause });
}

/** The caller named a container the catalogue does not define. */
export function unknownContainer(container: string): AppError {
  return new AppError(`Container '${container}' is not in the catalogue (infra/containers.json).`, {
    code: 'UNKNOWN_CONTAINER',
    category: 'DATA',
    status: 500,
  });
}
