// Inline route constraints with the names and meaning ASP.NET Core routing gives them, because the
// Functions host routes with ASP.NET: "{id:int}" must accept and refuse the same values here as in Azure.
import { RunnerConfigError } from './runnerErrors';

/** A constraint parsed from a template; `test` is true when a route value satisfies it. */
export interface RouteConstraint {
  /** The constraint as written in the template, e.g. "range(1,10)". */
  readonly text: string;
  test(value: string): boolean;
}

/** A route template that the host would refuse; the message names the template and the problem. */
export class RouteTemplateError extends RunnerConfigError {}

const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

function parseInteger(value: string, range: { min: bigint; max: bigint }): bigint | undefined {
  if (!/^[+-]?\d+$/.test(value)) return undefined;
  const parsed = BigInt(value);
  return parsed >= range.min && parsed <= range.max ? parsed : undefined;
}

const GUID_D = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_N = /^[0-9a-f]{32}$/i;

// .NET Guid.TryParse accepts the D, N, B ({D}) and P ((D)) formats.
function isGuid(value: string): boolean {
  if (GUID_D.test(value) || GUID_N.test(value)) return true;
  const wrapped = /^\{.*\}$|^\(.*\)$/.test(value);
  return wrapped && GUID_D.test(value.slice(1, -1));
}

const FLOATING = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

function integerArguments(name: string, args: string[], count: number[]): bigint[] {
  if (!count.includes(args.length) || args.some((a) => !/^-?\d+$/.test(a.trim()))) {
    throw new RouteTemplateError(`constraint "${name}" expects ${count.join(' or ')} integer argument(s)`);
  }
  return args.map((a) => BigInt(a.trim()));
}

function lengthOf(value: string): bigint {
  // .NET counts UTF-16 code units, as JavaScript's length does.
  return BigInt(value.length);
}

type Factory = (args: string[], rawArgument: string | undefined) => (value: string) => boolean;

function noArguments(name: string, test: (value: string) => boolean): Factory {
  return (_args, raw) => {
    if (raw !== undefined) throw new RouteTemplateError(`constraint "${name}" takes no argument`);
    return test;
  };
}

const FACTORIES: Record<string, Factory> = {
  int: noArguments('int', (v) => parseInteger(v, INT32) !== undefined),
  long: noArguments('long', (v) => parseInteger(v, INT64) !== undefined),
  bool: noArguments('bool', (v) => /^(true|false)$/i.test(v)),
  guid: noArguments('guid', isGuid),
  alpha: noArguments('alpha', (v) => /^[a-z]+$/i.test(v)),
  decimal: noArguments('decimal', (v) => DECIMAL.test(v)),
  double: noArguments('double', (v) => FLOATING.test(v)),
  float: noArguments('float', (v) => FLOATING.test(v)),
  datetime: noArguments('datetime', (v) => !Number.isNaN(Date.parse(v))),
  min: (args) => {
    const [min] = integerArguments('min', args, [1]);
    return (v) => (parseInteger(v, INT64) ?? min - 1n) >= min;
  },
  max: (args) => {
    const [max] = integerArguments('max', args, [1]);
    return (v) => (parseInteger(v, INT64) ?? max + 1n) <= max;
  },
  range: (args) => {
    const [min, max] = integerArguments('range', args, [2]);
    return (v) => {
      const n = parseInteger(v, INT64);
      return n !== undefined && n >= min && n <= max;
    };
  },
  minlength: (args) => {
    const [min] = integerArguments('minlength', args, [1]);
    return (v) => lengthOf(v) >= min;
  },
  maxlength: (args) => {
    const [max] = integerArguments('maxlength', args, [1]);
    return (v) => lengthOf(v) <= max;
  },
  length: (args) => {
    const [min, max] = integerArguments('length', args, [1, 2]);
    return (v) => lengthOf(v) >= min && lengthOf(v) <= (max ?? min);
  },
  regex: (_args, raw) => {
    if (raw === undefined) throw new RouteTemplateError('constraint "regex" needs a pattern: regex(^\\d+$)');
    let pattern: RegExp;
    try {
      // ASP.NET evaluates regex constraints case-insensitively and unanchored (templates anchor with ^ $).
      pattern = new RegExp(raw, 'i');
    } catch (error) {
      throw new RouteTemplateError(
        `constraint "regex(${raw})" is not a valid pattern: ${(error as Error).message}`,
      );
    }
    return (v) => pattern.test(v);
  },
};

/** The constraint names this runner understands (ASP.NET's inline constraints that make sense for Functions). */
export const CONSTRAINT_NAMES: readonly string[] = Object.keys(FACTORIES);

/** Parses one inline constraint such as "int", "range(1,10)" or "regex(^a+$)"; throws RouteTemplateError when unknown. */
export function parseConstraint(text: string): RouteConstraint {
  const open = text.indexOf('(');
  const name = (open === -1 ? text : text.slice(0, open)).trim().toLowerCase();
  let raw: string | undefined;
  if (open !== -1) {
    if (!text.endsWith(')')) throw new RouteTemplateError(`constraint "${text}" has an unclosed "("`);
    raw = text.slice(open + 1, -1);
  }
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (!factory) {
    throw new RouteTemplateError(
      `unknown route constraint "${name}" (known: ${CONSTRAINT_NAMES.join(', ')})`,
    );
  }
  // regex takes its argument verbatim; commas inside a pattern are not argument separators.
  const args = raw === undefined ? [] : name === 'regex' ? [raw] : raw.split(',');
  return { text, test: factory(args, raw) };
}
