// The runner's own error answers (no route, body too large, function crashed) use the API's error shape,
// application/problem+json, so clients handle them like any other API error.

/** A response ready to write: status, header pairs (repeats allowed, e.g. set-cookie) and body bytes. */
export interface OutgoingResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** A problem+json response with a stable UPPER_SNAKE code. */
export function problemResponse(
  status: number,
  title: string,
  code: string,
  detail?: string,
): OutgoingResponse {
  const body = { type: 'about:blank', title, status, ...(detail ? { detail } : {}), code };
  return {
    status,
    headers: [
      ['content-type', 'application/problem+json'],
      ['cache-control', 'no-store'],
    ],
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** A JSON response (admin API). */
export function jsonResponse(status: number, value: unknown): OutgoingResponse {
  return {
    status,
    headers: [
      ['content-type', 'application/json; charset=utf-8'],
      ['cache-control', 'no-store'],
    ],
    body: Buffer.from(JSON.stringify(value)),
  };
}
