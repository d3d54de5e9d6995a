import { loadSettings } from '../../shared/config/settings';
import type { DocumentStore } from '../../shared/data/documentStore';
import { createJsonLogger } from '../../shared/telemetry/logger';
import { describeStore, openStore } from '../cli/openStore';
import { ProgressBar, type ProgressStream } from '../cli/progressBar';
import { demoUserId, generateDemoUser, type DemoUser } from './demoData';
import type { SeedOptions } from './options';
import { runReadWorkload, type WorkloadReport } from './readWorkload';
import { documentsByContainer, writeDemoData, type ContainerWrite } from './writeDemoData';

/** What `npm run seed` did (printed as text, or as JSON with --json). */
export interface SeedReport {
  store: string;
  backend: string;
  seed: number;
  today: string;
  users: number;
  firstUser: string;
  lastUser: string;
  containers: ContainerWrite[];
  documents: number;
  created: number;
  alreadyPresent: number;
  failed: number;
  requestCharge: number;
  generateMs: number;
  writeMs: number;
  workload: WorkloadReport | undefined;
  error?: string;
  exitCode: number;
}

export interface SeedIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stderr: ProgressStream;
}

/** Exit codes of `npm run seed`. */
export const SEED_EXIT = { ok: 0, error: 1, usage: 2, incomplete: 3 } as const;

/**
 * Runs `npm run seed`: generates the demo users, writes them with the bulk engine to the configured store,
 * then runs the read workload through the app when it answers. Never throws: a failure ends up in the
 * report's error and exit code.
 */
export async function runSeed(options: SeedOptions, io: SeedIo): Promise<SeedReport> {
  const report: SeedReport = {
    store: '',
    backend: '',
    seed: options.seed,
    today: options.today,
    users: options.users,
    firstUser: demoUserId(1),
    lastUser: demoUserId(options.users),
    containers: [],
    documents: 0,
    created: 0,
    alreadyPresent: 0,
    failed: 0,
    requestCharge: 0,
    generateMs: 0,
    writeMs: 0,
    workload: undefined,
    exitCode: SEED_EXIT.ok,
  };
  let store: DocumentStore | undefined;
  let bar: ProgressBar | undefined;
  try {
    const settings = loadSettings(io.env, io.cwd);
    report.backend = settings.dataBackend;
    report.store = describeStore(settings.dataBackend, settings).description;
    const logger = createJsonLogger(settings.logLevel === 'debug' ? 'debug' : 'warn', (line) =>
      bar ? bar.note(line.trimEnd()) : io.stderr.write(line),
    );

    const generating = performance.now();
    const users: DemoUser[] = [];
    for (let n = 1; n <= options.users; n++) users.push(generateDemoUser(options.seed, n, options.today));
    report.generateMs = performance.now() - generating;
    report.documents = documentsByContainer(users).reduce((sum, [, docs]) => sum + docs.length, 0);

    store = await openStore(settings.dataBackend, settings, logger);
    await store.initialize();
    io.stderr.write(
      `Seeding ${options.users} demo users (seed ${options.seed}, history up to ${options.today}) into ${report.store}\n`,
    );
    const writing = performance.now();
    bar = new ProgressBar(io.stderr, { total: report.documents });
    const active = bar;
    report.containers = await writeDemoData(store, users, (container, n) => {
      active.setLabel(container);
      active.advance(n);
    });
    bar.finish();
    bar = undefined;
    report.writeMs = performance.now() - writing;
    for (const write of report.containers) {
      report.created += write.created;
      report.alreadyPresent += write.alreadyPresent;
      report.failed += write.failed;
      report.requestCharge += write.requestCharge;
    }

    if (options.workload) {
      const api = options.api ?? `http://127.0.0.1:${settings.port === 0 ? 7071 : settings.port}/api`;
      report.workload = await runReadWorkload({
        api,
        users,
        today: options.today,
        backend: settings.dataBackend,
      });
    }
    const readsFailed = report.workload?.ran === true && report.workload.ok < report.workload.requests;
    if (report.failed > 0 || readsFailed) report.exitCode = SEED_EXIT.incomplete;
    return report;
  } catch (error) {
    bar?.finish();
    report.error = error instanceof Error ? error.message : String(error);
    report.exitCode = SEED_EXIT.error;
    return report;
  } finally {
    await store?.dispose().catch(() => undefined);
  }
}
