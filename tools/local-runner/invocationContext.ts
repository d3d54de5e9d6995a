// A real InvocationContext per invocation, as the host's worker builds one, whose log calls become JSON
// lines carrying the function name and invocation id (the host correlates them the same way).
import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import {
  InvocationContext,
  output,
  trigger,
  type EffectiveFunctionOptions,
  type LogHandler,
  type LogLevel as FunctionsLogLevel,
} from '@azure/functions';
import type { FunctionDefinition } from '../../functions/functionDefinition';
import type { LogLevel } from '../../shared/config/settings';
import { createJsonLogger, type LogProperties } from '../../shared/telemetry/logger';
import type { RunnerLog } from './runnerLog';

const LEVELS: Record<FunctionsLogLevel, LogLevel | undefined> = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  none: undefined,
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function serialise(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as Error & { code?: unknown }).code;
  return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
}

/** Splits console-style log arguments into a message and structured properties. */
export function toLogEntry(
  args: readonly unknown[],
  invocationId: string,
): { message: string; properties?: LogProperties } {
  const [first, second] = args;
  // The app logs as (message, properties) through invocationLogger; keep those properties structured.
  if (typeof first === 'string' && args.length <= 2 && (second === undefined || isPlainObject(second))) {
    if (!second) return { message: first };
    const properties = Object.fromEntries(
      Object.entries(second)
        .filter(([key, value]) => !(key === 'invocationId' && value === invocationId))
        .map(([key, value]) => [key, serialise(value)]),
    );
    return Object.keys(properties).length > 0 ? { message: first, properties } : { message: first };
  }
  if (first instanceof Error && args.length === 1)
    return { message: first.message, properties: { error: serialise(first) } };
  return { message: format(...args) };
}

// Built once per function: the library derives binding names by hashing (a SHA-1 per binding), which cost
// about 2 µs of every request when it was done per invocation.
const optionsByDefinition = new WeakMap<FunctionDefinition, Partial<EffectiveFunctionOptions>>();

function triggerOptions(definition: FunctionDefinition): Partial<EffectiveFunctionOptions> {
  let options = optionsByDefinition.get(definition);
  if (!options) {
    options = buildTriggerOptions(definition);
    optionsByDefinition.set(definition, options);
  }
  return options;
}

function buildTriggerOptions(definition: FunctionDefinition): Partial<EffectiveFunctionOptions> {
  if (definition.trigger === 'http') {
    return {
      trigger: trigger.http({
        route: definition.route,
        methods: definition.methods,
        authLevel: definition.authLevel,
      }),
      return: output.http({}),
    };
  }
  return {
    trigger: trigger.timer({ schedule: definition.schedule, runOnStartup: definition.runOnStartup ?? false }),
  };
}

/** A new InvocationContext for one run of a function, logging through the runner's log at its level. */
export function createInvocationContext(definition: FunctionDefinition, log: RunnerLog): InvocationContext {
  const invocationId = randomUUID();
  const logger = createJsonLogger(log.level, log.write, { functionName: definition.name, invocationId });
  const logHandler: LogHandler = (level, ...args) => {
    const mapped = LEVELS[level];
    if (!mapped) return;
    const { message, properties } = toLogEntry(args, invocationId);
    logger[mapped](message, properties ? { properties } : undefined);
  };
  return new InvocationContext({
    invocationId,
    functionName: definition.name,
    logHandler,
    options: triggerOptions(definition),
  });
}
