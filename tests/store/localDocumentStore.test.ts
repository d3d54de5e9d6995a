import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { describeDocumentStoreContract } from './documentStoreContract';

const dirs: string[] = [];

describeDocumentStoreContract(
  'local (SQLite + @zeit/cosmosdb-query)',
  {
    atomicBatch: true,
    patchInBatch: true,
    ttl: true,
    measuredRequestCharge: true,
    partitionScopedQuery: true,
  },
  async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-local-contract-'));
    dirs.push(dataDir);
    return new LocalDocumentStore({ dataDir, sync: 'normal' });
  },
  async (store) => {
    await store.dispose();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  },
);
