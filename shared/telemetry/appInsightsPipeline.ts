// The Application Insights pipeline, request-thread side. The SDK runs in a worker thread
// (telemetryWorker.ts); this side samples invocations, records the kept ones with their store calls, Azure SDK
// calls, exceptions and events, sums the store's metrics, and posts all of it there. appInsights.ts requires
// this module only when a connection string is set.
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { Worker } from 'node:worker_threads';
import type { LogLevel } from '../config/settings';
import { recordAzureSdkSpans } from './azureSdkSpans';
import { currentCorrelation } from './correlation';
import { MAX_CHILDREN, createInvocationRecorder } from './invocationRecorder';
import { traceInvocations } from './invocationTelemetry';
import { createJsonLogger, onLoggedErrors, type Logger } from './logger';
import { requestSamplerFor } from './requestSampler';
import { recordStoreDependencies } from './storeDependencies';
import { recordStoreMetrics } from './storeTelemetry';
import { onTrackedEvents } from './telemetryEvents';
import {
  errorRecordOf,
  type EventRecord,
  type ExceptionRecord,
  type FromTelemetryWorker,
  type StoreIdentity,
  type TelemetryWorkerOptions,
  type ToTelemetryWorker,
} from './telemetryMessages';

/** What the pipeline needs; the connection string is a secret and is never logged. */
export interface PipelineOptions {
  connectionString: string;
  /** APPLICATIONINSIGHTS_AUTHENTICATION_STRING ("Authorization=AAD;ClientId=..."): Entra ID ingestion. */
  authenticationString: string | undefined;
  /** The store has a circuit breaker (Cosmos DB), so its state gauge reports from the start. */
  hasBreaker: boolean;
  /** What the store dependencies name. */
  store: StoreIdentity;
  /** LOG_LEVEL, for the SDK's own diagnostics and the pipeline's. */
  logLevel: LogLevel;
}

/** A running pipeline. */
export interface TelemetryPipeline {
  /** Sends everything queued now (spans, logs and metrics alike). */
  flush(): Promise<void>;
  /** Flushes, detaches from the app and shuts the SDK down. */
  shutdown(): Promise<void>;
}

// The store's sums cross to the telemetry thread this often (and at every flush); the SDK exports metrics
// once a minute, so a batch is at most this late for its interval.
const METRICS_POST_MS = 5_000;

const WORKER_FILE = 'telemetryWorker.js';

/**
 * The worker's file: beside this module once built (dist/shared/telemetry, or beside the deployment bundle,
 * which carries it as a file of its own). Tests run this module from its TypeScript source, which a worker
 * thread cannot load, so there the build's copy is used.
 */
export function telemetryWorkerFile(): string {
  const beside = path.join(__dirname, WORKER_FILE);
  if (fs.existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '..', '..', 'dist', 'shared', 'telemetry', WORKER_FILE);
  if (fs.existsSync(built)) return built;
  throw new Error(`${WORKER_FILE} not found beside ${__dirname}: run npm run build`);
}

function asProperties(properties: Record<string, unknown>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined || value === null) continue;
    strings[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return strings;
}

// Where an exception or event goes: into the kept invocation it belongs to (sent with it, in its
// operation), or straight to the telemetry thread; past MAX_CHILDREN of them, straight there too.
function recordingNow(items: 'exceptions' | 'events') {
  const recording = currentCorrelation()?.recording;
  if (!recording || recording.ended || recording.telemetry[items].length >= MAX_CHILDREN) return undefined;
  return recording;
}

/** Starts the telemetry thread and connects the app's telemetry hooks to it. */
export function startPipeline(options: PipelineOptions): TelemetryPipeline {
  const log: Logger = createJsonLogger(options.logLevel);
  const sampler = requestSamplerFor(process.env);
  const workerOptions: TelemetryWorkerOptions = {
    ...options,
    appSamples: sampler !== undefined,
    caCertificates: tls.getCACertificates?.('default'),
  };
  // The environment the app reads now (the SDK takes OTEL_* and APPLICATIONINSIGHTS_* settings from it),
  // which a host or test may have changed in place of the process's own.
  const worker = new Worker(telemetryWorkerFile(), { workerData: workerOptions, env: process.env });
  // The telemetry thread never keeps the process alive by itself; a pending flush does (see `ask`).
  worker.unref();

  let stopped = false;
  const post = (message: ToTelemetryWorker): void => {
    if (!stopped) worker.postMessage(message);
  };
  const answers = new Map<number, (error?: string) => void>();
  let nextId = 1;
  const ask = (type: 'flush' | 'shutdown'): Promise<void> => {
    if (stopped) return Promise.resolve();
    const id = nextId++;
    worker.ref();
    return new Promise<void>((resolve) => {
      answers.set(id, (error) => {
        if (error) log.warn('telemetry flush failed', { reason: error });
        resolve();
      });
      worker.postMessage({ type, id } satisfies ToTelemetryWorker);
    }).finally(() => {
      if (answers.size === 0) worker.unref();
    });
  };

  const trackException = (exception: ExceptionRecord): void => {
    const recording = recordingNow('exceptions');
    if (recording) recording.telemetry.exceptions.push(exception);
    else post({ type: 'exception', exception });
  };
  const trackEvent = (event: EventRecord): void => {
    const recording = recordingNow('events');
    if (recording) recording.telemetry.events.push(event);
    else post({ type: 'event', event });
  };

  const metrics = recordStoreMetrics((state) => post({ type: 'breaker', state }));
  const postMetrics = (): void => {
    const batch = metrics.drain();
    if (batch) post({ type: 'metrics', batch });
  };
  const metricsTimer = setInterval(postMetrics, METRICS_POST_MS);
  metricsTimer.unref();

  const detach = [
    traceInvocations(
      createInvocationRecorder(
        (invocation) => post({ type: 'invocation', invocation }),
        trackException,
        sampler,
      ),
    ),
    onLoggedErrors((error, message, properties) => {
      const correlation = currentCorrelation();
      trackException({
        error: errorRecordOf(error),
        properties: asProperties({
          ...(correlation
            ? { correlationId: correlation.correlationId, invocationId: correlation.invocationId }
            : {}),
          ...properties,
          message,
        }),
      });
    }),
    onTrackedEvents((name, properties, measurements) => trackEvent({ name, properties, measurements })),
    recordStoreDependencies(),
    recordAzureSdkSpans(),
    () => metrics.stop(),
    () => clearInterval(metricsTimer),
  ];
  const detachAll = (): void => {
    for (const stop of detach.splice(0)) stop();
  };

  const settle = (error?: string): void => {
    for (const [id, answered] of answers) {
      answers.delete(id);
      answered(error);
    }
  };
  worker.on('message', (message: FromTelemetryWorker) => {
    if (message.type === 'failed') {
      log.error('telemetry not started', { reason: message.reason });
      detachAll();
    } else if (message.type === 'done') {
      const answered = answers.get(message.id);
      answers.delete(message.id);
      answered?.(message.error);
    }
  });
  worker.on('error', (error) => {
    log.error('telemetry thread failed', {
      reason: error.message.split(options.connectionString).join('[connection string]'),
    });
  });
  worker.on('exit', () => {
    stopped = true;
    detachAll();
    settle();
  });

  let stopping: Promise<void> | undefined;
  return {
    flush: async () => {
      postMetrics();
      await ask('flush');
    },
    shutdown: () =>
      (stopping ??= (async () => {
        postMetrics();
        detachAll();
        await ask('shutdown');
        stopped = true;
        await worker.terminate();
      })()),
  };
}
