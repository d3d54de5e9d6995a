// Where the runner's own lines go: the app's JSON logger (one object per line on stdout by default), so
// runner lines and function lines can be read by the same tools.
import type { LogLevel } from '../../shared/config/settings';
import { createJsonLogger, type Logger, type LogProperties } from '../../shared/telemetry/logger';

/** The runner's log destination: a level, a line writer, and a logger over both. */
export interface RunnerLog {
  readonly level: LogLevel;
  readonly write: (line: string) => void;
  readonly logger: Logger;
  /** Lines that tools parse (the listening URL) are written whatever LOG_LEVEL says. */
  readonly always: Logger;
}

/** Builds the runner's log from a level and a line writer (stdout when omitted). */
export function createRunnerLog(level: LogLevel, write?: (line: string) => void): RunnerLog {
  const sink = write ?? ((line: string) => void process.stdout.write(line));
  return {
    level,
    write: sink,
    logger: createJsonLogger(level, sink),
    always: createJsonLogger('debug', sink),
  };
}

/** An error as log properties; unlike responses, local logs keep the stack because they are the developer's. */
export function errorProperties(error: unknown): LogProperties {
  if (!(error instanceof Error)) return { error: { message: String(error) } };
  const code = (error as Error & { code?: unknown }).code;
  return {
    error: {
      name: error.name,
      message: error.message,
      ...(code === undefined ? {} : { code }),
      stack: error.stack,
    },
  };
}
