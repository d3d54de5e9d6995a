import type { HttpHandler, HttpMethod, TimerHandler } from '@azure/functions';
import type { RouteDescription } from '../shared/http/routeDescription';

/** An HTTP-triggered function as the Functions host and the local runner both register it. */
export interface HttpFunctionDefinition {
  trigger: 'http';
  name: string;
  /** Route template under /api, in the Functions host's syntax ("tasks/{id}"). */
  route: string;
  methods: HttpMethod[];
  /** Every route authenticates in code (AUTH_MODE), so the host's function keys are not used. */
  authLevel: 'anonymous';
  handler: HttpHandler;
  /** What /api/openapi.json says about this function. */
  description?: RouteDescription;
}

/** A timer-triggered function; schedule is a six-field NCRONTAB expression. */
export interface TimerFunctionDefinition {
  trigger: 'timer';
  name: string;
  schedule: string;
  runOnStartup?: boolean;
  handler: TimerHandler;
}

export type FunctionDefinition = HttpFunctionDefinition | TimerFunctionDefinition;

/** One HTTP function: a name, one method and a route under /api. */
export function httpFunction(
  name: string,
  method: HttpMethod,
  route: string,
  handler: HttpHandler,
  description?: RouteDescription,
): HttpFunctionDefinition {
  return { trigger: 'http', name, route, methods: [method], authLevel: 'anonymous', handler, description };
}
