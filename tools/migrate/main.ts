// `npm run migrate`: the command line around runMigration. Ctrl+C (or SIGTERM) asks for a stop after the
// chunk in flight, so the checkpoint names exactly what was written; a second one quits at once, which
// is still safe because the checkpoint only ever moves past acknowledged chunks.
import { UsageError } from '../cli/args';
import { settingsEnvironment } from '../cli/settingsEnvironment';
import { EXIT, runMigration } from './migration';
import { migrateHelp, parseMigrateOptions, type MigrateOptions } from './options';
import { renderMigrationReport } from './report';

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Runs the migration CLI with these arguments and resolves to its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: MigrateOptions;
  try {
    options = parseMigrateOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\nRun with --help for the options.\n`);
    return EXIT.usage;
  }
  if (options.help) {
    process.stdout.write(migrateHelp());
    return EXIT.ok;
  }

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      process.stderr.write('\nSecond signal: quitting now; the checkpoint is still valid.\n');
      process.exit(SIGNAL_EXIT[signal] ?? EXIT.interrupted);
    }
    process.stderr.write(`\n${signal}: finishing the chunk in flight, then saving the checkpoint...\n`);
    stop.abort(SIGNAL_EXIT[signal] ?? EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const report = await runMigration(options, {
    env: settingsEnvironment(),
    cwd: process.cwd(),
    stderr: process.stderr,
    stop: stop.signal,
  });
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  // A failure before any store was opened (a setting) is one line, not a table of untouched containers.
  else if (report.error && !report.source) process.stderr.write(`${report.error}\n`);
  else process.stdout.write(renderMigrationReport(report));
  return report.exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(EXIT.error);
    },
  );
}
