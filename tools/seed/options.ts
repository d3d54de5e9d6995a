import { parseFlags, UsageError, type FlagSpec } from '../cli/args';

/** The parsed command line of `npm run seed`. */
export interface SeedOptions {
  users: number;
  seed: number;
  /** YYYY-MM-DD: the demo history ends the day before. */
  today: string;
  /** Base URL of the app's API; undefined means the default from PORT. */
  api: string | undefined;
  workload: boolean;
  json: boolean;
  help: boolean;
}

const FLAGS: Record<string, FlagSpec> = {
  users: { kind: 'integer', min: 1, max: 999 },
  seed: { kind: 'integer', min: 0, max: 2 ** 31 - 1 },
  date: { kind: 'string' },
  api: { kind: 'string' },
  'no-workload': { kind: 'boolean' },
  json: { kind: 'boolean' },
  help: { kind: 'boolean' },
};

/** The text of `npm run seed -- --help`. */
export function seedHelp(): string {
  return `Generates demo data for N users and writes it to the store the app is configured for, then (if the app
is running) reads it back through the HTTP API as each user, so the reports and the dashboard have
request charges and query shapes to show.

Usage: npm run seed -- [options]

  --users N      Demo users demo-user-001 ... (default 20, at most 999).
  --seed N       Random seed (default 1): the same seed gives the same ids and the same data.
  --date DAY     YYYY-MM-DD the history is generated up to (default today, UTC); with it, a run is fully
                 reproducible.
  --api URL      The running app's API (default http://127.0.0.1:<PORT or 7071>/api). When nothing answers
                 there, the read workload is skipped with a note.
  --no-workload  Only write the data.
  --json         Print the summary as JSON on stdout.
  --help         This text.

Per user: a profile (users), 3-6 projects, 15-40 tasks (todo, in progress and done; priorities 1-5; due
dates past and future; tags; most in one of the user's projects) and about 90 days of fitness entries of
several types. Every document is built with the app's own model code and checked against its schemas.

The store is the app's: DATA_BACKEND, DATA_DIR and COSMOS_* from the environment and local.settings.json,
as npm start reads them. Writes are Create operations
through the bulk engine with ids fixed by (seed, user, n): running again with the same seed writes nothing
twice (those ids count as "already present") and leaves changes made since in place; another seed adds
other items to the same demo users. The read workload calls the API in AUTH_MODE=dev (the app's local
default) with the x-ms-client-principal-id header of each demo user.

Exit code 0 when every document was written (or already present) and every read answered 200; 3 when
some did not; 1 on an error; 2 on a wrong command line.
`;
}

/** Today's date in UTC, YYYY-MM-DD. */
function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Parses the command line; throws UsageError for anything it cannot accept. */
export function parseSeedOptions(argv: readonly string[]): SeedOptions {
  const flags = parseFlags(argv, FLAGS);
  const today = (flags.get('date') as string | undefined) ?? todayUtc();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today) || Number.isNaN(Date.parse(`${today}T00:00:00Z`))) {
    throw new UsageError(`--date must be a date as YYYY-MM-DD (got '${today}').`);
  }
  const api = flags.get('api') as string | undefined;
  if (api !== undefined && !/^https?:\/\/[^/]/.test(api)) {
    throw new UsageError(`--api must be an http(s) URL such as http://127.0.0.1:7071/api (got '${api}').`);
  }
  return {
    users: (flags.get('users') as number | undefined) ?? 20,
    seed: (flags.get('seed') as number | undefined) ?? 1,
    today,
    api,
    workload: flags.get('no-workload') !== true,
    json: flags.get('json') === true,
    help: flags.get('help') === true,
  };
}
