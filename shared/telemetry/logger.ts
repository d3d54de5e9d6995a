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

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function serialiseError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const withCode = value as Error & { code?: unknown };
  return { name: value.name, message: value.message, code: withCode.code };
}

function normalise(properties: LogProperties | undefined): LogProperties | undefined {
  if (!properties) return undefined;
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, serialiseError(v)]));
}

/** A logger that writes one JSON object per line, for code that runs outside a function invocation. */
export function createJsonLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
  base: LogProperties = {},
): Logger {
  const emit = (entryLevel: LogLevel, message: string, properties?: LogProperties): void => {
    if (LEVEL_ORDER[entryLevel] < LEVEL_ORDER[level]) return;
    const correlation = currentCorrelation();
    const entry = {
      time: new Date().toISOString(),
      level: entryLevel,
      message,
      ...(correlation ?? {}),
      ...base,
      ...normalise(properties),
    };
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (m, p) => emit('debug', m, p),
    info: (m, p) => emit('info', m, p),
    warn: (m, p) => emit('warn', m, p),
    error: (m, p) => emit('error', m, p),
  };
}

/** A logger that writes through the invocation context, so the host correlates lines with the invocation. */
export function invocationLogger(context: InvocationContext): Logger {
  const props = (p?: LogProperties): LogProperties => ({
    invocationId: context.invocationId,
    ...(currentCorrelation()?.invocationId === context.invocationId
      ? { correlationId: currentCorrelation()?.correlationId }
      : {}),
    ...normalise(p),
  });
  return {
    debug: (m, p) => context.debug(m, props(p)),
    info: (m, p) => context.info(m, props(p)),
    warn: (m, p) => context.warn(m, props(p)),
    error: (m, p) => context.error(m, props(p)),
  };
}
