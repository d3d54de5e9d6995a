import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../errors/appError';

/** Page size of a list: 1..100, default 50 (contract v1). */
export const limitParameter = z.coerce.number().int().min(1).max(100).default(50);

/** An opaque continuation token as clients see it. */
export const continuationTokenParameter = z.string().min(1).max(8192).optional();

function invalidToken(): AppError {
  return new AppError('The continuation token is malformed or belongs to a different list query.', {
    code: 'INVALID_CONTINUATION_TOKEN',
    category: 'VALIDATION',
    status: 400,
    errors: [{ field: 'continuationToken', message: 'Not a token of this query.' }],
  });
}

/** A fingerprint of everything that shapes a list (route, caller, filters, sort), so a token only resumes its own list. */
export function listFingerprint(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** Wraps the store's continuation token (URL-safe, bound to the list it came from). */
export function encodeContinuation(storeToken: string | null, fingerprint: string): string | null {
  if (storeToken === null) return null;
  return Buffer.from(JSON.stringify({ f: fingerprint, t: storeToken })).toString('base64url');
}

/** Unwraps a client's continuation token; 400 INVALID_CONTINUATION_TOKEN for a forged or foreign one. */
export function decodeContinuation(token: string | undefined, fingerprint: string): string | undefined {
  if (token === undefined) return undefined;
  let payload: { f?: unknown; t?: unknown } | undefined;
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { f?: unknown; t?: unknown };
  } catch {
    throw invalidToken();
  }
  if (!payload || payload.f !== fingerprint || typeof payload.t !== 'string') throw invalidToken();
  return payload.t;
}
