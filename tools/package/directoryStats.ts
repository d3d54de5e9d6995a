import fs from 'node:fs';
import path from 'node:path';

/** Size and file count of a folder tree. */
export interface DirectoryStats {
  bytes: number;
  files: number;
}

/** Adds up every regular file under `dir` (symbolic links are not followed); `skip` leaves files out by name. */
export function directoryStats(dir: string, skip: (file: string) => boolean = () => false): DirectoryStats {
  const total: DirectoryStats = { bytes: 0, files: 0 };
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && !skip(full)) {
        total.bytes += fs.statSync(full).size;
        total.files += 1;
      }
    }
  };
  walk(dir);
  return total;
}
