// What stays outside the deployment bundle, and why. Everything else the entry module reaches — the app,
// @azure/functions, the Azure SDKs and their dependencies — is inlined, so the package is one file instead
// of tens of thousands. The build fails on any other import the bundle would leave to run time, so a new
// dependency with an optional or native part is decided here rather than discovered in Azure.
import { builtinModules } from 'node:module';

/** How a module outside the bundle is provided at run time. */
export type ExternalKind =
  /** Built into the Functions worker, which provides it by intercepting require; not on npm. */
  | 'host'
  /** Needed only by the local store (DATA_BACKEND=local): never loaded in Azure, so not in the package. */
  | 'local-only'
  /** Bundled on its own into the package's node_modules, and loaded only when the app first needs it. */
  | 'separate'
  /**
   * Bundled on its own into the package's node_modules, and left outside every other bundle, so the app
   * and the separate packages share one copy of its module state.
   */
  | 'shared';

/** A module the bundle leaves to run time: how it is provided, and when the app loads it. */
export interface BundleExternal {
  kind: ExternalKind;
  /** For the package report: why it is outside the app's bundle. */
  why: string;
}

// A separate package carries its own copy of what it shares with the app (@azure/core-*, tslib): the app
// hands it only plain options and credentials, which the SDKs accept by shape, never by class identity.
/** Every module the bundle may leave to run time, besides Node's built-ins. */
export const BUNDLE_EXTERNALS: Readonly<Record<string, BundleExternal>> = {
  // @azure/functions asks the worker for it (azure-functions-nodejs-library issue 201: mark it external).
  '@azure/functions-core': { kind: 'host', why: 'provided by the Functions worker' },
  // A native addon (a .node file built for one platform) that only the local adapter imports, and that
  // adapter is imported dynamically when DATA_BACKEND=local.
  'better-sqlite3': { kind: 'local-only', why: 'native addon of the local store; Azure runs on Cosmos DB' },
  // The three below are what the first request in Azure never needs. Inlined, every cold start would
  // compile them with the entry module: about 80, 40 and 25 ms here (measured one at a time).
  applicationinsights: {
    kind: 'separate',
    why: 'loaded only when APPLICATIONINSIGHTS_CONNECTION_STRING is set',
  },
  '@zeit/cosmosdb-query': {
    kind: 'separate',
    why: "the local store's SQL engine (with Babel and Turf); Azure runs on Cosmos DB",
  },
  '@azure/storage-blob': { kind: 'separate', why: 'loaded by the report timers and routes, not by requests' },
  // The Azure SDK logger's level and destination are module state: Application Insights takes them over
  // when it starts and the app gives them back (shared/telemetry/sdkDiagnostics.ts), for every SDK at once
  // as with one installed copy, not for the copy inside one bundle.
  '@azure/logger': {
    kind: 'shared',
    why: "one copy of the Azure SDK logger's level and destination for all bundles",
  },
  // The tracer the Azure SDKs report their spans to is module state too: telemetry sets it (azureSdkSpans.ts),
  // and Blob Storage, bundled on its own, must report to the same one.
  '@azure/core-tracing': {
    kind: 'shared',
    why: 'one copy of the Azure SDK tracing instrumenter for all bundles',
  },
};

/** The packages that get a bundle of their own in the package's node_modules (separate and shared). */
export function separatePackages(): string[] {
  return Object.entries(BUNDLE_EXTERNALS)
    .filter(([, external]) => external.kind === 'separate' || external.kind === 'shared')
    .map(([name]) => name);
}

/** What a package's own bundle leaves to run time: the worker's module, and the shared packages (not itself). */
export function packageExternals(name: string): Record<string, BundleExternal> {
  return Object.fromEntries(
    Object.entries(BUNDLE_EXTERNALS).filter(
      ([other, external]) => external.kind === 'host' || (external.kind === 'shared' && other !== name),
    ),
  );
}

/** One import a built bundle leaves to run time (esbuild's metafile: outputs[file].imports). */
export interface RuntimeImport {
  path: string;
  kind: string;
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

/**
 * The run-time imports of a bundle that nothing provides: not a built-in, not allowed by `allowed`. A
 * require.resolve is only a probe (libraries use it in try/catch to detect optional packages), so it is
 * allowed. A subpath of an external package ("applicationinsights/out/...") is not: only the package's
 * main entry is in the deployment package.
 */
export function unprovidedImports(
  imports: readonly RuntimeImport[],
  allowed: Readonly<Record<string, BundleExternal>> = BUNDLE_EXTERNALS,
): RuntimeImport[] {
  return imports.filter(
    (i) => !isBuiltin(i.path) && i.kind !== 'require-resolve' && !Object.hasOwn(allowed, i.path),
  );
}
