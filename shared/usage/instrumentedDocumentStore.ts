import type {
  BatchOperation,
  BatchResponse,
  BulkOperation,
  BulkOptions,
  BulkResponse,
  CallOptions,
  DocumentBody,
  DocumentStore,
  OperationStats,
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
import { isAppError } from '../errors/appError';
import type { IndexAdvisor } from '../advice/indexAdvisor';
import type { Logger } from '../telemetry/logger';
import { queryShape } from './queryShape';
import { UsageFlusher } from './usageFlusher';
import type { UsageRecorder } from './usageRecorder';
import type { UsageOperation } from './usageRow';

function outcomeOf(error: unknown): string {
  return isAppError(error) ? error.code : 'INTERNAL_ERROR';
}

/**
 * Records every call of the store it wraps (RU, duration, items, outcome, by container, operation and
 * query shape) into a UsageRecorder. It adds no I/O to a call: recording is a Map update.
 */
export class InstrumentedDocumentStore implements DocumentStore {
  private readonly flusher: UsageFlusher | undefined;

  constructor(
    private readonly inner: DocumentStore,
    private readonly recorder: UsageRecorder,
    private readonly advisor?: IndexAdvisor,
    /** When given, usage is flushed to the usage container every interval once initialised, and on dispose. */
    flush?: { intervalMs: number; instanceId: string; log?: Logger },
  ) {
    this.flusher = flush
      ? new UsageFlusher(this, recorder, { ...flush, adviceFor: () => advisor?.all() ?? [] })
      : undefined;
  }

  /** Writes the recorded usage now (the timer does it every interval). */
  async flushUsage(): Promise<void> {
    await this.flusher?.flush();
  }

  get backend() {
    return this.inner.backend;
  }

  async initialize(): Promise<void> {
    await this.inner.initialize();
    this.flusher?.start();
  }

  read<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T> | undefined>> {
    return this.recorded(container, 'read', undefined, () =>
      this.inner.read<T>(container, id, partitionKey, options),
    );
  }

  create<T extends DocumentBody>(container: string, document: T, options?: CallOptions) {
    return this.recorded(container, 'create', undefined, () =>
      this.inner.create(container, document, options),
    );
  }

  upsert<T extends DocumentBody>(container: string, document: T, options?: WriteOptions) {
    return this.recorded(container, 'upsert', undefined, () =>
      this.inner.upsert(container, document, options),
    );
  }

  replace<T extends DocumentBody>(container: string, document: T, options?: WriteOptions) {
    return this.recorded(container, 'replace', undefined, () =>
      this.inner.replace(container, document, options),
    );
  }

  delete(container: string, id: string, partitionKey: PartitionKeyValue, options?: WriteOptions) {
    return this.recorded(container, 'delete', undefined, () =>
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
    return this.recorded(container, 'patch', undefined, () =>
      this.inner.patch<T>(container, id, partitionKey, operations, options),
    );
  }

  async query<T = StoredDocument>(
    container: string,
    query: SqlQuery,
    options: QueryOptions = {},
  ): Promise<QueryPage<T>> {
    const shape = queryShape(query.query);
    const partitionScoped = options.partitionKey !== undefined;
    if (!this.advisor?.claimSample(container, shape)) {
      return this.recorded(container, 'query', shape, () => this.inner.query<T>(container, query, options));
    }
    if (this.inner.backend !== 'cosmos') {
      this.advisor.recordQueryPlan(container, shape, query.query, partitionScoped);
      return this.recorded(container, 'query', shape, () => this.inner.query<T>(container, query, options));
    }
    // A sampled Cosmos DB query also brings back its index metrics (at a small extra charge, once per
    // shape per interval).
    const page = await this.recorded(container, 'query', shape, () =>
      this.inner.query<T>(container, query, { ...options, populateIndexMetrics: true }),
    );
    if (page.indexMetrics) {
      this.advisor.recordIndexMetrics(container, shape, page.indexMetrics, partitionScoped);
    }
    return page;
  }

  batch(
    container: string,
    partitionKey: PartitionKeyValue,
    operations: BatchOperation[],
    options?: CallOptions,
  ): Promise<BatchResponse> {
    return this.recorded(container, 'batch', undefined, () =>
      this.inner.batch(container, partitionKey, operations, options),
    );
  }

  bulk(container: string, operations: BulkOperation[], options?: BulkOptions): Promise<BulkResponse> {
    return this.recorded(container, 'bulk', undefined, () => this.inner.bulk(container, operations, options));
  }

  checkHealth(): Promise<StoreHealth> {
    return this.inner.checkHealth();
  }

  async reconnect(): Promise<void> {
    await this.inner.reconnect?.();
  }

  async dispose(): Promise<void> {
    // The last flush needs the store, so it runs before the store closes; a failure is logged by the flusher.
    await this.flusher?.stop();
    await this.inner.dispose();
  }

  private async recorded<R extends { stats: OperationStats }>(
    container: string,
    operation: UsageOperation,
    shape: string | undefined,
    call: () => Promise<R>,
  ): Promise<R> {
    const started = performance.now();
    try {
      const result = await call();
      const stats = result.stats;
      this.recorder.record({
        container,
        operation,
        shape,
        outcome: 'ok',
        requestCharge: stats.requestCharge,
        durationMs: stats.durationMs,
        itemCount: stats.itemCount,
        throttled: stats.throttled ?? 0,
      });
      return result;
    } catch (error) {
      const outcome = outcomeOf(error);
      this.recorder.record({
        container,
        operation,
        shape,
        outcome,
        // A failed call's charge is not reported to the caller; Cosmos DB bills failed requests little.
        requestCharge: 0,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        itemCount: 0,
        throttled: outcome === 'THROTTLED' ? 1 : 0,
      });
      throw error;
    }
  }
}
