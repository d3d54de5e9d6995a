import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { LOCAL_STORE_FILE } from '../../shared/data/local/sqliteDatabase';

const WRITER = path.join(__dirname, '..', 'fixtures', 'localStoreWriter.cjs');
const KILLS = 20;

/** Runs the writer until it has acknowledged `target` writes, then SIGKILLs it; resolves with the acked ids. */
function writeThenKill(dataDir: string, prefix: string, target: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dataDir, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
      if (acked.length >= target && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited ${code}: ${stderr}`)),
    );
  });
}

test(`every acknowledged write survives ${KILLS} SIGKILLs under write load, with a clean integrity check`, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-crash-'));
  const acknowledged: string[] = [];
  try {
    for (let round = 0; round < KILLS; round++) {
      // Vary where in the stream the kill lands.
      acknowledged.push(...(await writeThenKill(dataDir, `r${round}`, 20 + ((round * 37) % 150))));
    }
    const db = new Database(path.join(dataDir, LOCAL_STORE_FILE));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const store = new LocalDocumentStore({ dataDir, sync: 'normal' });
    await store.initialize();
    const stored = await store.query<string>(
      'tasks',
      { query: 'SELECT VALUE c.id FROM c' },
      { partitionKey: 'crash' },
    );
    await store.dispose();
    const storedIds = new Set(stored.items);
    const missing = acknowledged.filter((id) => !storedIds.has(id));
    console.log(
      `crash safety: ${KILLS} kills, ${acknowledged.length} acknowledged writes, ${stored.items.length} stored, ${missing.length} missing`,
    );
    expect(missing).toEqual([]);
    expect(stored.items.length).toBe(storedIds.size);
    // Batches are all or nothing even when killed: both halves present or neither.
    for (const id of storedIds) {
      const half = /^(r\d+-\d+)-([01])$/.exec(id);
      if (half) expect(storedIds.has(`${half[1]}-${half[2] === '0' ? '1' : '0'}`)).toBe(true);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
