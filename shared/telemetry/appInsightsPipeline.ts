// The Application Insights pipeline itself. This module imports the SDK (about half a second of loading),
// so appInsights.ts requires it only when a connection string is set: without one, neither the SDK nor the
// OpenTelemetry API is ever loaded.
import { TelemetryClient } from 'applicationinsights';
import type { LogLevel } from '../config/settings';
import { currentCorrelation } from './correlation';
import { ingestionCredential } from './ingestionCredential';
import { traceInvocations } from './invocationTelemetry';
import { createInvocationTracer } from './invocationSpans';
import { createJsonLogger, onLoggedErrors } from './logger';
import { keepAzureSdkLogging, logSdkDiagnostics } from './sdkDiagnostics';
import { requestSamplerFor } from './requestSampler';
import { recordStoreDependencies, type StoreIdentity } from './storeDependencies';
import { recordStoreTelemetry } from './storeTelemetry';
import { onTrackedEvents } from './telemetryEvents';

/** What the pipeline needs; the connection string is a secret and is never logged. */
export interface PipelineOptions {
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
   * Under the Functions host, the SDK's pre-invocation hook makes the host's trace context active before each
   * invocation, and request spans join it; the local runner has no such context to look for.
   */
  hostTraceContext: boolean;
}

/** A running pipeline. */
export interface TelemetryPipeline {
  /** Sends everything queued now (spans, logs and metrics alike). */
  flush(): Promise<void>;
  /** Flushes, detaches from the app and shuts the SDK down. */
  shutdown(): Promise<void>;
}

function errorOf(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function asProperties(properties: Record<string, unknown>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined || value === null) continue;
    strings[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return strings;
}

/** Starts the SDK (once per process: its providers are global) and connects the app's telemetry hooks to it. */
export function startPipeline(options: PipelineOptions): TelemetryPipeline {
  const client = new TelemetryClient(options.connectionString);
  const credential = ingestionCredential(options.authenticationString);
  if (credential) client.config.aadTokenCredential = credential;
  // Requests are the function table's spans (invocationSpans.ts): the same under the Functions host, whose
  // worker never sees the HTTP request, and the local runner, whose node:http server would otherwise give
  // a second, route-less request per call. Dependencies are the store's calls (storeDependencies.ts) and the
  // Azure SDK's own spans (Blob Storage, Key Vault): with requests and dependencies both off, the SDK's
  // HTTP instrumentation is not installed at all, which is what costs (see storeDependencies.ts).
  client.config.enableAutoCollectRequests = false;
  client.config.enableAutoCollectDependencies = false;
  // Live Metrics, even with nobody watching, cost about 9% of GET /api/tasks/{id} throughput on the local
  // runner (10,696 vs 9,780 req/s, five alternating rounds); /api/dashboard is the app's live view.
  client.config.enableSendLiveMetrics = false;
  // HTTP requests are sampled before a span exists (requestSampler.ts), at the SDK's default rate; the SDK then
  // keeps every span it is given. With OTEL_TRACES_SAMPLER set, the SDK's sampler decides instead.
  const sampler = requestSamplerFor(process.env);
  if (sampler) {
    client.config.azureMonitorOpenTelemetryOptions = {
      ...client.config.azureMonitorOpenTelemetryOptions,
      tracesPerSecond: 0,
      samplingRatio: 1,
    };
  }
  // The app logs through its Logger, not console or a third-party logger.
  client.config.enableAutoCollectConsole = false;
  client.config.enableAutoCollectExternalLoggers = false;
  const restoreAzureSdkLogging = keepAzureSdkLogging();
  client.initialize();
  restoreAzureSdkLogging();
  logSdkDiagnostics(createJsonLogger(options.logLevel), options.connectionString);

  const trackException = (error: unknown, properties: Record<string, unknown>): void => {
    const correlation = currentCorrelation();
    client.trackException({
      exception: errorOf(error),
      properties: asProperties({
        ...(correlation
          ? { correlationId: correlation.correlationId, invocationId: correlation.invocationId }
          : {}),
        ...properties,
      }),
    });
  };

  const detach = [
    traceInvocations(createInvocationTracer(trackException, sampler, options.hostTraceContext)),
    onLoggedErrors((error, message, properties) => trackException(error, { ...properties, message })),
    onTrackedEvents((name, properties, measurements) =>
      client.trackEvent({ name, properties, measurements }),
    ),
    recordStoreTelemetry(options.hasBreaker),
    recordStoreDependencies(options.store),
  ];

  let stopping: Promise<void> | undefined;
  return {
    flush: () => client.flush(),
    shutdown: () =>
      (stopping ??= (async () => {
        // Flushed while still attached, so observable metrics (the breaker gauge) report one last time.
        await client.flush();
        for (const stop of detach) stop();
        await client.shutdown();
      })()),
  };
}
