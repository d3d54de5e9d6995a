import type { HttpRequest } from '@azure/functions';

/** The If-Match ETag of a request; undefined when absent or "*" (any current version). */
export function ifMatchOf(request: HttpRequest): string | undefined {
  const value = request.headers.get('if-match')?.trim();
  if (!value || value === '*') return undefined;
  return value;
}
