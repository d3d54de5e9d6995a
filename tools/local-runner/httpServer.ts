// The node:http front end: routes /admin/... to the admin API and /<prefix>/... to the function table,
// caps request bodies, writes one access line per request, and drains in-flight requests on close.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdminRequest, type AdminContext } from './adminRoutes';
import { invokeHttpFunction } from './httpInvocation';
import { problemResponse, type OutgoingResponse } from './problem';
import type { RouteTable } from './routeTable';
import { splitPath } from './routeTemplate';
import { RunnerConfigError } from './runnerErrors';
import { errorProperties, type RunnerLog } from './runnerLog';

/** Loopback only: AUTH_MODE=dev trusts identity headers, so the runner must not be reachable from the LAN. */
export const LISTEN_HOST = '127.0.0.1';

/** The host's default maximum request body (100 MB). */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 104_857_600;

/** How the server routes and limits requests. */
export interface LocalHttpServerOptions {
  routes: RouteTable;
  /** "api" by default; "" serves functions at the root. */
  routePrefix: string;
  maxRequestBodyBytes: number;
  admin: AdminContext;
  log: RunnerLog;
}

class BodyTooLargeError extends Error {}

// Events rather than for-await: leaving a for-await loop early destroys the request, and with it the
// socket the 413 has to be written to.
const EMPTY_BODY = Buffer.alloc(0);

function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError());
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3): answer at
  // once instead of waiting a turn of the event loop for an 'end' that brings nothing (most GETs).
  if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) {
    request.resume();
    return Promise.resolve(EMPTY_BODY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | undefined): void => {
      request.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      request.pause();
      finish(new BodyTooLargeError());
    };
    const onEnd = (): void => finish(undefined);
    const onClose = (): void => finish(new Error('request aborted'));
    request.on('data', onData).on('end', onEnd).on('error', finish).on('close', onClose);
  });
}

