// Azurite's blob service in a child process: what `npm start` runs for local report storage, and what the
// tests start on a free port. Data under `location`, output appended to `logFile`, never to the caller's
// stdout (which stays the runner's JSON lines).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The storage account Azurite serves by default, whose well-known key UseDevelopmentStorage=true uses. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';

/** Where and how to run Azurite's blob service. */
export interface AzuriteOptions {
  /** Listening address; defaults to 127.0.0.1 (never reachable from other machines). */
  host?: string;
  port: number;
  /** Azurite's workspace (blob data and metadata); created if missing. */
  location: string;
  /** Azurite's output is appended here. */
  logFile: string;
  /** The compiled azuriteParentWatch.js to preload; defaults to the one next to this module (dist/). */
  parentWatchScript?: string;
  /**
   * Run it at a lower CPU priority (nice 10) than this process: it then boots in the background without
   * slowing this process, on machines with few cores or other work.
   */
  background?: boolean;
}

/** A started Azurite child process. */
export interface AzuriteProcess {
  /** The blob endpoint of the default account, e.g. http://127.0.0.1:10000/devstoreaccount1. */
  readonly blobEndpoint: string;
  readonly pid: number | undefined;
  /** Resolves once it accepts connections; rejects, with the last line of its log, if it exits or times out. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM (Azurite's graceful close), SIGKILL after graceMs; resolves when it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** True when something accepts TCP connections on host:port within timeoutMs. */
export function isListening(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The azurite-blob command's script, from the installed azurite package's "bin". */
export function azuriteBlobScript(): string {
  const manifestPath = require.resolve('azurite/package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { bin: Record<string, string> };
  return path.join(path.dirname(manifestPath), manifest.bin['azurite-blob']);
}

function lastLogLine(logFile: string): string {
  try {
    const text = fs.readFileSync(logFile, 'utf8');
    return (
      text
        .trimEnd()
        .split('\n')
        .filter((line) => line.trim())
        .pop() ?? ''
    );
  } catch {
    return '';
  }
}

/**
 * Spawns `azurite-blob --blobHost <host> --blobPort <port> --location <location> --skipApiVersionCheck
 * --silent --loose --disableTelemetry`. --skipApiVersionCheck because the current @azure/storage-blob
 * speaks a newer service version than Azurite knows; --loose because the SDK sends headers Azurite does
 * not implement. The child dies with this process: on its exit (here) and on a SIGKILL (its preload).
 */
export function spawnAzurite(options: AzuriteOptions): AzuriteProcess {
  const host = options.host ?? '127.0.0.1';
  fs.mkdirSync(options.location, { recursive: true });
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'a');
  const args = [
    '--require',
    options.parentWatchScript ?? path.join(__dirname, 'azuriteParentWatch.js'),
    azuriteBlobScript(),
    ...['--blobHost', host, '--blobPort', String(options.port), '--location', options.location],
    ...['--skipApiVersionCheck', '--silent', '--loose', '--disableTelemetry'],
  ];
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
  } finally {
    // The child holds its own copy of the descriptor.
    fs.closeSync(log);
  }
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve();
    }),
  );
  // Whatever ends this process, Azurite goes too ('exit' handlers may only do synchronous work: kill is).
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  if (options.background && child.pid !== undefined) {
    try {
      os.setPriority(child.pid, 10);
    } catch {
      // Not permitted here (some containers): it just runs at normal priority.
    }
  }
  // Never what keeps the parent running; stop() or the exit handler end it.
  child.unref();

  let stopping: Promise<void> | undefined;
  return {
    blobEndpoint: `http://${host}:${options.port}/${AZURITE_ACCOUNT}`,
    pid: child.pid,
    ready: async (timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exitCode !== undefined) {
          throw new Error(`Azurite exited (${exitCode}): ${lastLogLine(options.logFile) || 'no output'}`);
        }
        if (await isListening(host, options.port, 500)) return;
        if (Date.now() > deadline) {
          throw new Error(`Azurite did not listen on ${host}:${options.port} within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: (graceMs = 5_000) =>
      (stopping ??= (async () => {
        if (exitCode !== undefined) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })()),
  };
}
