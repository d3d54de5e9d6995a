// startLocalRunner: the function table served over HTTP and run on schedules, in this process. main.ts
// wraps it as the `npm start` CLI; tests and benchmarks call it directly with their own options.
import type {
  FunctionDefinition,
  HttpFunctionDefinition,
  TimerFunctionDefinition,
} from '../../functions/functionDefinition';
import { buildFunctionTable } from '../../functions/functionTable';
import { loadSettings, type Settings } from '../../shared/config/settings';
import { disposeDocumentStore } from '../../shared/data/storeFactory';
import { describeFunctions, type FunctionDescription } from './adminRoutes';
import { DEFAULT_MAX_REQUEST_BODY_BYTES, LISTEN_HOST, LocalHttpServer } from './httpServer';
import { RouteTable } from './routeTable';
import { RunnerConfigError } from './runnerErrors';
import { createRunnerLog, errorProperties } from './runnerLog';
import { TimerScheduler } from './timerScheduler';

/** How to start a runner; every option has the `npm start` default. */
export interface LocalRunnerOptions {
  /** Defaults to loadSettings() from process.env. */
  settings?: Settings;
  /** Defaults to buildFunctionTable(settings), the table the Functions host registers. */
  functions?: readonly FunctionDefinition[];
  /** Defaults to settings.port; 0 picks a free port. */
  port?: number;
  /** host.json's extensions.http.routePrefix; defaults to "api". */
  routePrefix?: string;
  /** Requests with a larger body get 413; defaults to the host's 100 MB. */
  maxRequestBodyBytes?: number;
  /** How long close() waits for in-flight requests and timer runs; defaults to 5 s. */
  shutdownGraceMs?: number;
  /** Where JSON log lines go; defaults to stdout. */
  write?: (line: string) => void;
  /** Where %SETTING% references in schedules are looked up; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A started runner. */
export interface LocalRunner {
  /** e.g. http://127.0.0.1:7071 (functions are under `${url}/api/...`). */
  readonly url: string;
  readonly port: number;
  /** The functions as GET /admin/functions lists them. */
  describe(): FunctionDescription[];
  /** Stops timers and the server, drains in-flight work, disposes the document store. Idempotent. */
  close(): Promise<void>;
}

function checkNames(functions: readonly FunctionDefinition[]): void {
  const seen = new Map<string, string>();
  for (const { name } of functions) {
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,127}$/.test(name)) {
      throw new RunnerConfigError(
        `Function name "${name}" is invalid: letters, digits, "_" and "-", starting with a letter`,
      );
    }
    const clash = seen.get(name.toLowerCase());
    // The host treats function names case-insensitively, so "Health" and "health" collide there.
    if (clash) throw new RunnerConfigError(`Function name "${name}" is used twice (also "${clash}")`);
    seen.set(name.toLowerCase(), name);
  }
}

/** Starts the local runner: routes and schedules checked, server listening on 127.0.0.1, timers armed. */
export async function startLocalRunner(options: LocalRunnerOptions = {}): Promise<LocalRunner> {
  const settings = options.settings ?? loadSettings();
  const log = createRunnerLog(settings.logLevel, options.write);
  const functions = options.functions ?? buildFunctionTable(settings);
  checkNames(functions);

  const routes = new RouteTable(functions.filter((f): f is HttpFunctionDefinition => f.trigger === 'http'));
  for (const conflict of routes.conflicts) log.logger.warn('ambiguous routes', { conflict });
  const timers = new TimerScheduler(
    functions.filter((f): f is TimerFunctionDefinition => f.trigger === 'timer'),
    log,
    options.env ?? process.env,
  );

  const routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  let url = '';
  const admin = {
    functions,
    timers,
    apiBaseUrl: () => (routePrefix ? `${url}/${routePrefix}` : url),
  };
  const server = new LocalHttpServer({
    routes,
    routePrefix,
    maxRequestBodyBytes: options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES,
    admin,
    log,
  });
  const port = await server.listen(options.port ?? settings.port);
  url = `http://${LISTEN_HOST}:${port}`;

  log.always.info('listening', { url });
  timers.start();
  for (const description of describeFunctions(admin)) log.logger.info('function', { ...description });

  const graceMs = options.shutdownGraceMs ?? 5_000;
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    log.logger.info('stopping');
    timers.stop();
    const [http, idle] = await Promise.all([server.close(graceMs), timers.idle(graceMs)]);
    if (http.abandoned > 0)
      log.logger.warn('stopped waiting for requests', { abandoned: http.abandoned, graceMs });
    if (!idle) log.logger.warn('stopped waiting for timer runs', { graceMs });
    try {
      await disposeDocumentStore();
    } catch (error) {
      log.logger.error('disposing the document store failed', errorProperties(error));
    }
    log.always.info('stopped');
  };

  return {
    url,
    port,
    describe: () => describeFunctions(admin),
    close: () => (closing ??= close()),
  };
}
