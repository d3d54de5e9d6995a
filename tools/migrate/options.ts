import { listContainers } from '../../shared/data/catalogue';
import { parseFlags, UsageError, type FlagSpec } from '../cli/args';
import type { StoreSide } from '../cli/openStore';

export type { StoreSide } from '../cli/openStore';

/**
 * How the source is read in a stable order that a checkpoint can resume: one continuation-token scan of
 * the whole container, or partition by partition (sorted partition keys, a token within each).
 */
export type ScanMode = 'auto' | 'container' | 'partition';

/** The parsed command line of `npm run migrate`. */
export interface MigrateOptions {
  from: StoreSide;
  to: StoreSide;
  /** Containers to copy, in catalogue order. */
  containers: string[];
  /** Containers left out and why (shown in the report). */
  skipped: { name: string; reason: string }[];
  dryRun: boolean;
  /** Documents per bulk call, and per checkpoint. */
  chunkSize: number;
  /** Chunks written at the same time. */
  parallel: number;
  scan: ScanMode;
  /** Forget the checkpoint and start a new pass over every container. */
  restart: boolean;
  /** Print the final report as JSON on stdout instead of the table. */
  json: boolean;
  help: boolean;
}

/** The operational container, not user data: left out unless --include-usage. */
export const USAGE_CONTAINER = 'usage';

const FLAGS: Record<string, FlagSpec> = {
  from: { kind: 'string', choices: ['local', 'cosmos'] },
  to: { kind: 'string', choices: ['local', 'cosmos'] },
  containers: { kind: 'string' },
  'include-usage': { kind: 'boolean' },
  'dry-run': { kind: 'boolean' },
  'chunk-size': { kind: 'integer', min: 1, max: 5000 },
  parallel: { kind: 'integer', min: 1, max: 32 },
  scan: { kind: 'string', choices: ['auto', 'container', 'partition'] },
  restart: { kind: 'boolean' },
  json: { kind: 'boolean' },
  help: { kind: 'boolean' },
};

/** The text of `npm run migrate -- --help`. */
export function migrateHelp(): string {
  const names = listContainers()
    .map((c) => c.name)
    .join(', ');
  return `Copies every container of the catalogue (infra/containers.json) between the local store and Cosmos DB.

Usage: npm run migrate -- [options]

  --from local|cosmos   Where to read (default local).
  --to cosmos|local     Where to write (default cosmos; must differ from --from).
  --containers a,b      Only these containers (default: ${names}, except usage;
                        naming usage here copies it).
  --include-usage       Also copy the operational 'usage' container. Left out by default: it holds this
                        environment's own request-charge counters (estimates on the local store), which
                        would mix into the target's cost reports; the target records its own, and the
                        buckets expire after 90 days anyway.
  --dry-run             Print what would be copied (counts per container, where a resume would start);
                        writes nothing: no documents, no containers, no checkpoint.
  --chunk-size N        Documents per bulk call and per checkpoint (default 500).
  --parallel N          Chunks written at the same time (default 4); the checkpoint still advances in
                        source order, past a chunk only once it and every chunk before it are written.
  --scan MODE           How the source is read in a stable, resumable order: container (one
                        continuation-token scan), partition (partition by partition), or auto (default:
                        container, switching to partition when the source cannot page across partitions).
  --restart             Ignore the checkpoint and start a new pass over every container.
  --json                Print the final report as JSON on stdout (progress stays on stderr).
  --help                This text.

Settings come from the environment and local.settings.json, as for npm start: the local side from DATA_DIR (default ./.data), the
Cosmos side from COSMOS_ENDPOINT, COSMOS_DATABASE and its credentials (identity by default; COSMOS_KEY only
for an emulator or test server). Secrets are never printed.

Idempotent: documents are written with Create, so one already in the target (same id and partition key)
is counted "already present" and never overwritten or duplicated; a pass over a target that already holds
data first asks which ids of each chunk exist, so a re-run costs reads, not failed writes.
Resumable: progress is checkpointed per container under DATA_DIR/migrations/ after every acknowledged
chunk; after Ctrl+C or a crash, the same command resumes where it stopped. Ctrl+C finishes the chunk in
flight, saves the checkpoint and exits 130; a second Ctrl+C quits at once (the checkpoint is still valid).

Ends with a count check per container (source vs target); exit code 0 when every count matches, 3 when
one does not or documents failed, 1 on an error, 2 on a wrong command line, 130 when interrupted.
`;
}

/** Parses the command line; throws UsageError for anything it cannot accept. */
export function parseMigrateOptions(argv: readonly string[]): MigrateOptions {
  const flags = parseFlags(argv, FLAGS);
  const from = (flags.get('from') as StoreSide | undefined) ?? 'local';
  const to = (flags.get('to') as StoreSide | undefined) ?? (from === 'local' ? 'cosmos' : 'local');
  if (from === to) throw new UsageError(`--from and --to must differ (both are '${from}').`);

  const catalogue = listContainers().map((c) => c.name);
  const includeUsage = flags.get('include-usage') === true;
  const asked = flags.get('containers') as string | undefined;
  let requested = catalogue;
  let namedUsage = false;
  if (asked !== undefined) {
    const names = asked
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !catalogue.includes(n));
    if (unknown.length > 0) {
      throw new UsageError(
        `Unknown container ${unknown.join(', ')}; the catalogue has ${catalogue.join(', ')}.`,
      );
    }
    requested = catalogue.filter((n) => names.includes(n));
    namedUsage = names.includes(USAGE_CONTAINER);
  }
  const skipped: MigrateOptions['skipped'] = [];
  const containers = requested.filter((name) => {
    if (name !== USAGE_CONTAINER || includeUsage || namedUsage) return true;
    skipped.push({ name, reason: 'operational (--include-usage copies it)' });
    return false;
  });
  if (containers.length === 0) throw new UsageError('No container left to copy.');

  return {
    from,
    to,
    containers,
    skipped,
    dryRun: flags.get('dry-run') === true,
    chunkSize: (flags.get('chunk-size') as number | undefined) ?? 500,
    parallel: (flags.get('parallel') as number | undefined) ?? 4,
    scan: (flags.get('scan') as ScanMode | undefined) ?? 'auto',
    restart: flags.get('restart') === true,
    json: flags.get('json') === true,
    help: flags.get('help') === true,
  };
}
