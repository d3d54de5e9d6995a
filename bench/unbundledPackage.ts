// The comparison for the deployment package: what a deployment without a bundler ships — the compiled
// app (dist/functions, dist/shared, dist/infra, without source maps), host.json, package.json, the files
// the app reads at run time, and the production node_modules exactly as `npm ci --omit=dev` installs them
// from the lock file. The install goes to a temporary folder, so the repository's node_modules (with its
// dev dependencies) is neither measured nor disturbed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { directoryStats, type DirectoryStats } from '../tools/package/directoryStats';
import { RUNTIME_FILES } from '../tools/package/runtimeFiles';

/** The unbundled package's size, or why it could not be measured. */
export type UnbundledPackage =
  (DirectoryStats & { nodeModules: DirectoryStats; app: DirectoryStats; note: string }) | { error: string };

function add(...parts: DirectoryStats[]): DirectoryStats {
  return parts.reduce((a, b) => ({ bytes: a.bytes + b.bytes, files: a.files + b.files }), {
    bytes: 0,
    files: 0,
  });
}

function fileStats(file: string): DirectoryStats {
  return fs.existsSync(file) ? { bytes: fs.statSync(file).size, files: 1 } : { bytes: 0, files: 0 };
}

/** Measures the unbundled package of the repository at `repo` (its dist/ must be built). */
export function measureUnbundledPackage(repo: string): UnbundledPackage {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-unbundled-'));
  try {
    fs.copyFileSync(path.join(repo, 'package.json'), path.join(dir, 'package.json'));
    fs.copyFileSync(path.join(repo, 'package-lock.json'), path.join(dir, 'package-lock.json'));
    // --ignore-scripts: nothing is built or downloaded by install scripts; the one native addon's binary
    // is added from the repository's own build below.
    const install = spawnSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: dir, encoding: 'utf8', timeout: 300_000 },
    );
    if (install.status !== 0) {
      return {
        error: `npm ci --omit=dev failed: ${(install.stderr || String(install.error)).trim().split('\n')[0]}`,
      };
    }
    const nodeModules = add(
      directoryStats(path.join(dir, 'node_modules')),
      fileStats(path.join(repo, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')),
    );
    const noMaps = (file: string) => file.endsWith('.map');
    const app = add(
      ...['functions', 'shared', 'infra'].map((d) => directoryStats(path.join(repo, 'dist', d), noMaps)),
      fileStats(path.join(repo, 'host.json')),
      fileStats(path.join(repo, 'package.json')),
      ...RUNTIME_FILES.filter((f) => !f.startsWith('node_modules/')).map((f) =>
        fileStats(path.join(repo, f)),
      ),
    );
    return {
      ...add(nodeModules, app),
      nodeModules,
      app,
      note:
        'dist/{functions,shared,infra} without maps + host.json + package.json + npm ci --omit=dev ' +
        "(--ignore-scripts, plus better-sqlite3's native binary)",
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
