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

/** Converts what a handler returned into bytes on the wire, through the library's HttpResponse. */
export async function toOutgoingResponse(result: unknown): Promise<OutgoingResponse> {
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
