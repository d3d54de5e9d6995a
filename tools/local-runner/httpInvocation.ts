// One HTTP invocation: the real HttpRequest in, the handler's HttpResponseInit or HttpResponse out through
// the real HttpResponse class, so headers, cookies, JSON bodies and default content types come out exactly
// as the @azure/functions library produces them under the host.
import { HttpRequest, HttpResponse, type Cookie, type HttpResponseInit } from '@azure/functions';
import type { HttpFunctionDefinition } from '../../functions/functionDefinition';
import { createInvocationContext } from './invocationContext';
import { problemResponse, type OutgoingResponse } from './problem';
import type { RouteValues } from './routeTemplate';
import { errorProperties, type RunnerLog } from './runnerLog';

/** What the server read from the wire for one request. */
export interface IncomingCall {
  method: string;
  /** Absolute URL, including the query string. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  params: RouteValues;
}

/** The response to write and the invocation it came from. */
export interface InvocationOutcome {
  response: OutgoingResponse;
  invocationId: string;
  failed: boolean;
}

// Node's http server frames the body itself; passing these through would contradict its framing.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

/** Renders a Cookie as a Set-Cookie value, attribute for attribute as the host does. */
export function serialiseCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${Math.trunc(cookie.maxAge)}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}

// Statuses that carry no body (the library omits it for these too).
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * The common case without the library's detour through a fetch Response and a web stream (about 35 us of
 * a ~50 us request): a plain { status?, headers?, jsonBody? } object with string header values. It yields
 * exactly what the library would (a test compares the two on many shapes); anything else returns undefined
 * and goes the library's way.
 */
export function plainJsonResponse(result: unknown): OutgoingResponse | undefined {
  if (
    result === undefined ||
    result === null ||
    typeof result !== 'object' ||
    result instanceof HttpResponse
  ) {
    return undefined;
  }
  const { status, headers, jsonBody, ...rest } = result as HttpResponseInit & Record<string, unknown>;
  if (Object.keys(rest).some((key) => rest[key] !== undefined)) return undefined; // body, cookies, ...
  if (status !== undefined && (!Number.isInteger(status) || status < 200 || status > 599)) return undefined;
  if (headers !== undefined && (headers === null || typeof headers !== 'object' || Array.isArray(headers))) {
    return undefined;
  }
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string' || /[\r\n\0]/.test(value) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      return undefined;
    }
    const lower = name.toLowerCase();
    if (pairs.some(([existing]) => existing === lower)) return undefined; // let Headers merge duplicates
    if (!HOP_BY_HOP.has(lower) && lower !== 'set-cookie') pairs.push([lower, value.trim()]);
    else if (lower === 'set-cookie') return undefined;
  }
  const code = status ?? 200;
  let body = Buffer.alloc(0);
  if (jsonBody !== undefined && jsonBody !== null && !NULL_BODY_STATUSES.has(code)) {
    const text = JSON.stringify(jsonBody);
    if (text === undefined) return undefined; // e.g. a function: leave the edge case to the library
    body = Buffer.from(text);
    if (!pairs.some(([name]) => name === 'content-type')) pairs.push(['content-type', 'application/json']);
  }
  // The library's Headers object lists names in sorted order; keep the same order.
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { status: code, headers: pairs, body };
}

/** Converts what a handler returned into bytes on the wire, through the library's HttpResponse. */
export async function toOutgoingResponse(result: unknown): Promise<OutgoingResponse> {
  const plain = plainJsonResponse(result);
  if (plain) return plain;
  if (result !== undefined && result !== null && typeof result !== 'object') {
    // The library refuses this too (AzFuncSystemError), which the host turns into a 500.
    throw new TypeError(
      'The HTTP response must be an object with optional properties "body", "status", "headers", and "cookies".',
    );
  }
  const response =
    result instanceof HttpResponse
      ? result
      : new HttpResponse((result ?? undefined) as HttpResponseInit | undefined);
  const headers: [string, string][] = [];
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie' && !HOP_BY_HOP.has(name)) headers.push([name, value]);
  }
  for (const value of response.headers.getSetCookie()) headers.push(['set-cookie', value]);
  for (const cookie of response.cookies) headers.push(['set-cookie', serialiseCookie(cookie)]);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers, body };
}

/** Runs an HTTP function for one request; a throwing handler becomes a logged, generic 500. */
export async function invokeHttpFunction(
  definition: HttpFunctionDefinition,
  call: IncomingCall,
  log: RunnerLog,
): Promise<InvocationOutcome> {
  const context = createInvocationContext(definition, log);
  const { invocationId } = context;
  try {
    // GET and HEAD cannot carry a body in the fetch Request the library builds on; the host drops it too.
    const hasBody = call.body.length > 0 && call.method !== 'GET' && call.method !== 'HEAD';
    const request = new HttpRequest({
      method: call.method,
      url: call.url,
      headers: call.headers,
      // No `query` here: the library then parses it from the URL, which keeps repeated keys (?tag=a&tag=b).
      params: call.params,
      ...(hasBody ? { body: { bytes: call.body } } : {}),
    });
    const result: unknown = await definition.handler(request, context);
    return { response: await toOutgoingResponse(result), invocationId, failed: false };
  } catch (error) {
    log.logger.error('function failed', {
      functionName: definition.name,
      invocationId,
      ...errorProperties(error),
    });
    // The client learns only that it failed and which invocation to look up in the log: no message, no stack.
    const response = problemResponse(
      500,
      'Internal Server Error',
      'INTERNAL_ERROR',
      `The function failed; see the runner log for invocation ${invocationId}.`,
    );
    return { response, invocationId, failed: true };
  }
}
