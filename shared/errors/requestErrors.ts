import { AppError, type FieldError } from './appError';

// The request-level failures the API answers with, one constructor each so codes stay stable.

/** 400: the body or query failed validation; errors lists each field. */
export function validationFailed(errors: FieldError[], detail = 'The request is not valid.'): AppError {
  return new AppError(detail, { code: 'VALIDATION_FAILED', category: 'VALIDATION', status: 400, errors });
}

/** 400: the body is not JSON. */
export function invalidJson(): AppError {
  return new AppError('The request body is not valid JSON.', {
    code: 'INVALID_JSON',
    category: 'VALIDATION',
    status: 400,
  });
}

/** 413: the body is over the API's size limit. */
export function payloadTooLarge(limitBytes: number): AppError {
  return new AppError(`The request body is larger than ${limitBytes} bytes.`, {
    code: 'PAYLOAD_TOO_LARGE',
    category: 'VALIDATION',
    status: 413,
  });
}

/** 415: the body is not declared as JSON. */
export function unsupportedMediaType(expected: string[]): AppError {
  return new AppError(`Content-Type must be ${expected.join(' or ')}.`, {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    category: 'VALIDATION',
    status: 415,
  });
}

/** 401: no (valid) identity. */
export function unauthenticated(detail = 'Sign in to call this API.'): AppError {
  return new AppError(detail, { code: 'UNAUTHENTICATED', category: 'AUTH', status: 401 });
}

/** 403: signed in, but without the role the route needs. */
export function forbidden(role: string): AppError {
  return new AppError(`This operation needs the '${role}' role.`, {
    code: 'FORBIDDEN',
    category: 'AUTH',
    status: 403,
  });
}

/** 404: the caller has no such item (another user's item is reported the same way). */
export function itemNotFound(kind: string, id: string): AppError {
  return new AppError(`${kind} '${id}' was not found.`, {
    code: 'NOT_FOUND',
    category: 'NOT_FOUND',
    status: 404,
  });
}

/** 422: a task names a project the caller does not have. */
export function projectNotFound(projectId: string): AppError {
  return new AppError(`Project '${projectId}' was not found.`, {
    code: 'PROJECT_NOT_FOUND',
    category: 'VALIDATION',
    status: 422,
    errors: [{ field: 'projectId', message: 'No project with this id exists.' }],
  });
}
