// Shared by the runner tests: an in-process runner with a custom table and captured log lines, and the
// real CLI (`node scripts/start.mjs`) as a child process with its stdout parsed as JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FunctionDefinition } from '../../functions/functionDefinition';
import { loadSettings } from '../../shared/config/settings';
import { startLocalRunner, type LocalRunner, type LocalRunnerOptions } from '../../tools/local-runner/runner';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** One parsed JSON log line. */
export type LogLine = Record<string, unknown> & { message?: string; level?: string };

/** Polls until probe returns a value, or fails after timeoutMs saying what it waited for. */
export async function waitFor<T>(
  probe: () => T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const tempDirs: string[] = [];

/** A fresh temporary directory, removed by removeTempDirs(). */
export function makeTempDir(prefix = 'lt-runner-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every directory makeTempDir() created. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** An in-process runner and the log lines it wrote. */
export interface InProcessRunner {
  runner: LocalRunner;
  lines: LogLine[];
  api(pathAndQuery: string): string;
}

/** Starts startLocalRunner on a free port with a custom function table, capturing its log lines. */
export async function startInProcess(
  functions: FunctionDefinition[],
  options: Omit<LocalRunnerOptions, 'functions' | 'write'> & { logLevel?: string } = {},
): Promise<InProcessRunner> {
  const dataDir = makeTempDir();
  const { logLevel = 'debug', ...rest } = options;
  const settings = loadSettings(
    { PORT: '0', DATA_BACKEND: 'local', DATA_DIR: dataDir, LOG_LEVEL: logLevel },
    dataDir,
  );
  const lines: LogLine[] = [];
  const runner = await startLocalRunner({
    settings,
    functions,
    write: (line) => lines.push(JSON.parse(line) as LogLine),
    ...rest,
  });
  return { runner, lines, api: (p) => `${runner.url}/api/${p.replace(/^\//, '')}` };
}

// Settings the child must not inherit from the test environment (e.g. a Cosmos endpoint).
const INHERITED_SETTING =
  /^(COSMOS_|DATA_|AUTH_|LOCAL_STORE_|HEALTH_CHECK_|KEY_VAULT_|WEBSITE_|APPLICATIONINSIGHTS_|AzureWebJobs)|^(PORT|LOG_LEVEL)$/;

/** A runner started as a child process. */
export interface RunnerProcess {
  child: ChildProcess;
  lines: LogLine[];
  stdoutText(): string;
  stderrText(): string;
  /** Resolves with the URL from the "listening" line; rejects if the process exits first. */
  listening: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

/** Spawns `node scripts/start.mjs` (or another script, with its arguments) with a clean environment plus `env`. */
export function spawnRunner(
  env: Record<string, string>,
  options: {
    cwd?: string;
    script?: string;
    args?: readonly string[];
    onListening?: (child: ChildProcess) => void;
  } = {},
): RunnerProcess {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !INHERITED_SETTING.test(name)),
  );
  const script = options.script ?? path.join(repoRoot, 'scripts', 'start.mjs');
  const child = spawn(process.execPath, [script, ...(options.args ?? [])], {
    cwd: options.cwd ?? makeTempDir(),
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  let pending = '';
  const lines: LogLine[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      if (!line.trim()) continue;
      try {
        const parsed = JSON.parse(line) as LogLine;
        lines.push(parsed);
        // Synchronously, in the same tick the line arrives: for tests of what happens right at start-up.
        if (parsed.message === 'listening') options.onListening?.(child);
      } catch {
        lines.push({ message: '(not JSON)', text: line });
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const listening = (async () => {
    let done = false;
    void exited.then(() => (done = true));
    const line = await waitFor(
      () => lines.find((l) => l.message === 'listening') ?? (done ? null : undefined),
      'the runner to print its listening URL',
      45_000,
    );
    if (!line) throw new Error(`runner exited before listening; stderr: ${stderr}`);
    return String(line.url);
  })();
  // Callers that expect a start-up failure never await `listening`.
  listening.catch(() => undefined);
  return { child, lines, stdoutText: () => stdout, stderrText: () => stderr, listening, exited };
}

/** Kills every child still running (a failed test must not leave runners behind). */
export async function killChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
