import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { authenticate } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import { getSettings, type Settings } from '../config/settings';
import type { DocumentStore } from '../data/documentStore';
import { getDocumentStore } from '../data/storeFactory';
import { forbidden, unauthenticated } from '../errors/requestErrors';
import { invocationLogger, type Logger } from '../telemetry/logger';
import { asAppError, problemResponse } from './problemResponse';

/** What a route handler gets: the request, who is calling, the store, settings and a logger. */
export interface RouteContext {
  request: HttpRequest;
  invocation: InvocationContext;
  principal: Principal;
  store: DocumentStore;
  settings: Settings;
  log: Logger;
}

export type RouteHandler = (context: RouteContext) => Promise<HttpResponseInit>;

export interface RouteOptions {
  /** A role the caller must have (403 otherwise). */
  role?: string;
}

/** Turns any failure into a problem response; unexpected ones are logged with their cause, never sent. */
export function problemFor(error: unknown, log: Logger): HttpResponseInit {
  const appError = asAppError(error);
  if (appError.status >= 500) {
    log.error('request failed', {
      code: appError.code,
      status: appError.status,
      error: appError.cause ?? appError,
    });
  }
  return problemResponse(appError);
}

/** An authenticated API route: 401 without an identity, 403 without the role, errors as problem+json. */
export function userRoute(handler: RouteHandler, options: RouteOptions = {}): HttpHandler {
  return async (request, invocation) => {
    const log = invocationLogger(invocation);
    try {
      const settings = getSettings();
      const principal = await authenticate(request, settings);
      if (!principal) throw unauthenticated();
      if (options.role && !principal.roles.includes(options.role)) throw forbidden(options.role);
      const store = await getDocumentStore();
      return await handler({ request, invocation, principal, store, settings, log });
    } catch (error) {
      return problemFor(error, log);
    }
  };
}
