import type { DocumentStore } from '../data/documentStore';
import type { ShapeAdvice } from '../advice/shapeAdvice';
import { USAGE_CONTAINER, type UsageDocument } from './usageDocument';
import { addRow, emptyRow, rowKey, type UsageRow } from './usageRow';

/** Every instance's usage over a run of days, added up. */
export interface PeriodUsage {
  days: string[];
  instances: string[];
  rows: UsageRow[];
  /** Epoch ms of a minute's start to RU spent in it, over all instances. */
  minuteRu: Map<number, number>;
  /** The latest advice per (container, shape) any instance recorded. */
  advice: ShapeAdvice[];
}

/** The UTC days from `from` to `to` inclusive, as YYYY-MM-DD. */
export function daysBetween(from: Date, to: Date): string[] {
  const days: string[] = [];
  const day = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  while (day.getTime() <= to.getTime()) {
    days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}

/** Reads and adds up the usage documents of the given days (one partition-scoped query per day). */
export async function readPeriodUsage(store: DocumentStore, days: string[]): Promise<PeriodUsage> {
  const rows = new Map<string, UsageRow>();
  const minuteRu = new Map<number, number>();
  const advice = new Map<string, ShapeAdvice>();
  const instances = new Set<string>();
  for (const day of days) {
    const page = await store.query<UsageDocument>(
      USAGE_CONTAINER,
      { query: 'SELECT * FROM c WHERE c.day = @day', parameters: [{ name: '@day', value: day }] },
      { partitionKey: day, cacheTtlMs: 0 },
    );
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    for (const document of page.items) {
      if (document.day !== day) continue; // the test server ignores the partition key; the filter holds anyway
      instances.add(document.instanceId);
      for (const row of document.rows ?? []) {
        const key = rowKey(row);
        let total = rows.get(key);
        if (!total) rows.set(key, (total = emptyRow(row)));
        addRow(total, row);
      }
      for (const [minute, ru] of Object.entries(document.minuteRu ?? {})) {
        const at = dayStart + Number(minute) * 60_000;
        minuteRu.set(at, (minuteRu.get(at) ?? 0) + ru);
      }
      for (const item of document.advice ?? []) {
        const key = `${item.container}\u0000${item.shape}`;
        const known = advice.get(key);
        if (!known || known.sampledAt < item.sampledAt) advice.set(key, item);
      }
    }
  }
  return {
    days,
    instances: [...instances].sort(),
    rows: [...rows.values()],
    minuteRu,
    advice: [...advice.values()],
  };
}
