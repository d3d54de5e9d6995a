// The `npm start` CLI (scripts/start.mjs imports this after building): settings as func start reads them,
// one clear stderr line and exit 1 for a configuration error, graceful stop and exit 0 on SIGINT/SIGTERM.
import { loadSettings, SettingsError } from '../../shared/config/settings';
import { warmUpDocumentStore } from '../../shared/data/storeFactory';
import { startTelemetry, stopTelemetry } from '../../shared/telemetry/appInsights';
import { startLocalAzurite, type LocalAzurite } from './localAzurite';
import { applyLocalSettings, applyStorageDefault, readRoutePrefix } from './localSettings';
import { startLocalRunner, type LocalRunner } from './runner';
import { RunnerConfigError } from './runnerErrors';
import { createRunnerLog, errorProperties, type RunnerLog } from './runnerLog';

function failStartup(error: unknown): never {
  if (error instanceof SettingsError || error instanceof RunnerConfigError) {
    // The message already names the setting or file and what is wrong with it; a stack would bury it.
    process.stderr.write(`${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`Local runner failed to start: ${message}\n`);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
  }
  process.exit(1);
}

/** Runs the local runner as a CLI in this process until SIGINT or SIGTERM. */
export async function runCli(): Promise<void> {
  let runner: LocalRunner | undefined;
  let azurite: LocalAzurite | undefined;
  let log: RunnerLog | undefined;
  let stopSignal: NodeJS.Signals | undefined;

  const shutdown = (active: LocalRunner, signal: NodeJS.Signals): void => {
    log?.always.info('signal received', { signal });
    // The app first (its last requests and timer runs may still write reports), then its Azurite.
    active
      .close()
      .then(() => azurite?.stop())
      .then(() => stopTelemetry())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log?.logger.error('shutdown failed', errorProperties(error));
          process.exit(1);
        },
      );
  };
  const stop = (signal: NodeJS.Signals): void => {
    if (stopSignal) {
      // A second Ctrl+C means "now": skip the drain.
      log?.always.warn('second signal: exiting without waiting', { signal });
      process.exit(1);
    }
    stopSignal = signal;
    // A signal during start-up is honoured once the runner is up, so it still stops gracefully.
    if (runner) shutdown(runner, signal);
  };
  // Registered before listening: until a handler exists, the OS default kills the process outright, and a
  // supervisor may send SIGTERM as soon as it sees the listening line.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const cwd = process.cwd();
  try {
    applyLocalSettings(cwd, process.env);
    applyStorageDefault(cwd, process.env);
    const settings = loadSettings(process.env, cwd);
    log = createRunnerLog(settings.logLevel);
    // Only with APPLICATIONINSIGHTS_CONNECTION_STRING; without it the SDK is not even loaded.
    startTelemetry(settings);
    // The local store's file is ours: open it before listening, and if it cannot be opened (corrupt,
    // unreadable) stop with one line naming it. A remote Cosmos account is opened in the background: it
    // being slow or down is not a start-up error; requests answer 503 and /api/health says why.
    if (settings.dataBackend === 'local') {
      const storeFailure = await warmUpDocumentStore();
      if (storeFailure) throw storeFailure;
    } else {
      const startLog = log;
      void warmUpDocumentStore().then((failure) => {
        if (failure) startLog.logger.warn('document store not ready at start-up', errorProperties(failure));
      });
    }
    runner = await startLocalRunner({ settings, routePrefix: readRoutePrefix(cwd) });
    // Azurite takes about a second of CPU to boot: started the moment the app listens, it runs beside the
    // app without delaying its first answers. Stopped on every way out (see azurite.ts).
    azurite = startLocalAzurite(settings, log);
  } catch (error) {
    failStartup(error);
  }

  // A stray rejection in function code is a bug to see in the log, not a reason to take the runner down
  // (a failing timer must never stop the others).
  const started = log;
  process.on('unhandledRejection', (reason) =>
    started.logger.error('unhandled promise rejection', errorProperties(reason)),
  );
  if (stopSignal) shutdown(runner, stopSignal);
}

if (require.main === module) void runCli();
