import { InvocationContext, type Timer } from '@azure/functions';
import type { FunctionDefinition, TimerFunctionDefinition } from '../../functions/functionDefinition';
import { ScheduleError } from '../../tools/local-runner/ncrontab';
import { RunnerConfigError } from '../../tools/local-runner/runnerErrors';
import { startInProcess, removeTempDirs, type InProcessRunner } from './runnerHarness';

const timerFn = (
  name: string,
  schedule: string,
  handler: TimerFunctionDefinition['handler'],
  runOnStartup = false,
): TimerFunctionDefinition => ({ trigger: 'timer', name, schedule, runOnStartup, handler });

const calls: Record<string, { timer: Timer; context: InvocationContext; at: number }[]> = {};
const record = (name: string) => (timer: Timer, context: InvocationContext) => {
  (calls[name] ??= []).push({ timer, context, at: Date.now() });
};
let slowActive = 0;
let slowMaxActive = 0;
let releaseSlow: () => void = () => undefined;
const slowReleased = new Promise<void>((resolve) => (releaseSlow = resolve));
let slowActiveWhileClosing = -1;

const table: FunctionDefinition[] = [
  timerFn('everySecond', '* * * * * *', record('everySecond')),
  timerFn('failing', '* * * * * *', () => {
    throw new Error('timer exploded');
  }),
  timerFn('slow', '* * * * * *', async (timer, context) => {
    record('slow')(timer, context);
    slowActive++;
    slowMaxActive = Math.max(slowMaxActive, slowActive);
    // Held until the test releases it: every later occurrence meets a run in progress.
    await slowReleased;
    slowActive--;
  }),
  // Next run is months away: only runOnStartup can explain a call.
  timerFn('startup', '0 0 0 1 1 *', record('startup'), true),
  timerFn('fromSetting', '%LT_TEST_TIMER_SCHEDULE%', record('fromSetting')),
];

let app: InProcessRunner;
let countsAfterClose: Record<string, number>;

beforeAll(async () => {
  app = await startInProcess(table, {
    env: { LT_TEST_TIMER_SCHEDULE: '*/1 * * * * *' },
    shutdownGraceMs: 5000,
  });
  // Long enough for three every-second occurrences, one slow run plus skipped overlaps.
  await new Promise((resolve) => setTimeout(resolve, 3300));
  const closing = app.runner.close();
  await new Promise((resolve) => setTimeout(resolve, 150));
  slowActiveWhileClosing = slowActive;
  releaseSlow();
  await closing;
  countsAfterClose = Object.fromEntries(Object.entries(calls).map(([name, list]) => [name, list.length]));
});
afterAll(async () => {
  await app?.runner.close();
  removeTempDirs();
});

describe('timer functions on their NCRONTAB schedules', () => {
  it('fires an every-second schedule repeatedly, on whole seconds, with a real InvocationContext', () => {
    const runs = calls.everySecond ?? [];
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(4);
    const occurrences = runs.map((r) => new Date(r.timer.scheduleStatus.next).getTime());
    for (const occurrence of occurrences) expect(occurrence % 1000).toBe(0);
    for (let i = 1; i < runs.length; i++) {
      expect(occurrences[i] - occurrences[i - 1]).toBe(1000);
      // As under the host, `last` is the previous occurrence the timer ran for.
      expect(runs[i].timer.scheduleStatus.last).toBe(runs[i - 1].timer.scheduleStatus.next);
    }
    for (const { timer, context, at } of runs) {
      expect(timer.isPastDue).toBe(false);
      expect(timer.schedule.adjustForDST).toBe(true);
      expect(at - new Date(timer.scheduleStatus.next).getTime()).toBeLessThan(900);
      expect(context).toBeInstanceOf(InvocationContext);
      expect(context.functionName).toBe('everySecond');
      expect(context.options.trigger).toMatchObject({ type: 'timerTrigger', schedule: '* * * * * *' });
    }
    expect(new Set(runs.map((r) => r.context.invocationId)).size).toBe(runs.length);
  });

  it('logs a failing timer and keeps running it (and everything else)', () => {
    const failures = app.lines.filter(
      (l) => l.functionName === 'failing' && l.message === 'function completed',
    );
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const failure of failures) {
      expect(failure).toMatchObject({
        level: 'error',
        status: 'failed',
        error: { message: 'timer exploded' },
      });
    }
  });

  it('skips an occurrence while the previous run of the same timer is still going', () => {
    expect(slowMaxActive).toBe(1);
    expect(calls.slow).toHaveLength(1);
    const skipped = app.lines.filter(
      (l) => l.functionName === 'slow' && String(l.message).startsWith('timer run skipped'),
    );
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    expect(skipped[0]).toMatchObject({ level: 'warn', reason: 'schedule' });
  });

  it('honours runOnStartup', () => {
    expect(calls.startup).toHaveLength(1);
    const started = app.lines.find((l) => l.functionName === 'startup' && l.message === 'function started');
    expect(started).toMatchObject({ reason: 'startup', trigger: 'timer' });
  });

  it('resolves %SETTING% references in the schedule', () => {
    expect((calls.fromSetting ?? []).length).toBeGreaterThanOrEqual(2);
    const listed = app.runner.describe().find((f) => f.name === 'fromSetting');
    expect(listed).toMatchObject({ trigger: 'timer', schedule: '*/1 * * * * *' });
  });

  it('waits for a running timer on close, then fires nothing more', async () => {
    expect(slowActiveWhileClosing).toBe(1);
    expect(slowActive).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const counts = Object.fromEntries(Object.entries(calls).map(([name, list]) => [name, list.length]));
    expect(counts).toEqual(countsAfterClose);
  });
});

describe('timer configuration errors stop start-up', () => {
  it.each([
    [
      '%NOT_SET_ANYWHERE%',
      /Function "t": invalid timer schedule: "%NOT_SET_ANYWHERE%".*set NOT_SET_ANYWHERE/,
    ],
    ['0 */5 * * *', /Function "t": invalid timer schedule: .*six-field/],
    ['0 0 0 * * 7', /day-of-week field/],
  ])('%s', async (schedule, message) => {
    const start = startInProcess([timerFn('t', schedule, () => undefined)], { env: {} });
    await expect(start).rejects.toThrow(ScheduleError);
    await expect(start).rejects.toThrow(message);
  });

  it('refuses duplicate function names (case-insensitive, as the host)', async () => {
    const start = startInProcess([
      timerFn('job', '0 0 0 * * *', () => undefined),
      timerFn('Job', '0 0 0 * * *', () => undefined),
    ]);
    await expect(start).rejects.toThrow(RunnerConfigError);
    await expect(start).rejects.toThrow('Function name "Job" is used twice (also "job")');
  });
});
