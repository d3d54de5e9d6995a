import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { describeRepositories } from './repositorySuite';

const dirs: string[] = [];

describeRepositories(
  'local (SQLite + @zeit/cosmosdb-query)',
  { reverseCompositeIndex: true, atomicBatch: true, partitionScopedQuery: true },
  async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-repositories-'));
    dirs.push(dataDir);
    return new LocalDocumentStore({ dataDir, sync: 'normal' });
  },
  async (store) => {
    await store.dispose();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  },
);
