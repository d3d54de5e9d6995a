// `npm run seed`: the command line around runSeed.
import { UsageError } from '../cli/args';
import { settingsEnvironment } from '../cli/settingsEnvironment';
import { parseSeedOptions, seedHelp, type SeedOptions } from './options';
import { renderSeedReport } from './seedReport';
import { runSeed, SEED_EXIT } from './seeding';

/** Runs the seed CLI with these arguments and resolves to its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: SeedOptions;
  try {
    options = parseSeedOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\nRun with --help for the options.\n`);
    return SEED_EXIT.usage;
  }
  if (options.help) {
    process.stdout.write(seedHelp());
    return SEED_EXIT.ok;
  }
  const report = await runSeed(options, {
    env: settingsEnvironment(),
    cwd: process.cwd(),
    stderr: process.stderr,
  });
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (report.error && report.containers.length === 0) process.stderr.write(renderSeedReport(report));
  else process.stdout.write(renderSeedReport(report));
  return report.exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(SEED_EXIT.error);
    },
  );
}
