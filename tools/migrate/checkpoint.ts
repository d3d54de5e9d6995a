import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { StoreSide } from './options';

/**
 * Where the source scan of a container stands: everything before it has been written and acknowledged.
 * container: the continuation token of one scan of the whole container. partition: partitions in sorted
 * key order; afterKey is the last partition finished, key/token the place inside the next one.
 */
export type ScanCursor =
  | { mode: 'container'; token: string }
  | { mode: 'partition'; afterKey: string | null; key: string | null; token: string | null };

/** One container's progress in the current pass. */
export interface ContainerProgress {
  /** copying while a pass is under way; complete once it reached the end (the next run starts a new pass). */
  status: 'copying' | 'complete';
  /** Passes started over this container, this one included. */
  pass: number;
  /** Null at the start of a pass. */
  cursor: ScanCursor | null;
  /** Whether this pass asks the target which ids exist before writing (decided when the pass starts). */
  precheck: boolean;
  read: number;
  created: number;
  alreadyPresent: number;
  failed: number;
  startedAt: string;
  updatedAt: string;
}

/** The checkpoint file of one source/target pair. */
export interface Checkpoint {
  version: 1;
  from: StoreSide;
  to: StoreSide;
  /** Descriptions of both stores, for a person reading the file; never a secret. */
  source: string;
  target: string;
  containers: Record<string, ContainerProgress>;
}

/**
 * The checkpoint path for a source/target pair: one file per pair (direction, local file, Cosmos endpoint
 * and database), so a checkpoint never resumes a copy between different stores.
 */
export function checkpointPath(dataDir: string, from: StoreSide, to: StoreSide, identity: string): string {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 12);
  return path.join(dataDir, 'migrations', `${from}-to-${to}-${hash}.json`);
}

/** Reads a checkpoint; undefined when there is none. A file that is not a checkpoint is an error naming it. */
export function loadCheckpoint(file: string): Checkpoint | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Checkpoint>;
    if (parsed.version === 1 && parsed.containers && typeof parsed.containers === 'object') {
      return parsed as Checkpoint;
    }
  } catch {
    // reported below
  }
  throw new Error(`${file} is not a migration checkpoint; move it aside or run with --restart.`);
}

/**
 * Writes the checkpoint atomically: a temporary file, flushed to disk, renamed over the old one. A kill -9
 * or power loss at any moment leaves either the previous checkpoint or this one, never a torn file.
 */
export function saveCheckpoint(file: string, checkpoint: Checkpoint): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temporary, 'w');
  try {
    fs.writeSync(fd, `${JSON.stringify(checkpoint, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
  // The rename itself is durable only once the directory entry is flushed.
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

/** A fresh pass over a container. */
export function startPass(previous: ContainerProgress | undefined, precheck: boolean): ContainerProgress {
  const now = new Date().toISOString();
  return {
    status: 'copying',
    pass: (previous?.pass ?? 0) + 1,
    cursor: null,
    precheck,
    read: 0,
    created: 0,
    alreadyPresent: 0,
    failed: 0,
    startedAt: now,
    updatedAt: now,
  };
}
