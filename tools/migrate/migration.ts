import { loadSettings } from '../../shared/config/settings';
import { getContainer, type ContainerDefinition } from '../../shared/data/catalogue';
import type { DocumentStore } from '../../shared/data/documentStore';
import { isAppError } from '../../shared/errors/appError';
import { createJsonLogger } from '../../shared/telemetry/logger';
import { ProgressBar, type ProgressStream } from '../cli/progressBar';
import { formatCount } from '../cli/table';
import {
  checkpointPath,
  loadCheckpoint,
  saveCheckpoint,
  startPass,
  type Checkpoint,
  type ContainerProgress,
} from './checkpoint';
import { indexesId } from './containerSql';
import { copyContainer } from './copyContainer';
import type { MigrateOptions } from './options';
import type { ContainerReport, MigrationReport } from './report';
import { openMigrationStore, type MigrationStore } from './stores';

/** What a migration reads and writes besides the stores: the environment, the streams, a stop request. */
export interface MigrationIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stderr: ProgressStream;
  /** Aborted to stop after the chunk in flight (SIGINT/SIGTERM); its reason picks the exit code. */
  stop: AbortSignal;
  /** Pause before resending throttled operations (tests shorten it). */
  resendDelayMs?: number;
}

/** Exit codes of `npm run migrate`. */
export const EXIT = { ok: 0, error: 1, usage: 2, mismatch: 3, interrupted: 130 } as const;

/** Number of documents in a container; null when the container (or its database) does not exist. */
async function countDocuments(store: DocumentStore | undefined, container: string): Promise<number | null> {
  if (!store) return null;
  try {
    const page = await store.query<number>(container, { query: 'SELECT VALUE COUNT(1) FROM c' });
    return page.items[0] ?? 0;
  } catch (error) {
    if (isAppError(error) && error.status === 404) return null;
    throw error;
  }
}

function emptyReport(name: string, progress: ContainerProgress | undefined): ContainerReport {
  return {
    name,
    result: 'not started',
    sourceCount: null,
    targetCount: null,
    read: 0,
    created: 0,
    alreadyPresent: 0,
    failed: 0,
    failures: [],
    resumedAt: 0,
    pass: progress?.pass ?? 0,
    precheck: progress?.precheck ?? false,
    sourceRequestCharge: 0,
    targetRequestCharge: 0,
    throttled: 0,
  };
}

/** What this run does with a container: resume its pass, start a new one, or only check its counts. */
interface ContainerPlan {
  action: 'resume' | 'new pass' | 'done';
  progress: ContainerProgress;
}

/**
 * A run resumes while any container's pass is under way: containers whose pass completed are then left
 * alone (count check only). Once every pass is complete, a run starts new passes over all of them, which
 * copies what the source gained since and counts the rest as already present.
 */
function planContainer(
  previous: ContainerProgress | undefined,
  resumingRun: boolean,
  target: MigrationStore,
  container: ContainerDefinition,
  targetCount: number | null,
): ContainerPlan {
  if (resumingRun && previous?.status === 'complete') return { action: 'done', progress: previous };
  if (resumingRun && previous?.status === 'copying') return { action: 'resume', progress: previous };
  // Creates that meet an existing id cost a failed write each; asking which ids exist costs one query per
  // chunk. Worth it only where documents are likely there already (a target with data at the start of a
  // pass) and writes cost request units (Cosmos DB), and only where the target indexes id. A resumed
  // pass keeps its decision: after an interruption only the chunks in flight can be there already.
  const precheck =
    target.side === 'cosmos' && indexesId(container) && targetCount !== null && targetCount > 0;
  return { action: 'new pass', progress: startPass(previous, precheck) };
}

function dryRunNote(plan: ContainerPlan, sourceCount: number, targetCount: number | null): string {
  const { progress } = plan;
  if (plan.action === 'done') return 'copied by the interrupted run; count check only';
  if (plan.action === 'resume') {
    return (
      `resume pass ${progress.pass} at ${formatCount(progress.read)} of ${formatCount(sourceCount)}; ` +
      `copy up to ${formatCount(Math.max(0, sourceCount - progress.read))}`
    );
  }
  if (targetCount === null) return `create the container; copy ${formatCount(sourceCount)}`;
  if (targetCount === 0) return `copy ${formatCount(sourceCount)}`;
  return (
    `check ${formatCount(sourceCount)} ids against the target; ` +
    `copy about ${formatCount(Math.max(0, sourceCount - targetCount))}`
  );
}

/**
 * Runs `npm run migrate`: copies the chosen containers from one store to the other with the bulk engine,
 * checkpointing after every chunk, then compares the counts. Never throws: failures end up in the
 * report's error and exit code, and progress saved so far stays valid for a re-run.
 */
