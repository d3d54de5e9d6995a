// The slice of the host's admin API that matters locally: list the functions, and run a non-HTTP
// function now (POST /admin/functions/{name}, body {"input": ""}, answered 202), as with Core Tools.
import type { FunctionDefinition } from '../../functions/functionDefinition';
import { jsonResponse, problemResponse, type OutgoingResponse } from './problem';
import type { TimerDescription, TimerScheduler } from './timerScheduler';

/** What the admin routes need from the runner. */
export interface AdminContext {
  readonly functions: readonly FunctionDefinition[];
  readonly timers: TimerScheduler;
  /** e.g. http://127.0.0.1:7071/api */
  readonly apiBaseUrl: () => string;
}

/** One function as GET /admin/functions lists it. */
export type FunctionDescription =
  { name: string; trigger: 'http'; route: string; methods: string[]; invokeUrl: string } | TimerDescription;

/** Describes every function of the table, in table order. */
export function describeFunctions(context: AdminContext): FunctionDescription[] {
  const timers = new Map(context.timers.describe().map((t) => [t.name, t]));
  return context.functions.map((definition): FunctionDescription => {
    if (definition.trigger === 'http') {
      return {
        name: definition.name,
        trigger: 'http',
        route: definition.route,
        methods: [...definition.methods],
        invokeUrl: `${context.apiBaseUrl()}/${definition.route.replace(/^\//, '')}`,
      };
    }
    const timer = timers.get(definition.name);
    return {
      name: definition.name,
      trigger: 'timer',
      schedule: timer?.schedule ?? definition.schedule,
      runOnStartup: timer?.runOnStartup ?? false,
      nextRun: timer?.nextRun ?? null,
      running: timer?.running ?? false,
    };
  });
}

function parseInvokeBody(body: Buffer): boolean {
  const text = body.toString('utf8').trim();
  // Core Tools and the portal send {"input": ""}; an empty body is accepted too.
  if (text === '') return true;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    const input = (parsed as { input?: unknown }).input;
    return input === undefined || input === null || typeof input === 'string';
  } catch {
    return false;
  }
}

/** Answers a request under /admin; `path` is the decoded segments after "admin". */
export function handleAdminRequest(
  method: string,
  path: readonly string[],
  body: Buffer,
  context: AdminContext,
): OutgoingResponse {
  const [area, name, ...rest] = path;
  if (area?.toLowerCase() !== 'functions' || rest.length > 0) {
    return problemResponse(404, 'Not Found', 'ROUTE_NOT_FOUND', 'No admin route at this path.');
  }
  const functions = describeFunctions(context);
  if (name === undefined) {
    if (method !== 'GET')
      return problemResponse(404, 'Not Found', 'ROUTE_NOT_FOUND', 'Use GET /admin/functions.');
    return jsonResponse(200, functions);
  }

  // Function names are case-insensitive under the host.
  const found = functions.find((f) => f.name.toLowerCase() === name.toLowerCase());
  if (!found) return problemResponse(404, 'Not Found', 'FUNCTION_NOT_FOUND', `No function named "${name}".`);
  if (method === 'GET') return jsonResponse(200, found);
  if (method !== 'POST') return problemResponse(404, 'Not Found', 'ROUTE_NOT_FOUND', 'Use GET or POST.');

  if (found.trigger === 'http') {
    return problemResponse(
      400,
      'Bad Request',
      'HTTP_FUNCTION_NOT_INVOCABLE',
      `"${found.name}" is an HTTP function: call ${found.invokeUrl} instead (the admin API runs only non-HTTP functions).`,
    );
  }
  if (!parseInvokeBody(body)) {
    return problemResponse(400, 'Bad Request', 'INVALID_BODY', 'The body must be JSON like {"input": ""}.');
  }
  const run = context.timers.run(found.name, 'admin');
  // 202 as the host: accepted, runs in the background. A run skipped because one is in progress is logged.
  return jsonResponse(202, {
    name: found.name,
    ...(run.started
      ? { invocationId: run.invocationId }
      : { skipped: 'a run of this function is in progress' }),
  });
}
