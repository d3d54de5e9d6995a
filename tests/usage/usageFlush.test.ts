import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { InstrumentedDocumentStore } from '../../shared/usage/instrumentedDocumentStore';
import { daysBetween, readPeriodUsage } from '../../shared/usage/usagePeriod';
import { USAGE_CONTAINER } from '../../shared/usage/usageDocument';
import { UsageRecorder } from '../../shared/usage/usageRecorder';

describe('usage flushed to the usage container', () => {
  let dir: string;
  let base: LocalDocumentStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-usage-'));
    base = new LocalDocumentStore({ dataDir: dir, sync: 'normal' });
    await base.initialize();
  });
  afterEach(async () => {
    await base.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Two instances of the app sharing one store: each records its own calls and flushes its own document.
  function instance(name: string) {
    const recorder = new UsageRecorder(100);
    const store = new InstrumentedDocumentStore(base, recorder, undefined, {
      intervalMs: 60_000,
      instanceId: name,
    });
    return { recorder, store };
  }

  it('adds up every instance, and a repeated flush never counts twice', async () => {
    const a = instance('instance-a');
    const b = instance('instance-b');
    for (let i = 0; i < 5; i += 1) await a.store.create('tasks', { id: `a${i}`, userId: 'u1', title: 't' });
    for (let i = 0; i < 3; i += 1) await b.store.create('tasks', { id: `b${i}`, userId: 'u2', title: 't' });
    for (let i = 0; i < 4; i += 1) await b.store.read('tasks', `b${i % 3}`, 'u2');

    await a.store.flushUsage();
    await a.store.flushUsage();
    await b.store.flushUsage();

    const today = a.recorder.today();
    const stored = await base.query(USAGE_CONTAINER, { query: 'SELECT * FROM c' });
    expect(stored.items.map((d) => d.id).sort()).toEqual([`${today}~instance-a`, `${today}~instance-b`]);

    const usage = await readPeriodUsage(base, daysBetween(new Date(), new Date()));
    expect(usage.instances).toEqual(['instance-a', 'instance-b']);
    const creates = usage.rows.find((r) => r.container === 'tasks' && r.operation === 'create');
    const reads = usage.rows.find((r) => r.container === 'tasks' && r.operation === 'read');
    expect(creates?.calls).toBe(8);
    expect(reads?.calls).toBe(4);
    // The local store charges its documented model: 5.71 RU per KB written, 1 RU per KB read.
    expect(creates?.requestCharge).toBeCloseTo(8 * 5.71, 5);
    expect(reads?.requestCharge).toBeCloseTo(4, 5);
  });

  it('flushes what is left when the store is disposed', async () => {
    const recorder = new UsageRecorder(100);
    const other = new LocalDocumentStore({ dataDir: dir, sync: 'normal' });
    const store = new InstrumentedDocumentStore(other, recorder, undefined, {
      intervalMs: 3_600_000,
      instanceId: 'closing',
    });
    await store.initialize();
    await store.create('projects', { id: 'p1', userId: 'u1', name: 'n' });
    await store.dispose();

    const usage = await readPeriodUsage(base, [recorder.today()]);
    expect(usage.rows.find((r) => r.container === 'projects' && r.operation === 'create')?.calls).toBe(1);
  });
});
