import type {
  BatchOperation,
  BatchResponse,
  BulkOperation,
  BulkOptions,
  BulkResponse,
  CallOptions,
  DocumentBody,
  DocumentStore,
  PartitionKeyValue,
  PatchOperation,
  QueryOptions,
  QueryPage,
  SqlQuery,
  StoreHealth,
  StoreResponse,
  StoredDocument,
  WriteOptions,
} from '../data/documentStore';
import { getContainer } from '../data/catalogue';
import { partitionKeyOf } from '../data/partitionKey';
import { queryShape } from '../usage/queryShape';
import type { UsageRecorder } from '../usage/usageRecorder';
import { QueryResultCache } from './queryResultCache';

/**
 * Answers repeated partition-scoped queries from a QueryResultCache and drops a partition's cached
 * results on every write to it (including writes that failed: a timed-out write may still have landed).
 * Cross-partition queries are never cached: no single write could tell when they go stale.
 */
export class CachingDocumentStore implements DocumentStore {
  constructor(
    private readonly inner: DocumentStore,
    readonly cache: QueryResultCache,
    private readonly recorder?: UsageRecorder,
  ) {}

  get backend() {
    return this.inner.backend;
  }

  initialize(): Promise<void> {
    return this.inner.initialize();
  }

  read<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T> | undefined>> {
    return this.inner.read<T>(container, id, partitionKey, options);
  }

  create<T extends DocumentBody>(container: string, document: T, options?: CallOptions) {
    return this.writing(container, [this.partitionOfDocument(container, document)], () =>
      this.inner.create(container, document, options),
    );
  }

  upsert<T extends DocumentBody>(container: string, document: T, options?: WriteOptions) {
    return this.writing(container, [this.partitionOfDocument(container, document)], () =>
      this.inner.upsert(container, document, options),
    );
  }

  replace<T extends DocumentBody>(container: string, document: T, options?: WriteOptions) {
    return this.writing(container, [this.partitionOfDocument(container, document)], () =>
      this.inner.replace(container, document, options),
    );
  }

  delete(container: string, id: string, partitionKey: PartitionKeyValue, options?: WriteOptions) {
    return this.writing(container, [partitionKey], () =>
      this.inner.delete(container, id, partitionKey, options),
    );
  }

  patch<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    operations: PatchOperation[],
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.writing(container, [partitionKey], () =>
      this.inner.patch<T>(container, id, partitionKey, operations, options),
    );
  }

  batch(
    container: string,
    partitionKey: PartitionKeyValue,
    operations: BatchOperation[],
    options?: CallOptions,
  ): Promise<BatchResponse> {
    const reads = operations.every((operation) => operation.operationType === 'Read');
    if (reads) return this.inner.batch(container, partitionKey, operations, options);
    return this.writing(container, [partitionKey], () =>
      this.inner.batch(container, partitionKey, operations, options),
    );
  }

  bulk(container: string, operations: BulkOperation[], options?: BulkOptions): Promise<BulkResponse> {
    const written = operations.filter((operation) => operation.operationType !== 'Read');
    const partitions = [...new Set(written.map((operation) => JSON.stringify(operation.partitionKey)))];
    return this.writing(
      container,
      partitions.map((key) => JSON.parse(key) as PartitionKeyValue),
      () => this.inner.bulk(container, operations, options),
    );
  }

  async query<T = StoredDocument>(
    container: string,
    query: SqlQuery,
    options: QueryOptions = {},
  ): Promise<QueryPage<T>> {
    // QUERY_CACHE_TTL_MS=0 turns the cache off for every query, whatever a query asks for.
    const defaultTtl = this.cache.options.defaultTtlMs;
    const ttlMs = defaultTtl <= 0 ? 0 : (options.cacheTtlMs ?? defaultTtl);
    if (options.partitionKey === undefined || ttlMs <= 0)
      return this.inner.query<T>(container, query, options);

    const started = performance.now();
    const partition = QueryResultCache.partitionOf(container, options.partitionKey);
    const key = QueryResultCache.keyOf(partition, query, options);
    const cached = this.cache.get(key);
    if (cached) {
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      this.recorder?.record({
        container,
        operation: 'query',
        shape: queryShape(query.query),
        outcome: 'cached',
        requestCharge: 0,
        durationMs,
        itemCount: cached.page.items.length,
        ruSaved: cached.page.stats.requestCharge,
      });
      return {
        // A fresh array per caller (a caller may sort it); the documents in it are frozen.
        items: cached.page.items.slice() as T[],
        continuationToken: cached.page.continuationToken,
        stats: { requestCharge: 0, durationMs, itemCount: cached.page.items.length },
      };
    }
    const sequence = this.cache.begin(partition);
    let page: QueryPage<T> | undefined;
    try {
      page = await this.inner.query<T>(container, query, options);
      return page;
    } finally {
      this.cache.finish(partition, sequence, key, page as QueryPage<unknown> | undefined, ttlMs);
    }
  }

  checkHealth(): Promise<StoreHealth> {
    return this.inner.checkHealth();
  }

  async reconnect(): Promise<void> {
    await this.inner.reconnect?.();
  }

  async dispose(): Promise<void> {
    this.cache.clear();
    await this.inner.dispose();
  }

  // A document without a usable key (or an unknown container) is refused by the store itself, with the
  // error the caller should see; there is nothing cached to invalidate for it.
  private partitionOfDocument(container: string, document: DocumentBody): PartitionKeyValue | undefined {
    try {
      return partitionKeyOf(getContainer(container), document);
    } catch {
      return undefined;
    }
  }

  private async writing<R>(
    container: string,
    partitionKeys: (PartitionKeyValue | undefined)[],
    write: () => Promise<R>,
  ): Promise<R> {
    const partitions = partitionKeys
      .filter((key): key is PartitionKeyValue => key !== undefined)
      .map((key) => QueryResultCache.partitionOf(container, key));
    // Before: queries starting during the write must not be served what it is replacing. After: a query
    // that read the old data while the write was in flight must not stay cached.
    for (const partition of partitions) this.cache.invalidate(partition);
    try {
      return await write();
    } finally {
      for (const partition of partitions) this.cache.invalidate(partition);
    }
  }
}
