// `npm start`: builds dist/ only when a source changed since the last successful build, then runs the local
// runner (dist/tools/local-runner/main.js) in this same process, so SIGINT/SIGTERM reach it directly. The
// runner also starts Azurite for the report blobs when the storage setting names a local one, and stops it
// with the app (tools/local-runner/localAzurite.ts).
// Plain ESM JavaScript on purpose: it must run before anything is compiled.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const entry = path.join(dist, 'tools', 'local-runner', 'main.js');
// Touched only after tsc exits 0; tsc's own .tsbuildinfo is written even when the build has errors.
const stampFile = path.join(dist, '.start-build-stamp');
const lockFile = path.join(dist, '.start-build-lock');

function logLine(level, message, properties = {}) {
  // Same JSON-lines shape as the runner, on stdout, so stderr stays free for the one-line start-up errors.
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level, message, ...properties })}\n`,
  );
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) fail(`Node.js 22 or later is required (this is ${process.version}).`);

function buildRoots() {
  // What tsconfig.build.json compiles, plus infra/ whose JSON the code imports (tsc copies it into dist).
  let include = ['functions', 'shared', 'tools'];
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8'));
    if (Array.isArray(parsed.include)) include = parsed.include;
  } catch {
    // An unreadable tsconfig is reported by tsc itself when the build runs.
  }
  return [...new Set([...include, 'infra'])];
}

// The newest input: .ts/.json files under the build roots, the directories themselves (their mtime moves
// when a file is added, deleted or renamed, which leaves stale .js behind otherwise), and tsconfig*.json.
function newestInput() {
  let newest = { mtimeMs: 0, file: '' };
  const consider = (file, stat) => {
    if (stat.mtimeMs > newest.mtimeMs) newest = { mtimeMs: stat.mtimeMs, file: path.relative(root, file) };
  };
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
      consider(dir, fs.statSync(dir));
    } catch {
      return;
    }
    for (const item of entries) {
      if (item.name.startsWith('.') || item.name === 'node_modules') continue;
      const full = path.join(dir, item.name);
      if (item.isDirectory()) walk(full);
      else if (/\.(ts|mts|cts|json)$/.test(item.name)) consider(full, fs.statSync(full));
    }
  };
  for (const dir of buildRoots()) walk(path.join(root, dir));
  for (const name of fs.readdirSync(root)) {
    if (/^tsconfig.*\.json$/.test(name)) consider(path.join(root, name), fs.statSync(path.join(root, name)));
  }
  return newest;
}

function staleReason() {
  if (!fs.existsSync(entry)) return 'dist/ has no build';
  let stamp;
  try {
    stamp = fs.statSync(stampFile).mtimeMs;
  } catch {
    return 'no successful build recorded';
  }
  const newest = newestInput();
  return newest.mtimeMs > stamp ? `${newest.file} changed` : undefined;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

// Two `npm start`s (or parallel tests) must not run tsc over the same dist/ at once.
async function withBuildLock(action) {
  fs.mkdirSync(dist, { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lockFile, 'utf8').trim() || 'NaN');
      // A build killed midway (Ctrl+C) leaves its lock behind; a dead holder's lock is free.
      if (Number.isInteger(holder) && !isAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) fail(`Timed out waiting for the build in process ${holder} (${lockFile}).`);
      await sleep(100);
    }
  }
  try {
    return action();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function build(reason) {
  const started = new Date();
  logLine('info', 'building', { reason, command: 'tsc -p tsconfig.build.json' });
  if (!fs.existsSync(entry)) {
    // With "incremental", tsc trusts its .tsbuildinfo and does not re-emit outputs deleted behind its back.
    fs.rmSync(path.join(dist, '.tsbuildinfo'), { force: true });
  }
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // tsc reports errors on stdout; send them to stderr so stdout stays JSON lines.
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (result.status !== 0)
    fail('Build failed (tsc -p tsconfig.build.json): fix the errors above, then run npm start again.');
  if (!fs.existsSync(entry)) fail(`The build did not produce ${path.relative(root, entry)}.`);
  fs.writeFileSync(stampFile, '');
  // The stamp carries the time the build started, so a file saved during the build still counts as newer.
  fs.utimesSync(stampFile, started, started);
  logLine('info', 'built', { durationMs: Date.now() - started.getTime() });
}

if (staleReason()) {
  await withBuildLock(() => {
    // Another process may have finished the same build while this one waited for the lock.
    const reason = staleReason();
    if (reason) build(reason);
  });
}

const runner = await import(pathToFileURL(entry).href);
await (runner.runCli ?? runner.default.runCli)();
