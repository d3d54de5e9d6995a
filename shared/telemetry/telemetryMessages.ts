// What the request thread hands the telemetry thread (telemetryWorker.ts). The Application Insights SDK runs
// in a worker thread, so the request thread only samples, records plain data and posts it; every message
// here is structured-cloned, so it holds plain values only (an Error travels as its name, message and stack).
import type { LogLevel } from '../config/settings';
import type { StoreCallAggregate } from './storeCallAggregates';

/** What the store dependencies name: the database system, the account host and the database. */
export interface StoreIdentity {
  /** OpenTelemetry's db.system: cosmosdb, or sqlite for the local store. */
  system: 'cosmosdb' | 'sqlite';
  /** The Cosmos DB account host (xyz.documents.azure.com); none for the local store. */
  host: string | undefined;
  database: string;
}

/** How the telemetry thread starts the SDK (workerData); the connection string is a secret, never logged. */
export interface TelemetryWorkerOptions {
  connectionString: string;
  /** APPLICATIONINSIGHTS_AUTHENTICATION_STRING ("Authorization=AAD;ClientId=..."): Entra ID ingestion. */
  authenticationString: string | undefined;
  /** The store has a circuit breaker (Cosmos DB), so its state gauge reports from the start. */
  hasBreaker: boolean;
  /** What the store dependencies name. */
  store: StoreIdentity;
  /** LOG_LEVEL, for the SDK's own diagnostics. */
  logLevel: LogLevel;
  /**
   * The request thread samples requests itself (requestSampler.ts), so the SDK keeps every span it is given;
   * false when OTEL_TRACES_SAMPLER is set and the SDK's sampler decides.
   */
  appSamples: boolean;
  /**
   * The CA certificates the process trusts now. A worker thread starts from Node's defaults, not from what
   * the process may have set at run time (tls.setDefaultCACertificates).
   */
  caCertificates: string[] | undefined;
}

/** An error as it crosses threads. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack: string | undefined;
}

/** An exception item: the error and its custom dimensions. */
export interface ExceptionRecord {
  error: ErrorRecord;
  properties: Record<string, string>;
}

/** A custom event item. */
export interface EventRecord {
  name: string;
  properties: Record<string, string>;
  measurements: Record<string, number>;
}

/** One store call inside a kept invocation, as the usage recorder timed it (epoch milliseconds). */
export interface StoreDependencyRecord {
  operation: string;
  container: string;
  /** The query shape; '' for point operations. */
  shape: string;
  outcome: string;
  requestCharge: number;
  itemCount: number;
  throttled: number;
  startedAt: number;
  endedAt: number;
}

/** One Azure SDK span (Blob Storage, Key Vault) inside a kept invocation (azureSdkSpans.ts). */
export interface AzureSdkSpanRecord {
  /** Its number within the invocation, from 1; parents are numbered before their children. */
  id: number;
  /** The enclosing Azure SDK span's id, or 0: the invocation's request span. */
  parentId: number;
  name: string;
  kind: 'client' | 'server' | 'producer' | 'consumer' | 'internal';
  attributes: Record<string, string | number | boolean>;
  failed: boolean;
  startedAt: number;
  endedAt: number;
}

/** A kept invocation with everything it caused, posted once it ends. */
export interface InvocationTelemetry {
  /** "GET tasks/{id}" for HTTP functions, the function's name for timers. */
  name: string;
  trigger: 'http' | 'timer';
  traceId: string;
  /** The caller's (or the Functions host's) span; a stand-in derived from the trace id when there is none. */
  parentSpanId: string;
  traceFlags: number;
  /** Percentage of requests like this one that were kept (100: all). */
  sampleRate: number;
  attributes: Record<string, string | number>;
  status: number | undefined;
  success: boolean;
  startedAt: number;
  endedAt: number;
  dependencies: StoreDependencyRecord[];
  azureSdkSpans: AzureSdkSpanRecord[];
  exceptions: ExceptionRecord[];
  events: EventRecord[];
}

/** Store calls and resilience counts of one interval, summed on the request thread (storeTelemetry.ts). */
export interface StoreMetricsBatch {
  calls: StoreCallAggregate[];
  cacheHits: [container: string, count: number][];
  retries: { operation: string; code: string; count: number }[];
}

/** A message to the telemetry thread. */
export type ToTelemetryWorker =
  | { type: 'invocation'; invocation: InvocationTelemetry }
  | { type: 'exception'; exception: ExceptionRecord }
  | { type: 'event'; event: EventRecord }
  | { type: 'metrics'; batch: StoreMetricsBatch }
  | { type: 'breaker'; state: 'closed' | 'half-open' | 'open' }
  | { type: 'flush'; id: number }
  | { type: 'shutdown'; id: number };

/** A message from the telemetry thread. */
export type FromTelemetryWorker =
  { type: 'started' } | { type: 'failed'; reason: string } | { type: 'done'; id: number; error?: string };

/** An error as it crosses threads: what is thrown need not be an Error. */
export function errorRecordOf(value: unknown): ErrorRecord {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return { name: 'Error', message: String(value), stack: undefined };
}
