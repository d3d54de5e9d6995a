import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { DocumentStore } from '../data/documentStore';
import type { Logger } from '../telemetry/logger';
import type { ShapeAdvice } from '../advice/shapeAdvice';
import { USAGE_CONTAINER, usageDocumentId, type UsageDocument } from './usageDocument';
import type { UsageRecorder } from './usageRecorder';

/** Names this process in usage documents: host, pid and a random suffix, so a restarted process never overwrites its predecessor's totals. */
export function newInstanceId(): string {
  const host = (process.env.WEBSITE_INSTANCE_ID ?? os.hostname()).slice(0, 24).replace(/[^\w.-]/g, '-');
  return `${host}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

// The flushers of the stores open in this process, so a report can write this instance's latest
// figures before reading everyone's.
const active = new Set<UsageFlusher>();

/** Flushes every started flusher of this process now (before a report reads the usage container). */
export async function flushActiveUsage(): Promise<void> {
  await Promise.all([...active].map((flusher) => flusher.flush()));
}

/**
 * Writes the recorder's totals to the usage container every interval and when stopped. A flush upserts
 * the instance's document of each day held in memory; a day that has ended is forgotten once flushed.
 */
export class UsageFlusher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: DocumentStore,
    private readonly recorder: UsageRecorder,
    private readonly options: {
      intervalMs: number;
      instanceId: string;
      log?: Logger;
      adviceFor?: () => ShapeAdvice[];
    },
  ) {}

  /** Starts flushing every interval; the timer never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.intervalMs);
    this.timer.unref();
    active.add(this);
  }

  /** Writes every held day now; flushes never overlap, and a failure is logged, not thrown. */
  flush(): Promise<void> {
    this.running = this.running.then(() => this.flushOnce());
    return this.running;
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    active.delete(this);
    await this.flush();
  }

  private async flushOnce(): Promise<void> {
    const today = this.recorder.today();
    for (const day of this.recorder.heldDays()) {
      const usage = this.recorder.snapshot(day);
      const advice = day === today ? (this.options.adviceFor?.() ?? []) : [];
      if (usage.rows.length === 0 && advice.length === 0) continue;
      const document: UsageDocument = {
        id: usageDocumentId(day, this.options.instanceId),
        day,
        instanceId: this.options.instanceId,
        updatedAt: new Date().toISOString(),
        rows: usage.rows,
        minuteRu: usage.minuteRu,
        advice,
      };
      try {
        await this.store.upsert(USAGE_CONTAINER, document);
        if (day < today) this.recorder.forget(day);
      } catch (error) {
        this.options.log?.warn('usage flush failed; will retry', { day, error });
      }
    }
  }
}
