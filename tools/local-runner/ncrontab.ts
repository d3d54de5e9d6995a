// Timer schedules as the Functions host reads them: six-field NCRONTAB ("{second} {minute} {hour} {day}
// {month} {day-of-week}") with %SETTING% references. croner computes the occurrences; the checks here keep
// it to NCRONTAB's grammar, so a schedule that runs locally cannot be one the host refuses in Azure.
import { Cron } from 'croner';
import { RunnerConfigError } from './runnerErrors';

/** A timer schedule the host would refuse (bad expression or unresolvable %SETTING%). */
export class ScheduleError extends RunnerConfigError {}

type Env = Readonly<Record<string, string | undefined>>;

/** Replaces every %NAME% with the app setting NAME, as the host's name resolver does; throws when one is unset. */
export function resolveSettingReferences(text: string, env: Env): string {
  return text.replace(/%([^%\s]+)%/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      throw new ScheduleError(`"%${name}%" in "${text}" does not resolve to a value: set ${name}`);
    }
    return value.trim();
  });
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldRule[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // NCRONTAB's day of week is 0-6 (Sunday = 0); 7 is not accepted, unlike some crons.
  { name: 'day-of-week', min: 0, max: 6, names: DAYS },
];

function checkValue(token: string, rule: FieldRule): string | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= rule.min && n <= rule.max ? undefined : `${n} is outside ${rule.min}-${rule.max}`;
  }
  if (rule.names?.includes(token.toLowerCase())) return undefined;
  return `"${token}" is not a valid ${rule.name}`;
}

// NCRONTAB grammar per field: a comma list of "*", "v", "v-w", each optionally "/step".
function checkField(field: string, rule: FieldRule): string | undefined {
  for (const item of field.split(',')) {
    const match = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!match) return `"${item}" is not a valid ${rule.name} item`;
    const [, base, step] = match;
    if (step !== undefined && Number(step) === 0) return `step 0 in "${item}"`;
    if (base === '*') continue;
    const bounds = base.split('-');
    if (bounds.length > 2) return `"${item}" is not a valid ${rule.name} range`;
    for (const bound of bounds) {
      const problem = checkValue(bound, rule);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** A parsed schedule: the occurrences of a six-field NCRONTAB expression. */
export interface NcrontabSchedule {
  readonly expression: string;
  /** The first occurrence strictly after `after`, or undefined when there is none. */
  next(after: Date): Date | undefined;
  /** The last occurrence at or before `before`, or undefined when there is none. */
  previous(before: Date): Date | undefined;
}

/** Parses a six-field NCRONTAB expression; throws ScheduleError naming the offending field. */
export function parseNcrontab(expression: string): NcrontabSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleError(
      `"${expression}" is not a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})`,
    );
  }
  fields.forEach((field, i) => {
    const problem = checkField(field, FIELDS[i]);
    if (problem) throw new ScheduleError(`"${expression}": ${FIELDS[i].name} field: ${problem}`);
  });
  let cron: Cron;
  try {
    // NCRONTAB requires day-of-month AND day-of-week to match (Vixie cron ORs them), and reads "5/10" as
    // "from 5 every 10" (croner calls that a sloppy range). Occurrences are in the process's local time
    // zone (TZ), as `func start` uses the machine's.
    cron = new Cron(fields.join(' '), { mode: '6-part', domAndDow: true, sloppyRanges: true });
  } catch (error) {
    throw new ScheduleError(`"${expression}": ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    expression,
    next: (after) => cron.nextRun(after) ?? undefined,
    previous: (before) => cron.previousRuns(1, before)[0],
  };
}
