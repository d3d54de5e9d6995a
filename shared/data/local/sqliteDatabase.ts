import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../errors/appError';

/** The file name of the local store inside DATA_DIR. */
export const LOCAL_STORE_FILE = 'lifetracker.sqlite';

const SCHEMA_VERSION = 1;

// One table for every container: a container is a column, so adding a container to the catalogue needs
// no migration. seq is the rowid: it keeps insertion order (Cosmos returns unordered results in roughly
// that order) and serves as the unique _rid the query engine's paging needs. The (container, pk) index
// carries the rowid implicitly, so a partition scan reads only that partition, already in seq order.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  seq INTEGER PRIMARY KEY,
  container TEXT NOT NULL,
  pk TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  etag TEXT NOT NULL,
  ts INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_by_key ON documents(container, pk, id);
CREATE INDEX IF NOT EXISTS documents_by_partition ON documents(container, pk);
CREATE INDEX IF NOT EXISTS documents_by_expiry ON documents(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS containers (
  name TEXT PRIMARY KEY,
  partition_key_path TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;

export interface OpenOptions {
  dataDir: string;
  /** normal: durable across a process crash (kill -9); full: also across power loss, slower. */
  sync: 'normal' | 'full';
}

function corrupt(file: string, error: unknown): AppError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError(
    `The local store file ${file} is not a readable LifeTracker database (${reason}). ` +
      'It was left untouched: move it aside to start with an empty store, or restore it from a backup.',
    { code: 'LOCAL_STORE_CORRUPT', category: 'DATA', status: 503, cause: error },
  );
}

/** Opens (creating if needed) the SQLite file under dataDir in WAL mode; a damaged file is reported, never replaced. */
export function openLocalDatabase(options: OpenOptions): Database.Database {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, LOCAL_STORE_FILE);
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    throw corrupt(file, error);
  }
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`schema version ${version} is newer than this app understands (${SCHEMA_VERSION})`);
    }
    if (
      version === 0 &&
      db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'documents'").pluck().get()
    ) {
      throw new Error('it holds tables of another application');
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  } catch (error) {
    db.close();
    throw corrupt(file, error);
  }
  return db;
}