export async function runMigration(options: MigrateOptions, io: MigrationIo): Promise<MigrationReport> {
  let bar: ProgressBar | undefined;
  const note = (line: string) => (bar ? bar.note(line) : io.stderr.write(`${line}\n`));
  const opened: MigrationStore[] = [];
  const report: MigrationReport = {
    from: options.from,
    to: options.to,
    source: '',
    target: '',
    dryRun: options.dryRun,
    checkpointFile: '',
    containers: options.containers.map((name) => emptyReport(name, undefined)),
    read: 0,
    copySeconds: 0,
    itemsPerSecond: 0,
    interrupted: false,
    exitCode: EXIT.ok,
  };
  for (const skipped of options.skipped) {
    report.containers.push({
      ...emptyReport(skipped.name, undefined),
      result: 'skipped',
      note: skipped.reason,
    });
  }

  try {
    const settings = loadSettings(io.env, io.cwd);
    // Store warnings (retries, breaker) go to stderr above the progress bar; stdout is the report's.
    const logger = createJsonLogger(settings.logLevel === 'debug' ? 'debug' : 'warn', (line) =>
      note(line.trimEnd()),
    );
    const source = await openMigrationStore(options.from, 'source', settings, {
      dryRun: options.dryRun,
      logger,
    });
    opened.push(source);
    const target = await openMigrationStore(options.to, 'target', settings, {
      dryRun: options.dryRun,
      logger,
    });
    opened.push(target);
    report.source = source.description;
    report.target = target.description;
    const file = checkpointPath(
      settings.dataDir,
      options.from,
      options.to,
      `${source.identity}->${target.identity}`,
    );
    report.checkpointFile = file;
    const sourceStore = source.store as DocumentStore;

    if (!options.dryRun) {
      await sourceStore.initialize();
      await target.store?.initialize();
    }
    const checkpoint: Checkpoint = (options.restart ? undefined : loadCheckpoint(file)) ?? {
      version: 1,
      from: options.from,
      to: options.to,
      source: source.description,
      target: target.description,
      containers: {},
    };
    if (!options.dryRun) {
      io.stderr.write(`${source.description} -> ${target.description}\nCheckpoint: ${file}\n`);
    }

    const plans = await Promise.all(
      options.containers.map(async (name) => ({
        definition: getContainer(name),
        sourceCount: (await countDocuments(sourceStore, name)) ?? 0,
        targetCount: await countDocuments(target.store, name),
        previous: checkpoint.containers[name],
      })),
    );

    const resumingRun = !options.restart && plans.some((p) => p.previous?.status === 'copying');
    const passes = plans.map((plan) => {
      const planned = planContainer(plan.previous, resumingRun, target, plan.definition, plan.targetCount);
      const line = report.containers.find((c) => c.name === plan.definition.name) as ContainerReport;
      line.pass = planned.progress.pass;
      line.precheck = planned.progress.precheck;
      line.resumedAt = planned.action === 'resume' ? planned.progress.read : 0;
      return { ...plan, ...planned, line };
    });

    if (options.dryRun) {
      for (const pass of passes) {
        Object.assign(pass.line, {
          result: 'planned',
          sourceCount: pass.sourceCount,
          targetCount: pass.targetCount,
          note: dryRunNote(pass, pass.sourceCount, pass.targetCount),
        });
      }
      return report;
    }

    for (const pass of passes) checkpoint.containers[pass.definition.name] = pass.progress;
    const copying = passes.filter((p) => p.action !== 'done');
    const total = copying.reduce((sum, p) => sum + Math.max(p.sourceCount, p.line.resumedAt), 0);
    const initial = copying.reduce((sum, p) => sum + p.line.resumedAt, 0);
    bar = new ProgressBar(io.stderr, { total, initial });
    const copyStarted = performance.now();
    const save = () => saveCheckpoint(file, checkpoint);

    try {
      for (const pass of passes) {
        const { line } = pass;
        if (pass.action === 'done') {
          Object.assign(line, { result: 'ok', note: 'copied by an earlier run' });
          continue;
        }
        if (io.stop.aborted) break;
        bar.setLabel(pass.definition.name);
        const outcome = await copyContainer({
          source: sourceStore,
          target: target.store as DocumentStore,
          container: pass.definition,
          chunkSize: options.chunkSize,
          parallel: options.parallel,
          scan: options.scan,
          progress: pass.progress,
          save,
          bar,
          stopRequested: () => io.stop.aborted,
          note,
          resendDelayMs: io.resendDelayMs,
        });
        Object.assign(line, {
          result: outcome.interrupted ? 'interrupted' : 'ok',
          read: outcome.read,
          created: outcome.created,
          alreadyPresent: outcome.alreadyPresent,
          failed: outcome.failed,
          failures: outcome.failures,
          sourceRequestCharge: outcome.sourceRequestCharge,
          targetRequestCharge: outcome.targetRequestCharge,
          throttled: outcome.throttled,
        });
        if (outcome.interrupted) break;
      }
    } finally {
      bar.finish();
      bar = undefined;
      report.copySeconds = (performance.now() - copyStarted) / 1000;
      report.read = report.containers.reduce((sum, c) => sum + c.read, 0);
      report.itemsPerSecond = report.copySeconds > 0 ? report.read / report.copySeconds : 0;
    }

    // A stop that came after the last chunk interrupted nothing: the count check still runs.
    if (report.containers.some((c) => c.result === 'interrupted' || c.result === 'not started')) {
      report.interrupted = true;
      report.exitCode = typeof io.stop.reason === 'number' ? io.stop.reason : EXIT.interrupted;
      return report;
    }

    // The count check: what the source holds now against what the target holds now.
    for (const line of report.containers) {
      if (line.result !== 'ok') continue;
      line.sourceCount = await countDocuments(sourceStore, line.name);
      line.targetCount = await countDocuments(target.store, line.name);
      if (line.sourceCount !== line.targetCount || line.failed > 0) {
        line.result = 'mismatch';
        report.exitCode = EXIT.mismatch;
      }
    }
    return report;
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
    report.exitCode = EXIT.error;
    return report;
  } finally {
    await Promise.all(opened.map((side) => side.store?.dispose().catch(() => undefined)));
  }
}
