import type { InvocationContext } from '@azure/functions';
import type { LogLevel } from '../config/settings';
import { currentCorrelation } from './correlation';

export type LogProperties = Record<string, unknown>;

/** The app's one logging interface: a message plus structured properties. */
export interface Logger {
  debug(message: string, properties?: LogProperties): void;
  info(message: string, properties?: LogProperties): void;
  warn(message: string, properties?: LogProperties): void;
  error(message: string, properties?: LogProperties): void;
}

/** Receives every error line that carries an Error (Application Insights turns them into exceptions). */
export type LoggedErrorSink = (error: Error, message: string, properties: LogProperties) => void;

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let loggedErrorSink: LoggedErrorSink | undefined;

/** Sets the one receiver of logged errors (the telemetry pipeline); returns its remover. */
export function onLoggedErrors(sink: LoggedErrorSink): () => void {
  loggedErrorSink = sink;
  return () => {
    if (loggedErrorSink === sink) loggedErrorSink = undefined;
  };
}

function serialiseError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const withCode = value as Error & { code?: unknown };
  return { name: value.name, message: value.message, code: withCode.code };
}

function normalise(properties: LogProperties | undefined): LogProperties | undefined {
  if (!properties) return undefined;
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, serialiseError(v)]));
}

// An error line with an Error in its properties is a handled failure worth an exception item (a 500 that
// the route turned into a problem response, a store that would not open). Telemetry must never break a log call.
function reportLoggedError(message: string, properties: LogProperties | undefined): void {
  const sink = loggedErrorSink;
  if (!sink || !properties) return;
  const error = Object.values(properties).find((value): value is Error => value instanceof Error);
  if (!error) return;
  try {
    sink(error, message, normalise(properties) ?? {});
  } catch {
    // A telemetry failure is not the caller's problem.
  }
}

// Writes one line through an invocation context, which the Functions host (and the local runner) tie to
// the invocation; the ids are properties so the line is found by either.
function writeToContext(
  context: InvocationContext,
  entryLevel: LogLevel,
  message: string,
  properties: LogProperties | undefined,
): void {
  const correlation = currentCorrelation();
  const entry = {
    invocationId: context.invocationId,
    ...(correlation?.invocationId === context.invocationId
      ? { correlationId: correlation.correlationId }
      : {}),
    ...normalise(properties),
  };
  context[entryLevel](message, entry);
}

const writeStdout = (line: string): void => void process.stdout.write(line);

/**
 * A logger for code that may run outside a function invocation: one JSON object per line. With the default
 * destination (stdout), a line logged while an invocation runs (by the store, its policies, the usage
 * flusher) goes through that invocation's context instead, so inside functions every line is the
 * invocation's. An explicit `write` always gets the JSON line (the local runner's own log, tests).
 */
export function createJsonLogger(
  level: LogLevel,
  write?: (line: string) => void,
  base: LogProperties = {},
): Logger {
  const sink = write ?? writeStdout;
  const emit = (entryLevel: LogLevel, message: string, properties?: LogProperties): void => {
    if (LEVEL_ORDER[entryLevel] < LEVEL_ORDER[level]) return;
    if (entryLevel === 'error') reportLoggedError(message, properties);
    const correlation = currentCorrelation();
    if (write === undefined && correlation?.context) {
      writeToContext(correlation.context, entryLevel, message, { ...base, ...properties });
      return;
    }
    const entry = {
      time: new Date().toISOString(),
      level: entryLevel,
      message,
      ...(correlation
        ? { invocationId: correlation.invocationId, correlationId: correlation.correlationId }
        : {}),
      ...base,
      ...normalise(properties),
    };
    sink(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (m, p) => emit('debug', m, p),
    info: (m, p) => emit('info', m, p),
    warn: (m, p) => emit('warn', m, p),
    error: (m, p) => emit('error', m, p),
  };
}

/**
 * A logger that writes through the invocation context, so the host correlates lines with the invocation.
 * The level is applied where the context's lines go: the local runner filters them by LOG_LEVEL, the
 * Functions host by host.json (logging.logLevel), as it does for every function's logs.
 */
export function invocationLogger(context: InvocationContext): Logger {
  const emit = (entryLevel: LogLevel, message: string, properties?: LogProperties): void => {
    if (entryLevel === 'error') reportLoggedError(message, properties);
    writeToContext(context, entryLevel, message, properties);
  };
  return {
    debug: (m, p) => emit('debug', m, p),
    info: (m, p) => emit('info', m, p),
    warn: (m, p) => emit('warn', m, p),
    error: (m, p) => emit('error', m, p),
  };
}
