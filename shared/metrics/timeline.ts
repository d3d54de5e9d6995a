import type { z } from 'zod';
import { LatencyHistogram } from './latencyHistogram';
import type { TimelinePoint } from './metricsSnapshot';

/** The recent timeline's defaults: 10 s slots over the last 30 minutes. */
export const DEFAULT_SLOT_MS = 10_000;
export const DEFAULT_SLOT_COUNT = 180;
/** Distinct containers per slot before the rest are summed under OTHER_CONTAINERS. */
export const DEFAULT_MAX_CONTAINERS = 16;
/** Where RU of containers beyond the per-slot cap is counted. */
export const OTHER_CONTAINERS = '(other containers)';

/** The options of a Timeline. */
export interface TimelineOptions {
  slotMs?: number;
  slotCount?: number;
  maxContainers?: number;
}

interface Slot {
  /** Epoch ms the slot starts at; -1 while it has never been used. */
  start: number;
  requests: number;
  serverErrors: number;
  latency: LatencyHistogram;
  requestCharge: number;
  byContainer: Map<string, number>;
  cacheHits: number;
  cacheMisses: number;
}

type Point = z.infer<typeof TimelinePoint>;

/**
 * A ring buffer of fixed time slots (by default 180 slots of 10 s: the last 30 minutes). The slots are
 * allocated once and reused: an event lands in the slot of its own time, and a slot whose time has come
 * round again is cleared first, so the timeline holds slotCount slots whatever the traffic. Events older
 * than the ring (or than a slot that has already been reused) are dropped.
 */
export class Timeline {
  readonly slotMs: number;
  readonly slotCount: number;
  private readonly maxContainers: number;
  private readonly slots: Slot[];

  constructor(options: TimelineOptions = {}) {
    this.slotMs = options.slotMs ?? DEFAULT_SLOT_MS;
    this.slotCount = options.slotCount ?? DEFAULT_SLOT_COUNT;
    this.maxContainers = options.maxContainers ?? DEFAULT_MAX_CONTAINERS;
    // The snapshot states the slot width in whole seconds.
    if (!(this.slotMs >= 1000 && this.slotMs % 1000 === 0))
      throw new RangeError('slotMs must be whole seconds');
    if (!(Number.isInteger(this.slotCount) && this.slotCount >= 1))
      throw new RangeError('slotCount must be >= 1');
    this.slots = Array.from({ length: this.slotCount }, () => ({
      start: -1,
      requests: 0,
      serverErrors: 0,
      // A slot lives 30 minutes at most: 32-bit counters cannot wrap in that time.
      latency: new LatencyHistogram(false),
      requestCharge: 0,
      byContainer: new Map<string, number>(),
      cacheHits: 0,
      cacheMisses: 0,
    }));
  }

  /** Counts a finished request at `at` (epoch ms); `bucket` is bucketIndex(durationMs). */
  recordRequest(at: number, serverError: boolean, bucket: number, durationMs: number): void {
    const slot = this.slotAt(at);
    if (slot === undefined) return;
    slot.requests += 1;
    if (serverError) slot.serverErrors += 1;
    slot.latency.recordAt(bucket, durationMs);
  }

  /** Adds a store call's RU at `at` to its container's total in the slot. */
  recordCharge(at: number, container: string, requestCharge: number): void {
    if (requestCharge === 0) return;
    const slot = this.slotAt(at);
    if (slot === undefined) return;
    slot.requestCharge += requestCharge;
    const current = slot.byContainer.get(container);
    if (current !== undefined) slot.byContainer.set(container, current + requestCharge);
    else {
      const key = slot.byContainer.size < this.maxContainers ? container : OTHER_CONTAINERS;
      slot.byContainer.set(key, (slot.byContainer.get(key) ?? 0) + requestCharge);
    }
  }

  /** Adds query-cache hits and misses at `at`. */
  recordCache(at: number, hits: number, misses: number): void {
    const slot = this.slotAt(at);
    if (slot === undefined) return;
    slot.cacheHits += hits;
    slot.cacheMisses += misses;
  }

  /**
   * The slots from `since` (the collector's start; clamped to the ring's length) to the slot holding `now`,
   * oldest first; a slot without events is a point of zeros.
   */
  points(now: number, since: number): Point[] {
    const current = this.startOf(now);
    const first = Math.max(current - (this.slotCount - 1) * this.slotMs, this.startOf(since));
    const points: Point[] = [];
    for (let start = first; start <= current; start += this.slotMs) {
      const slot = this.slots[this.indexOf(start)];
      const live = slot.start === start;
      const byContainer: Record<string, number> = {};
      if (live) for (const [container, ru] of slot.byContainer) byContainer[container] = round2(ru);
      points.push({
        at: new Date(start).toISOString(),
        requests: live ? slot.requests : 0,
        serverErrors: live ? slot.serverErrors : 0,
        ...(live ? slot.latency.percentiles() : { p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 }),
        requestCharge: live ? round2(slot.requestCharge) : 0,
        requestChargeByContainer: byContainer,
        cacheHits: live ? slot.cacheHits : 0,
        cacheMisses: live ? slot.cacheMisses : 0,
      });
    }
    return points;
  }

  /**
   * Requests per second over the last `windowMs` (rounded to whole slots, the current one included), measured
   * over the time those slots actually cover up to `now` and not before `since`.
   */
  ratePerSecond(now: number, since: number, windowMs: number): number {
    const current = this.startOf(now);
    const slots = Math.min(this.slotCount, Math.max(1, Math.ceil(windowMs / this.slotMs)));
    const first = current - (slots - 1) * this.slotMs;
    let requests = 0;
    for (let start = first; start <= current; start += this.slotMs) {
      const slot = this.slots[this.indexOf(start)];
      if (slot.start === start) requests += slot.requests;
    }
    const coveredMs = Math.min(now - first, now - since);
    return round2(requests / Math.max(1, coveredMs / 1000));
  }

  /** How many slots the ring holds (fixed at construction). */
  get size(): number {
    return this.slots.length;
  }

  /** The most distinct containers any slot holds (at most maxContainers + 1 with the overflow key). */
  maxContainersHeld(): number {
    return Math.max(...this.slots.map((slot) => slot.byContainer.size));
  }

  private startOf(at: number): number {
    return Math.floor(at / this.slotMs) * this.slotMs;
  }

  private indexOf(start: number): number {
    const index = (start / this.slotMs) % this.slotCount;
    return index < 0 ? index + this.slotCount : index;
  }

  // The slot for an event at `at`: reused (cleared) when it still holds an older time, none when it already
  // holds a newer one (the event is older than the ring).
  private slotAt(at: number): Slot | undefined {
    const start = this.startOf(at);
    const slot = this.slots[this.indexOf(start)];
    if (slot.start === start) return slot;
    if (slot.start > start) return undefined;
    slot.start = start;
    slot.requests = 0;
    slot.serverErrors = 0;
    slot.latency.clear();
    slot.requestCharge = 0;
    slot.byContainer.clear();
    slot.cacheHits = 0;
    slot.cacheMisses = 0;
    return slot;
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
