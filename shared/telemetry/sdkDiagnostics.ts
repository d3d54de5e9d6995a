// What the Application Insights SDK says about itself, kept in the app's log. Loaded only by the telemetry
// thread (telemetryWorker.ts), where the SDK runs.
//
// When it starts, the SDK installs a console logger for OpenTelemetry's diagnostics and takes over the
// Azure SDK logger (@azure/logger) at level "warning", printing with console.log: every Cosmos DB 404 of a
// normal "no such item" read would become a plain-text line on stdout, where the app writes JSON lines.
// So its diagnostics go through the app's Logger, and the Azure SDK logger is given back as it was.
import { format } from 'node:util';
import { AzureLogger, getLogLevel, setLogLevel } from '@azure/logger';
import { DiagLogLevel, diag, type DiagLogger } from '@opentelemetry/api';
import type { Logger } from './logger';

// Said (as errors) for every item sent while the optional Azure VM detector still waits for the instance
// metadata endpoint, which off Azure VMs (a laptop, CI) takes a while to fail: noise, not a problem.
const BENIGN = /async attributes settled|Unsettled resource attribute/;

/** Remembers the Azure SDK logger's level and destination; the returned function puts them back. */
export function keepAzureSdkLogging(): () => void {
  const level = getLogLevel();
  const destination = AzureLogger.log;
  return () => {
    AzureLogger.log = destination;
    setLogLevel(level);
  };
}

/**
 * Sends the SDK's own warnings and errors (an ingestion endpoint that refuses, a bad option) to the app's
 * log, with the connection string masked should a message quote it.
 */
export function logSdkDiagnostics(log: Logger, connectionString: string): void {
  const line =
    (write: (message: string, properties: Record<string, unknown>) => void) =>
    (message: string, ...args: unknown[]) => {
      if (BENIGN.test(message)) return;
      write('telemetry sdk', {
        detail: format(message, ...args)
          .split(connectionString)
          .join('[connection string]'),
      });
    };
  const logger: DiagLogger = {
    error: line(log.warn), // the SDK's failures are the app's degraded telemetry, not its own errors
    warn: line(log.warn),
    info: line(log.debug),
    debug: line(log.debug),
    verbose: line(log.debug),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
