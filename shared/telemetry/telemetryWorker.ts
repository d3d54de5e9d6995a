// The telemetry thread: the Application Insights SDK, started in a worker thread by appInsightsPipeline.ts
// and fed by the request thread's messages (telemetryMessages.ts). Its exports, its configuration poll and
// its half a second of loading happen here, in an isolate of their own: in the request thread the SDK made
// every request slower, not by its own work but by living there (measured in the README's telemetry row).
import { parentPort, workerData } from 'node:worker_threads';
import tls from 'node:tls';
import { trace } from '@opentelemetry/api';
import { TelemetryClient } from 'applicationinsights';
import { ingestionCredential } from './ingestionCredential';
import { createJsonLogger } from './logger';
import { keepAzureSdkLogging, logSdkDiagnostics } from './sdkDiagnostics';
import { replayInvocation, type ItemTracker } from './spanReplay';
import { createStoreMetricInstruments } from './storeMetricInstruments';
import type {
  ExceptionRecord,
  FromTelemetryWorker,
  TelemetryWorkerOptions,
  ToTelemetryWorker,
} from './telemetryMessages';

const TRACER_NAME = 'lifetracker';

function errorOf(record: ExceptionRecord['error']): Error {
  const error = new Error(record.message);
  error.name = record.name;
  if (record.stack !== undefined) error.stack = record.stack;
  return error;
}

function startClient(options: TelemetryWorkerOptions): TelemetryClient {
  // Not in every Node 22 release; without it the thread keeps Node's defaults (NODE_EXTRA_CA_CERTS included).
  if (options.caCertificates && typeof tls.setDefaultCACertificates === 'function') {
    tls.setDefaultCACertificates(options.caCertificates);
  }
  const client = new TelemetryClient(options.connectionString);
  const credential = ingestionCredential(options.authenticationString);
  if (credential) client.config.aadTokenCredential = credential;
  // Requests are the request thread's records of invocations (invocationRecorder.ts): the same under the
  // Functions host, whose worker never sees the HTTP request, and the local runner, whose node:http server
  // would otherwise give a second, route-less request per call. Dependencies are the store's calls and the
  // Azure SDK's own spans, recorded there too; nothing in this thread makes calls worth instrumenting.
  client.config.enableAutoCollectRequests = false;
  client.config.enableAutoCollectDependencies = false;
  // Live Metrics, even with nobody watching, cost about 9% of GET /api/tasks/{id} throughput on the local
  // runner (10,696 vs 9,780 req/s, five alternating rounds); /api/dashboard is the app's live view.
  client.config.enableSendLiveMetrics = false;
  // HTTP requests are sampled before they are recorded (requestSampler.ts), at the SDK's default rate; the
  // SDK then keeps every span it is given. With OTEL_TRACES_SAMPLER set, the SDK's sampler decides instead.
  if (options.appSamples) {
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
  return client;
}

function run(port: NonNullable<typeof parentPort>, options: TelemetryWorkerOptions): void {
  const say = (message: FromTelemetryWorker): void => port.postMessage(message);
  let client: TelemetryClient;
  try {
    client = startClient(options);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    say({ type: 'failed', reason: reason.split(options.connectionString).join('[connection string]') });
    return;
  }
  const tracer = trace.getTracer(TRACER_NAME);
  const instruments = createStoreMetricInstruments(options.hasBreaker);
  const items: ItemTracker = {
    trackException: ({ error, properties }) =>
      client.trackException({ exception: errorOf(error), properties }),
    trackEvent: ({ name, properties, measurements }) => client.trackEvent({ name, properties, measurements }),
  };
  const answer = (id: number, work: Promise<void>): void => {
    work.then(
      () => say({ type: 'done', id }),
      (error: unknown) =>
        say({ type: 'done', id, error: error instanceof Error ? error.message : String(error) }),
    );
  };

  port.on('message', (message: ToTelemetryWorker) => {
    try {
      switch (message.type) {
        case 'invocation':
          replayInvocation(tracer, items, options.store, message.invocation);
          break;
        case 'exception':
          items.trackException(message.exception);
          break;
        case 'event':
          items.trackEvent(message.event);
          break;
        case 'metrics':
          instruments.record(message.batch);
          break;
        case 'breaker':
          instruments.setBreaker(message.state);
          break;
        case 'flush':
          answer(message.id, client.flush());
          break;
        case 'shutdown':
          answer(
            message.id,
            (async () => {
              // Flushed first, so observable metrics (the breaker gauge) report one last time.
              await client.flush();
              instruments.stop();
              await client.shutdown();
              port.close();
            })(),
          );
          break;
      }
    } catch {
      // One bad item must not stop the thread that sends the others.
    }
  });
  say({ type: 'started' });
}

if (parentPort) run(parentPort, workerData as TelemetryWorkerOptions);