function requestHeaders(request: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function stripPrefix(pathname: string, prefix: string): string | undefined {
  if (prefix === '') return pathname;
  const lower = pathname.toLowerCase();
  const start = `/${prefix.toLowerCase()}`;
  if (lower === start) return '';
  return lower.startsWith(`${start}/`) ? pathname.slice(start.length) : undefined;
}

/** The runner's HTTP server on 127.0.0.1. */
export class LocalHttpServer {
  private readonly server: http.Server;
  private inFlight = 0;
  private closing = false;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly options: LocalHttpServerOptions) {
    this.server = http.createServer((request, response) => void this.handle(request, response));
  }

  /** Listens on 127.0.0.1:port (0 picks a free port) and resolves with the port bound. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        if (error.code === 'EADDRINUSE') {
          reject(
            new RunnerConfigError(
              `Port ${port} is already in use: set PORT to a free port (PORT=0 picks one)`,
            ),
          );
        } else if (error.code === 'EACCES') {
          reject(new RunnerConfigError(`Port ${port} needs privileges: set PORT above 1023`));
        } else {
          reject(error);
        }
      };
      this.server.once('error', onError);
      this.server.listen(port, LISTEN_HOST, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting, waits up to graceMs for in-flight requests, then closes every connection. */
  async close(graceMs: number): Promise<{ abandoned: number }> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const drained =
      this.inFlight === 0 ||
      (await Promise.race([
        new Promise<boolean>((resolve) => this.drainWaiters.push(() => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]));
    clearTimeout(timer);
    const abandoned = drained ? 0 : this.inFlight;
    this.server.closeAllConnections();
    await closed;
    return { abandoned };
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const started = performance.now();
    this.inFlight++;
    response.once('close', () => {
      this.inFlight--;
      if (this.inFlight === 0 && this.closing) this.drainWaiters.splice(0).forEach((wake) => wake());
    });

    const method = (request.method ?? 'GET').toUpperCase();
    let pathname = '/';
    let outcome: { response: OutgoingResponse; functionName?: string; invocationId?: string } | undefined;
    try {
      // The Host header is what the client used; fall back to the bound address for HTTP/1.0 clients.
      const base = `http://${request.headers.host ?? `${LISTEN_HOST}:${(this.server.address() as AddressInfo).port}`}`;
      const url = new URL(request.url ?? '/', base);
      pathname = url.pathname;
      outcome = await this.dispatch(request, method, url);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        const limit = this.options.maxRequestBodyBytes;
        outcome = {
          response: problemResponse(
            413,
            'Content Too Large',
            'PAYLOAD_TOO_LARGE',
            `The body exceeds ${limit} bytes.`,
          ),
        };
        // The rest of the body is not read; closing the connection is the only way to stay in sync.
        outcome.response.headers.push(['connection', 'close']);
      } else if (error instanceof TypeError && /Invalid URL/i.test(error.message)) {
        outcome = {
          response: problemResponse(400, 'Bad Request', 'BAD_REQUEST', 'The request URL is not valid.'),
        };
      } else if (request.destroyed || response.destroyed) {
        // The client went away mid-request: nothing to answer.
        this.options.log.logger.debug('request aborted by client', { method, path: pathname });
        return;
      } else {
        this.options.log.logger.error('runner failed to handle a request', {
          method,
          path: pathname,
          ...errorProperties(error),
        });
        outcome = { response: problemResponse(500, 'Internal Server Error', 'INTERNAL_ERROR') };
      }
    }

    this.write(response, outcome.response);
    this.options.log.logger.info('request', {
      method,
      // The path only: query strings can carry tokens, and this log is shared freely.
      path: pathname,
      status: outcome.response.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ...(outcome.functionName
        ? { functionName: outcome.functionName, invocationId: outcome.invocationId }
        : {}),
    });
  }

  private async dispatch(
    request: http.IncomingMessage,
    method: string,
    url: URL,
  ): Promise<{ response: OutgoingResponse; functionName?: string; invocationId?: string }> {
    const { routes, routePrefix, maxRequestBodyBytes, admin, log } = this.options;
    const segments = splitPath(url.pathname);
    if (segments[0]?.toLowerCase() === 'admin') {
      const body = method === 'POST' ? await readBody(request, maxRequestBodyBytes) : Buffer.alloc(0);
      return { response: handleAdminRequest(method, segments.slice(1), body, admin) };
    }

    const below = stripPrefix(url.pathname, routePrefix);
    const lookup = below === undefined ? undefined : routes.find(method, splitPath(below));
    if (!lookup || lookup.kind === 'notFound') {
      // A route that exists for other methods is still 404, as under the host (its routes carry method
      // constraints, so a wrong method matches no route at all).
      const detail = lookup?.methodMismatch
        ? `No function serves ${method} ${url.pathname}.`
        : `No function serves ${url.pathname}.`;
      return { response: problemResponse(404, 'Not Found', 'ROUTE_NOT_FOUND', detail) };
    }

    const body = await readBody(request, maxRequestBodyBytes);
    const { definition } = lookup.route;
    const outcome = await invokeHttpFunction(
      definition,
      { method, url: url.href, headers: requestHeaders(request), body, params: lookup.values },
      log,
    );
    return { response: outcome.response, functionName: definition.name, invocationId: outcome.invocationId };
  }

  private write(response: http.ServerResponse, outgoing: OutgoingResponse): void {
    if (response.headersSent || response.destroyed) return;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of outgoing.headers) {
      const existing = headers[name];
      headers[name] =
        existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
    // A fixed length rather than chunked framing, as the host answers buffered responses.
    if (![204, 304].includes(outgoing.status)) headers['content-length'] = String(outgoing.body.length);
    // While shutting down, keep-alive would hold connections open that close() then has to cut.
    if (this.closing) headers.connection = 'close';
    response.writeHead(outgoing.status, headers);
    response.end(outgoing.body);
  }
}
