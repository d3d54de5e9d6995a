import type { HttpResponseInit } from '@azure/functions';

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers };
}

/** One item with its ETag; 201 responses also say where the item lives. */
export function itemResponse(
  status: 200 | 201,
  body: unknown,
  etag: string,
  location?: string,
): HttpResponseInit {
  return json(status, body, { etag, ...(location ? { location } : {}) });
}

/** 204 No Content. */
export function noContent(): HttpResponseInit {
  return { status: 204 };
}

/** A list page as the contract shapes it: { items, continuationToken }. */
export function listResponse(items: unknown[], continuationToken: string | null): HttpResponseInit {
  return json(200, { items, continuationToken });
}
