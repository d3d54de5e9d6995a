// Node has no zip writer built in; Debian's `zip` makes the archive when it is installed. Without it the
// package folder is still complete (azd and Core Tools zip a folder themselves) and only the zip is skipped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Zips the contents of `dir` (paths relative to it) into `zipFile`; false when no `zip` command exists. */
export function zipDirectory(dir: string, zipFile: string): boolean {
  // zip adds to an existing archive, which would keep files the package no longer has.
  fs.rmSync(zipFile, { force: true });
  // -X: no extra file attributes (uid/gid, times beyond the standard ones), so the archive is the files.
  const run = spawnSync('zip', ['-q', '-r', '-X', zipFile, '.'], { cwd: dir, encoding: 'utf8' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') return false;
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`zip exited with ${run.status}: ${run.stderr.trim()}`);
  return true;
}
