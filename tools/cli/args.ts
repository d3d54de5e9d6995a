// A small command-line parser for the repository's tools (no dependency): `--name value`, `--name=value`
// and boolean `--flag`. Every flag is declared, so a typo is an error naming it rather than ignored.

/** A wrong command line; the tools print its message and the usage hint, and exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** How one flag's value is read. */
export type FlagKind = 'boolean' | 'string' | 'integer';

/** One declared flag: its kind and, for integers, the accepted range. */
export interface FlagSpec {
  kind: FlagKind;
  min?: number;
  max?: number;
  /** Accepted values of a string flag. */
  choices?: readonly string[];
}

export type FlagValue = string | number | boolean;

/** Parses argv against the declared flags; throws UsageError for an unknown flag, a missing or malformed value. */
export function parseFlags(argv: readonly string[], specs: Record<string, FlagSpec>): Map<string, FlagValue> {
  const values = new Map<string, FlagValue>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`Unexpected argument '${arg}'.`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`Unknown option --${name}.`);
    if (spec.kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`Option --${name} takes no value.`);
      values.set(name, true);
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) raw = argv[++i];
    if (raw === undefined || raw === '') throw new UsageError(`Option --${name} needs a value.`);
    values.set(name, parseValue(name, raw, spec));
  }
  return values;
}

function parseValue(name: string, raw: string, spec: FlagSpec): FlagValue {
  if (spec.kind === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`Option --${name} must be one of ${spec.choices.join(', ')} (got '${raw}').`);
    }
    return raw;
  }
  const min = spec.min ?? Number.MIN_SAFE_INTEGER;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`Option --${name} must be a whole number from ${min} to ${max} (got '${raw}').`);
  }
  return value;
}
