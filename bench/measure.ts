import fs from 'node:fs';

/** Percentile (0..100) of a list of numbers, by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Runs an async operation `count` times and returns each call's duration in ms. */
export async function timeEach(count: number, operation: (i: number) => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await operation(i);
    durations.push(performance.now() - started);
  }
  return durations;
}

/** Operations per second of a batch of per-call durations. */
export function perSecond(durations: number[]): number {
  return (durations.length * 1000) / durations.reduce((a, b) => a + b, 0);
}

/** Median, min and max of a list, for reporting spread. */
export function spread(values: number[]): { median: number; min: number; max: number } {
  return { median: percentile(values, 50), min: Math.min(...values), max: Math.max(...values) };
}

/** One line of the results table: what was measured, ours vs the comparison, the ratio and the target. */
export interface BenchRow {
  name: string;
  unit: string;
  ours: number;
  comparison?: number;
  comparisonName?: string;
  /** ours / comparison for rates, comparison / ours for times; higher is better. */
  ratio?: number;
  target?: string;
  pass?: boolean;
  detail?: string;
}

/**
 * Smoke mode (`npm run bench:smoke`, i.e. `node dist/bench/run.js --smoke`): every suite at tiny sizes, to
 * show that it runs end to end; its figures are not comparable and its targets are not judged.
 */
// Read from the command line when this module loads rather than set by run.ts's main(): suites size their
// module-level constants through sized(), and those run when run.ts imports the suites, before main().
export const SMOKE: boolean = process.argv.slice(2).includes('--smoke');

/** `full` in a normal run, `smoke` in smoke mode: how a suite picks each of its sizes. */
export function sized<T>(full: T, smoke: T): T {
  return SMOKE ? smoke : full;
}

/** USER_HZ of /proc/<pid>/stat on Linux. */
const CLOCK_TICKS = 100;

/** CPU time (user + system, all threads) a process has used, in microseconds; undefined where /proc is not there. */
export function processCpuMicros(pid: number | undefined): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
