// The one switch for Application Insights, called by both entry points (functions/index.ts under the
// Functions host, tools/local-runner/main.ts for npm start). Without APPLICATIONINSIGHTS_CONNECTION_STRING
// nothing is loaded and nothing is sent. With one, the SDK loads and runs in a worker thread of its own
// (telemetryWorker.ts), so start-up does not wait the half a second its loading takes.
import type { Settings } from '../config/settings';
import type { TelemetryPipeline } from './appInsightsPipeline';
import type { StoreIdentity } from './telemetryMessages';
import { createJsonLogger } from './logger';

let pipeline: TelemetryPipeline | undefined;

// The ingestion host only, for the start-up line: the rest of the connection string (its key) is a secret.
function ingestionHost(connectionString: string): string {
  const endpoint = /(?:^|;)\s*IngestionEndpoint\s*=\s*([^;]+)/i.exec(connectionString)?.[1];
  if (!endpoint) return 'default';
  try {
    return new URL(endpoint.trim()).host;
  } catch {
    return 'unparsable';
  }
}

// What the store dependencies name: the account host and database (never a key), or the local file.
function storeIdentity(settings: Settings): StoreIdentity {
  if (settings.dataBackend === 'cosmos') {
    let host: string | undefined;
    try {
      host = settings.cosmos.endpoint ? new URL(settings.cosmos.endpoint).host : undefined;
    } catch {
      host = undefined;
    }
    return { system: 'cosmosdb', host, database: settings.cosmos.database };
  }
  return { system: 'sqlite', host: undefined, database: 'local store' };
}

/**
 * Starts Application Insights once per process when settings carry a connection string; returns whether
 * telemetry runs. A failure to start is logged (never with the connection string) and the app runs
 * without telemetry; the SDK's own start, on its thread, logs "telemetry not started" if it fails.
 */
export function startTelemetry(settings: Settings): boolean {
  if (pipeline) return true;
  const connectionString = settings.applicationInsightsConnectionString?.trim();
  if (!connectionString) return false;
  const log = createJsonLogger(settings.logLevel);
  try {
    // Required here, not imported at the top: without a connection string none of it is loaded.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startPipeline } = require('./appInsightsPipeline') as typeof import('./appInsightsPipeline');
    pipeline = startPipeline({
      connectionString,
      authenticationString: settings.applicationInsightsAuthenticationString,
      hasBreaker: settings.dataBackend === 'cosmos',
      store: storeIdentity(settings),
      logLevel: settings.logLevel,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.error('telemetry not started', {
      reason: reason.split(connectionString).join('[connection string]'),
    });
    return false;
  }
  log.info('telemetry started', {
    ingestion: ingestionHost(connectionString),
    identity: Boolean(settings.applicationInsightsAuthenticationString),
  });
  return true;
}

/** Whether Application Insights runs in this process. */
export function telemetryStarted(): boolean {
  return pipeline !== undefined;
}

/** Sends everything queued now; resolves at once when telemetry does not run. */
export async function flushTelemetry(): Promise<void> {
  await pipeline?.flush();
}

// An ingestion endpoint that does not answer must not hold a stopping process for long.
const STOP_WAIT_MS = 5_000;

/**
 * Flushes and shuts Application Insights down (at process exit), waiting at most a few seconds; a later
 * startTelemetry starts it anew.
 */
export async function stopTelemetry(): Promise<void> {
  const running = pipeline;
  pipeline = undefined;
  if (!running) return;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, STOP_WAIT_MS);
    timer.unref();
  });
  try {
    await Promise.race([running.shutdown().catch(() => undefined), waited]);
  } finally {
    clearTimeout(timer);
  }
}
