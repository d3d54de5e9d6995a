import { LRUCache } from 'lru-cache';
import type { PartitionKeyValue, QueryOptions, QueryPage, SqlQuery } from '../data/documentStore';
import { deepFreeze } from './deepFreeze';

/** A cached page, frozen, with what it cost the store to compute. */
export interface CachedPage {
  page: QueryPage<unknown>;
  partition: string;
  bytes: number;
}

/** Counters of the cache since the process started. */
export interface QueryCacheCounters {
  hits: number;
  misses: number;
  /** RU the store would have charged for the queries answered from the cache. */
  ruSaved: number;
  invalidations: number;
  entries: number;
  bytes: number;
}

/** The bounds and default lifetime of the cache. */
export interface QueryCacheOptions {
  maxEntries: number;
  maxBytes: number;
  defaultTtlMs: number;
}

interface InFlight {
  queries: number;
  lastWrite: number;
}

/**
 * Partition-scoped query results by (container, partition key, query text, parameters, page size,
 * continuation): an LRU bounded by entries and bytes, with a TTL per entry. Every write to a partition
 * through this instance drops that partition's entries at once, and a query that was running while a
 * write to its partition happened is not cached (it may have read the old data). The partition key and
 * the parameters are part of the key, so one user's results can never answer another user's query.
 */
export class QueryResultCache {
  private readonly entries: LRUCache<string, CachedPage>;
  private readonly byPartition = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, InFlight>();
  private writeSequence = 0;
  private readonly counters = { hits: 0, misses: 0, ruSaved: 0, invalidations: 0 };

  constructor(readonly options: QueryCacheOptions) {
    this.entries = new LRUCache<string, CachedPage>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      ttl: options.defaultTtlMs,
      // Evicted, expired or replaced: the partition index must forget the key too, or it would grow.
      dispose: (entry, key) => this.unindex(entry.partition, key),
    });
  }

  /** The partition a query or write touches, as the cache names it. */
  static partitionOf(container: string, partitionKey: PartitionKeyValue): string {
    return `${container}\u0000${JSON.stringify(partitionKey)}`;
  }

  /** The cache key of a partition-scoped query page. */
  static keyOf(partition: string, query: SqlQuery, options: QueryOptions): string {
    return [
      partition,
      query.query,
      JSON.stringify(query.parameters ?? []),
      options.maxItemCount ?? '',
      options.continuationToken ?? '',
    ].join('\u0000');
  }

  /** The cached page for a key, if fresh; counts a hit or a miss. */
  get(key: string): CachedPage | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.counters.hits += 1;
      this.counters.ruSaved += entry.page.stats.requestCharge;
    } else this.counters.misses += 1;
    return entry;
  }

  /** Marks a query on a partition as started; pass the result to finish(). */
  begin(partition: string): number {
    const flight = this.inFlight.get(partition);
    if (flight) flight.queries += 1;
    else this.inFlight.set(partition, { queries: 1, lastWrite: 0 });
    return this.writeSequence;
  }

  /** Ends a query begun with begin(); caches its page unless a write to the partition happened meanwhile. */
  finish(
    partition: string,
    started: number,
    key: string,
    page: QueryPage<unknown> | undefined,
    ttlMs: number,
  ): void {
    const flight = this.inFlight.get(partition);
    const writtenSince = flight !== undefined && flight.lastWrite > started;
    if (flight && --flight.queries === 0) this.inFlight.delete(partition);
    if (!page || writtenSince || ttlMs <= 0) return;
    // A deep copy: the caller that ran the query keeps objects it may change; every later caller gets
    // the frozen copy, so no caller can change what the next one is served.
    const frozen = deepFreeze(structuredClone(page));
    const bytes = JSON.stringify(frozen.items).length;
    if (bytes > this.options.maxBytes / 8) return; // one huge result must not flush everything else out
    this.entries.set(key, { page: frozen, partition, bytes }, { ttl: ttlMs });
    let keys = this.byPartition.get(partition);
    if (!keys) this.byPartition.set(partition, (keys = new Set()));
    keys.add(key);
  }

  /** Drops every cached page of a partition and keeps running queries on it from being cached. */
  invalidate(partition: string): void {
    this.writeSequence += 1;
    const flight = this.inFlight.get(partition);
    if (flight) flight.lastWrite = this.writeSequence;
    const keys = this.byPartition.get(partition);
    if (!keys) return;
    this.counters.invalidations += 1;
    for (const key of [...keys]) this.entries.delete(key);
    this.byPartition.delete(partition);
  }

  /** Hit, miss and size counters. */
  stats(): QueryCacheCounters {
    return { ...this.counters, entries: this.entries.size, bytes: this.entries.calculatedSize };
  }

  /** Forgets every entry (tests, shutdown). */
  clear(): void {
    this.entries.clear();
    this.byPartition.clear();
  }

  private unindex(partition: string, key: string): void {
    const keys = this.byPartition.get(partition);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.byPartition.delete(partition);
  }
}
