import type { HttpResponseInit } from '@azure/functions';
import { AppError } from '../errors/appError';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// Failures the client may retry: tell them when (Retry-After, whole seconds, rounded up).
const RETRY_STATUSES = new Set([429, 503]);

/** Renders an AppError as application/problem+json (RFC 9457), with Retry-After on 429 and 503. */
export function problemResponse(error: AppError): HttpResponseInit {
  const status = error.status;
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (RETRY_STATUSES.has(status)) {
    headers['retry-after'] = String(Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000)));
  }
  // 5xx messages may carry internals (hosts, SDK text): the client gets a generic detail, the log the rest.
  const detail =
    status === 503
      ? 'The service is temporarily unavailable; retry later.'
      : status >= 500
        ? 'The server could not complete the request.'
        : error.message;
  return {
    status,
    headers,
    jsonBody: {
      type: `urn:lifetracker:problem:${error.code.toLowerCase().replace(/_/g, '-')}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      code: error.code,
      ...(error.errors ? { errors: error.errors } : {}),
    },
  };
}

/** Any thrown value as an AppError: AppErrors pass through, anything else is a 500 INTERNAL_ERROR. */
export function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('Unexpected error.', {
    code: 'INTERNAL_ERROR',
    category: 'DATA',
    status: 500,
    cause: error,
  });
}
