// The fitness summary gives the same answer on both adapters, entry for entry: the same generated data
// goes into the local store and into the Cosmos adapter (against the Cosmos-protocol test server), and
// every range's summary must equal the other adapter's and a plain reference computation. The calories
// include fractions on purpose: unrounded, the two adapters' sums differ in the last bits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type { DocumentStore } from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import {
  FITNESS_TYPES,
  roundedCalories,
  type FitnessEntry,
  type FitnessTypeTotals,
} from '../../shared/models/fitness';
import { FitnessRepository } from '../../shared/repositories/fitnessRepository';
import { testCosmosSettings } from '../helpers/cosmosTestSettings';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-summary-parity-'));
let local: DocumentStore;
let cosmos: DocumentStore;
const user = `parity-${randomUUID()}`;
const entries: FitnessEntry[] = [];

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  local = new LocalDocumentStore({ dataDir, sync: 'normal' });
  cosmos = new CosmosDocumentStore(testCosmosSettings(`summary-parity-${randomUUID()}`));
  await Promise.all([local.initialize(), cosmos.initialize()]);
  const random = generator(20260401);
  const now = new Date().toISOString();
  for (let i = 0; i < 120; i++) {
    const day = 1 + Math.floor(random() * 60);
    const entry: FitnessEntry = {
      id: `e-${i}`,
      userId: user,
      type: FITNESS_TYPES[Math.floor(random() * FITNESS_TYPES.length)],
      date: new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10),
      durationMinutes: 1 + Math.floor(random() * 180),
      createdAt: now,
      updatedAt: now,
    };
    // About a third have no calories; some have fractional ones.
    if (random() > 0.33) entry.calories = Math.round(random() * 150000) / 100;
    entries.push(entry);
  }
  for (const store of [local, cosmos]) {
    const repository = new FitnessRepository(store);
    for (const entry of entries) await repository.create(entry);
    // Another user's entries in the same range must not count on either adapter.
    await repository.create({ ...entries[0], id: 'intruder', userId: `${user}-other`, durationMinutes: 999 });
  }
});

afterAll(async () => {
  await Promise.all([local.dispose(), cosmos.dispose()]);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function reference(from: string, to: string): FitnessTypeTotals[] {
  return FITNESS_TYPES.map((type) => {
    const matching = entries.filter((e) => e.type === type && e.date >= from && e.date <= to);
    return {
      type,
      count: matching.length,
      totalDurationMinutes: matching.reduce((sum, e) => sum + e.durationMinutes, 0),
      totalCalories: roundedCalories(matching.reduce((sum, e) => sum + (e.calories ?? 0), 0)),
    };
  }).filter((row) => row.count > 0);
}

const ranges: [string, string][] = [
  ['2026-01-01', '2026-03-01'],
  ['2026-01-15', '2026-01-31'],
  ['2026-02-10', '2026-02-10'],
  ['2025-01-01', '2025-12-31'],
  ['2026-01-31', '2026-02-01'],
];

test.each(ranges)('summary %s..%s: local store = Cosmos adapter = reference', async (from, to) => {
  const [onLocal, onCosmos] = await Promise.all([
    new FitnessRepository(local).summary(user, from, to),
    new FitnessRepository(cosmos).summary(user, from, to),
  ]);
  expect(onCosmos).toEqual(onLocal);
  expect(onLocal).toEqual(reference(from, to));
});

test('the ascending list, page by page, is the same on both adapters', async () => {
  const pages = async (store: DocumentStore) => {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await new FitnessRepository(store).list(user, { from: '2026-01-10' }, 'asc', 7, token);
      ids.push(...page.items.map((e) => e.id));
      token = page.continuationToken ?? undefined;
    } while (token);
    return ids;
  };
  const [onLocal, onCosmos] = await Promise.all([pages(local), pages(cosmos)]);
  expect(onCosmos).toEqual(onLocal);
  expect(onLocal).toHaveLength(entries.filter((e) => e.date >= '2026-01-10').length);
});
