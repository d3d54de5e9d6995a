// Runs the timer functions of the table on their schedules, with the host's timer semantics that matter
// locally: a Timer argument with schedule status, runOnStartup, one run at a time per function (the host
// holds a singleton lock, so an overlapping occurrence is skipped), and failures logged, never fatal.
import type { Timer } from '@azure/functions';
import type { TimerFunctionDefinition } from '../../functions/functionDefinition';
import { createInvocationContext } from './invocationContext';
import { parseNcrontab, resolveSettingReferences, ScheduleError, type NcrontabSchedule } from './ncrontab';
import { errorProperties, type RunnerLog } from './runnerLog';

/** Why a timer function ran. */
export type TimerRunReason = 'schedule' | 'startup' | 'admin';

/** A timer function as the admin API lists it. */
export interface TimerDescription {
  name: string;
  trigger: 'timer';
  /** The schedule with %SETTING% references resolved. */
  schedule: string;
  runOnStartup: boolean;
  nextRun: string | null;
  running: boolean;
}

/** The answer to a run request: whether it started, and the invocation id when it did. */
export type TimerRunStart = { started: true; invocationId: string } | { started: false; reason: 'busy' };

interface TimerState {
  definition: TimerFunctionDefinition;
  schedule: NcrontabSchedule;
  handle: NodeJS.Timeout | undefined;
  upcoming: Date | undefined;
  running: Promise<void> | undefined;
  /** The host's schedule status: the last occurrence run and when that was recorded. */
  status: { last: Date; lastUpdated: Date };
}

// setTimeout cannot wait longer than 2^31-1 ms (about 24.8 days); longer waits are taken in chunks.
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
// A run this late is reported as past due (the process was suspended or the event loop blocked).
const PAST_DUE_AFTER_MS = 1000;

type Env = Readonly<Record<string, string | undefined>>;

/** Schedules and runs timer functions; start() arms them, stop() disarms them. */
export class TimerScheduler {
  private readonly timers = new Map<string, TimerState>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = true;

  /** Resolves %SETTING% references and parses every schedule; throws ScheduleError naming the function. */
  constructor(
    definitions: readonly TimerFunctionDefinition[],
    private readonly log: RunnerLog,
    env: Env = process.env,
  ) {
    for (const definition of definitions) {
      let schedule: NcrontabSchedule;
      try {
        schedule = parseNcrontab(resolveSettingReferences(definition.schedule, env));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ScheduleError(`Function "${definition.name}": invalid timer schedule: ${reason}`);
      }
      const now = new Date();
      this.timers.set(definition.name.toLowerCase(), {
        definition,
        schedule,
        handle: undefined,
        upcoming: undefined,
        running: undefined,
        status: { last: schedule.previous(now) ?? now, lastUpdated: now },
      });
    }
  }

  /** Arms every timer and starts the runOnStartup ones. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const now = new Date();
    for (const state of this.timers.values()) {
      this.arm(state, state.schedule.next(now));
      if (state.definition.runOnStartup) this.run(state.definition.name, 'startup');
    }
  }

  /** Disarms every timer; runs in progress carry on (see idle()). */
  stop(): void {
    this.stopped = true;
    for (const state of this.timers.values()) {
      clearTimeout(state.handle);
      state.handle = undefined;
      state.upcoming = undefined;
    }
  }

  /** True when a timer function of that name (case-insensitive, as the host) exists. */
  has(name: string): boolean {
    return this.timers.has(name.toLowerCase());
  }

  /** The timer functions, their resolved schedules and next occurrences. */
  describe(): TimerDescription[] {
    return [...this.timers.values()].map((state) => ({
      name: state.definition.name,
      trigger: 'timer',
      schedule: state.schedule.expression,
      runOnStartup: state.definition.runOnStartup ?? false,
      nextRun: state.upcoming?.toISOString() ?? null,
      running: state.running !== undefined,
    }));
  }

  /** Starts a run now in the background (admin API, runOnStartup); skipped when one is still running. */
  run(name: string, reason: TimerRunReason): TimerRunStart {
    const state = this.timers.get(name.toLowerCase());
    if (!state) throw new Error(`No timer function named "${name}"`);
    return this.runState(state, reason, undefined);
  }

  /** Waits until no timer function is running, or the timeout passes; true when idle. */
  async idle(timeoutMs: number): Promise<boolean> {
    let timeout: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timeout = setTimeout(() => resolve(false), timeoutMs)));
    const drained = (async (): Promise<true> => {
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
      return true;
    })();
    try {
      return await Promise.race([drained, expired]);
    } finally {
      clearTimeout(timeout);
    }
  }

  private arm(state: TimerState, occurrence: Date | undefined): void {
    state.upcoming = occurrence;
    if (!occurrence || this.stopped) return;
    const delay = Math.min(Math.max(0, occurrence.getTime() - Date.now()), MAX_TIMER_DELAY_MS);
    state.handle = setTimeout(() => {
      if (this.stopped) return;
      if (Date.now() < occurrence.getTime()) {
        this.arm(state, occurrence);
        return;
      }
      // Arm the following occurrence first so a slow run cannot shift the schedule; after a suspension,
      // missed occurrences collapse into this one (reported past due), as the host does.
      this.arm(state, state.schedule.next(new Date(Math.max(occurrence.getTime(), Date.now()))));
      this.runState(state, 'schedule', occurrence);
    }, delay);
    // The HTTP server keeps the process alive; a pending timer alone should not.
    state.handle.unref();
  }

  private runState(state: TimerState, reason: TimerRunReason, occurrence: Date | undefined): TimerRunStart {
    const { definition } = state;
    if (state.running) {
      this.log.logger.warn('timer run skipped: the previous run is still in progress', {
        functionName: definition.name,
        reason,
        occurrence: occurrence?.toISOString(),
      });
      return { started: false, reason: 'busy' };
    }
    const context = createInvocationContext(definition, this.log);
    const started = new Date();
    const timer: Timer = {
      isPastDue: occurrence !== undefined && started.getTime() - occurrence.getTime() > PAST_DUE_AFTER_MS,
      schedule: { adjustForDST: true },
      // As under the host: `last` is the previous recorded occurrence, `next` the one being run now.
      scheduleStatus: {
        last: state.status.last.toISOString(),
        next: (occurrence ?? state.upcoming ?? started).toISOString(),
        lastUpdated: state.status.lastUpdated.toISOString(),
      },
    };
    const properties = { functionName: definition.name, invocationId: context.invocationId };
    this.log.logger.info('function started', {
      ...properties,
      trigger: 'timer',
      reason,
      isPastDue: timer.isPastDue,
    });

    const execute = async (): Promise<void> => {
      try {
        await definition.handler(timer, context);
        this.log.logger.info('function completed', {
          ...properties,
          status: 'succeeded',
          durationMs: elapsed(started),
        });
      } catch (error) {
        this.log.logger.error('function completed', {
          ...properties,
          status: 'failed',
          durationMs: elapsed(started),
          ...errorProperties(error),
        });
      }
      if (occurrence) state.status = { last: occurrence, lastUpdated: new Date() };
    };
    // execute() never rejects; the cleanup runs as a promise reaction, so `run` is assigned by then.
    const run: Promise<void> = execute().finally(() => {
      state.running = undefined;
      this.inFlight.delete(run);
    });
    state.running = run;
    this.inFlight.add(run);
    return { started: true, invocationId: context.invocationId };
  }
}

function elapsed(since: Date): number {
  return Date.now() - since.getTime();
}
