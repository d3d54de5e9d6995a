// `node dist/tools/local-runner/serveEntry.js <entry module> [--port N] [--probe PATH]`: serves an entry
// module — the deployment bundle (.deploy/dist/functions/index.js) or the compiled dist/functions/index.js —
// with the local runner, loaded as the Functions host loads it: the entry registers through the worker's
// API, its appStart hooks run before the runner listens, its appTerminate hooks on SIGINT/SIGTERM. Settings
// come from the environment only (no local.settings.json, no Azurite: this is the package as deployed).
//
// The log says how long each step took (entry loaded, app started), measured from the moment the entry
// module started loading. --probe PATH requests PATH once listening (as the dev principal "probe"), logs
// when the answer arrived and exits: the time to the first answered request, for the cold-start benchmark.
import path from 'node:path';
import { loadSettings } from '../../shared/config/settings';
import { loadEntryModule } from './entryModule';
import { startLocalRunner } from './runner';
import { createRunnerLog, errorProperties } from './runnerLog';

interface ServeOptions {
  entry: string;
  port?: number;
  probe?: string;
}

function parseArguments(argv: readonly string[]): ServeOptions {
  const options: Partial<ServeOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port') options.port = Number(argv[++i]);
    else if (arg === '--probe') options.probe = argv[++i];
    else if (!arg.startsWith('--') && options.entry === undefined) options.entry = arg;
    else throw new Error(`Unknown argument ${arg}`);
  }
  if (!options.entry) throw new Error('Usage: serveEntry <entry module> [--port N] [--probe PATH]');
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0)) {
    throw new Error('--port needs a port number (0 picks a free one)');
  }
  return { ...options, entry: path.resolve(options.entry) };
}

/**
 * Serves the entry module named on the command line until SIGINT/SIGTERM; with --probe, answers one
 * request, stops and resolves to 'probed' (the caller exits: the app's own timers would keep it alive).
 */
export async function serveEntry(argv: readonly string[]): Promise<'serving' | 'probed'> {
  const options = parseArguments(argv);
  const settings = loadSettings(process.env);
  const log = createRunnerLog(settings.logLevel);
  const since = performance.now();
  const elapsed = () => Math.round((performance.now() - since) * 10) / 10;

  const entry = loadEntryModule(options.entry);
  log.always.info('entry loaded', {
    entry: options.entry,
    ms: elapsed(),
    functions: entry.functions.length,
    programmingModel: entry.programmingModel,
  });
  await entry.start();
  log.always.info('app started', { ms: elapsed() });
  const runner = await startLocalRunner({ settings, functions: entry.functions, port: options.port });

  const stop = async (): Promise<void> => {
    await runner.close();
    await entry.terminate();
  };
  if (options.probe !== undefined) {
    const response = await fetch(`${runner.url}/${options.probe.replace(/^\//, '')}`, {
      headers: { 'x-ms-client-principal-id': 'probe' },
    });
    await response.arrayBuffer();
    log.always.info('probe answered', { path: options.probe, status: response.status, ms: elapsed() });
    await stop();
    return 'probed';
  }
  const onSignal = (signal: NodeJS.Signals) => {
    log.always.info('signal received', { signal });
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.logger.error('shutdown failed', errorProperties(error));
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return 'serving';
}

if (require.main === module) {
  serveEntry(process.argv.slice(2)).then(
    (outcome) => {
      if (outcome === 'probed') process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
