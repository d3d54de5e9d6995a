import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { describeBulkContract } from './bulkContract';

const dirs: string[] = [];

describeBulkContract(
  'local (SQLite)',
  { atomicBatch: true },
  async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-local-bulk-'));
    dirs.push(dataDir);
    return new LocalDocumentStore({ dataDir, sync: 'normal' });
  },
  async (store) => {
    await store.dispose();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  },
);
