// Loads an app's entry module the way the Functions worker does and turns what it registered into the
// runner's function table. The worker does not hand @azure/functions a table: the library calls the
// worker's built-in module @azure/functions-core (registerFunction, registerHook, setProgrammingModel),
// which the worker provides by intercepting require. Doing the same here lets the runner serve any entry
// module — the compiled dist/functions/index.js or the deployment bundle, whose @azure/functions is a copy
// inside the bundle — with exactly the functions, routes, handlers and hooks the host would receive.
import type { HttpHandler, HttpMethod, TimerHandler } from '@azure/functions';
import Module from 'node:module';
import path from 'node:path';
import type { FunctionDefinition } from '../../functions/functionDefinition';
import { RunnerConfigError } from './runnerErrors';

/** The name under which the worker provides its API to @azure/functions. */
export const FUNCTIONS_CORE_MODULE = '@azure/functions-core';

/** A binding as @azure/functions describes it to the worker (the fields the runner needs). */
interface CoreBinding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  schedule?: string;
  runOnStartup?: boolean;
}

/** A function's metadata as @azure/functions passes it to registerFunction. */
interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, CoreBinding>;
}

type HookCallback = (context: {
  hookData: Record<string, unknown>;
  appHookData: Record<string, unknown>;
}) => void | Promise<void>;

/** An entry module loaded as the host loads it. */
export interface LoadedEntry {
  /** Every function it registered, in registration order, as the runner serves them. */
  readonly functions: FunctionDefinition[];
  /** The programming model it announced, e.g. "@azure/functions@4.16.5". */
  readonly programmingModel: string | undefined;
  /** Runs its appStart hooks, as the host does before the first invocation. */
  start(): Promise<void>;
  /** Runs its appTerminate hooks, as the host does when it shuts the worker down. */
  terminate(): Promise<void>;
}

const HTTP_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'POST',
  'DELETE',
  'HEAD',
  'PATCH',
  'PUT',
  'OPTIONS',
  'TRACE',
  'CONNECT',
]);

function toDefinition(metadata: CoreFunctionMetadata, handler: unknown): FunctionDefinition {
  if (typeof handler !== 'function') {
    throw new RunnerConfigError(`Function "${metadata.name}" was registered without a handler`);
  }
  const trigger = Object.values(metadata.bindings).find(
    (b) => b.direction === 'in' && /Trigger$/.test(b.type),
  );
  if (trigger?.type === 'httpTrigger') {
    const methods = trigger.methods ?? [...HTTP_METHODS];
    const unknown = methods.filter((m) => !HTTP_METHODS.has(m));
    if (unknown.length > 0) {
      throw new RunnerConfigError(
        `Function "${metadata.name}" uses unknown HTTP methods: ${unknown.join(', ')}`,
      );
    }
    // Every route of this app authenticates in code (AUTH_MODE); the runner has no function keys to check.
    if ((trigger.authLevel ?? 'anonymous') !== 'anonymous') {
      throw new RunnerConfigError(
        `Function "${metadata.name}" has authLevel "${trigger.authLevel}"; the local runner serves anonymous functions only`,
      );
    }
    return {
      trigger: 'http',
      name: metadata.name,
      route: trigger.route ?? metadata.name,
      methods: methods as HttpMethod[],
      authLevel: 'anonymous',
      handler: handler as HttpHandler,
    };
  }
  if (trigger?.type === 'timerTrigger' && trigger.schedule !== undefined) {
    return {
      trigger: 'timer',
      name: metadata.name,
      schedule: trigger.schedule,
      runOnStartup: trigger.runOnStartup ?? false,
      handler: handler as TimerHandler,
    };
  }
  throw new RunnerConfigError(
    `Function "${metadata.name}" has a ${trigger?.type ?? 'missing'} trigger; the local runner serves HTTP and timer functions`,
  );
}

/** What an entry module told the host while it loaded. */
interface Registrations {
  functions: FunctionDefinition[];
  hooks: Map<string, HookCallback[]>;
  programmingModel?: string;
}

/** What require('@azure/functions-core') returns to the app while it loads: a recorder of its registrations. */
function createCoreApi(record: Registrations): Record<string, unknown> {
  const disposable = { dispose: () => undefined };
  return {
    version: 'local-runner',
    hostVersion: 'local-runner',
    setProgrammingModel(model: { name: string; version: string }): void {
      record.programmingModel = `${model.name}@${model.version}`;
    },
    registerFunction(metadata: CoreFunctionMetadata, handler: unknown) {
      record.functions.push(toDefinition(metadata, handler));
      return disposable;
    },
    registerHook(name: string, callback: HookCallback) {
      record.hooks.set(name, [...(record.hooks.get(name) ?? []), callback]);
      return disposable;
    },
    // The library's own system log (debug detail about its set-up); the host keeps it out of app logs too.
    log: () => undefined,
  };
}

/** Requires an entry module so that its require('@azure/functions-core') answers `coreApi`. */
export type EntryLoader = (file: string, coreApi: object) => void;

type ModuleLoad = (request: string, parent: unknown, isMain: boolean) => unknown;

/**
 * Node's require with @azure/functions-core answered as the worker answers it: by intercepting
 * Module._load. `fresh` evaluates the file again even if this process loaded it before (for a bundle that
 * is its whole module graph: a new app with new settings). Under jest, whose module system is its own,
 * pass a loader that goes through jest's registry instead.
 */
export function nodeEntryLoader(options: { fresh?: boolean } = {}): EntryLoader {
  return (file, coreApi) => {
    const entryRequire = Module.createRequire(file);
    if (options.fresh) delete entryRequire.cache[entryRequire.resolve(file)];
    const loader = Module as unknown as { _load: ModuleLoad };
    const originalLoad = loader._load;
    // The library asks for the core module while the entry registers its functions, and keeps the answer,
    // so the interception lasts exactly as long as the entry's own evaluation.
    loader._load = function (this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
      if (request === FUNCTIONS_CORE_MODULE) return coreApi;
      return originalLoad.call(this, request, parent, isMain);
    };
    try {
      entryRequire(file);
    } finally {
      loader._load = originalLoad;
    }
  };
}

/** Loads `file` (an entry module such as package.json "main") as the host loads it and returns what it registered. */
export function loadEntryModule(file: string, load: EntryLoader = nodeEntryLoader()): LoadedEntry {
  const entry = path.resolve(file);
  const record: Registrations = { functions: [], hooks: new Map() };
  load(entry, createCoreApi(record));
  if (record.functions.length === 0) {
    throw new RunnerConfigError(
      `${file} registered no functions (an entry already loaded in this process registers nothing again: load it fresh)`,
    );
  }

  const runHooks = async (name: string) => {
    for (const hook of record.hooks.get(name) ?? []) await hook({ hookData: {}, appHookData: {} });
  };
  return {
    functions: record.functions,
    programmingModel: record.programmingModel,
    start: () => runHooks('appStart'),
    terminate: () => runHooks('appTerminate'),
  };
}
