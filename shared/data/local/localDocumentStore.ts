import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ContainerDefinition } from '../catalogue';
import { getContainer, listContainers } from '../catalogue';
import type {
  BatchOperation,
  BatchOperationResult,
  BatchResponse,
  BulkOperation,
  BulkOperationResult,
  BulkOptions,
  BulkResponse,
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
} from '../documentStore';
import { MAX_BATCH_OPERATIONS } from '../documentStore';
import { assertValidId, serialiseDocument, withoutSystemProperties } from '../documentRules';
import { partitionKeyOf, samePartition } from '../partitionKey';
import { AppError, isAppError } from '../../errors/appError';
import {
  documentConflict,
  documentNotFound,
  invalidStoreRequest,
  preconditionFailed,
} from '../../errors/storeErrors';
import { runCosmosSql } from './cosmosSqlEngine';
import { runLocalBulk, type LocalBulkCore } from './localBulk';
import { patchDocument } from './patchDocument';
import { pointReadCharge, queryCharge, writeCharge } from './requestChargeModel';
import { ParsedPartitionCache } from './parsedPartitionCache';
import { openLocalDatabase } from './sqliteDatabase';

export interface LocalStoreOptions {
  dataDir: string;
  sync: 'normal' | 'full';
  /** How often expired (TTL) documents are purged; they are hidden from reads as soon as they expire. */
  expirySweepMs?: number;
}

interface Row {
  seq: number;
  body: string;
  etag: string;
  ts: number;
}

/** A document checked and serialised for writing, with the version fields it will be stored with. */
interface PreparedDocument {
  body: Record<string, unknown>;
  id: string;
  pk: string;
  json: string;
  ts: number;
  etag: string;
  expires: number | null;
}

/** The outcome of one synchronous write, before timing is added. */
interface WriteOutcome {
  document: StoredDocument;
  bytes: number;
  created: boolean;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const newEtag = (): string => `"${randomUUID()}"`;
const keyText = (value: PartitionKeyValue): string => JSON.stringify(value);

/** The _rid of a row: fixed-width so that string order is insertion order (the engine pages in _rid string order). */
const ridOf = (seq: number): string => seq.toString(36).padStart(11, '0');

function materialise<T>(row: Row): T {
  return {
    ...(JSON.parse(row.body) as object),
    _rid: ridOf(row.seq),
    _etag: row.etag,
    _ts: row.ts,
  } as T;
}

function stats(started: number, requestCharge: number, itemCount: number): OperationStats {
  return { requestCharge, durationMs: performance.now() - started, itemCount };
}

/** Seconds-since-epoch at which a document written now expires, by Cosmos DB's TTL rules; null = never. */
function expiryOf(container: ContainerDefinition, body: Record<string, unknown>, ts: number): number | null {
  if (container.defaultTtl === undefined) return null; // TTL off: item ttl values are ignored, as in Cosmos
  const itemTtl = body.ttl;
  if (itemTtl !== undefined) {
    if (typeof itemTtl !== 'number' || !Number.isInteger(itemTtl) || itemTtl === 0 || itemTtl < -1) {
      throw invalidStoreRequest('ttl must be -1 or a positive whole number of seconds.', 'INVALID_TTL');
    }
    return itemTtl === -1 ? null : ts + itemTtl;
  }
  return container.defaultTtl === -1 ? null : ts + container.defaultTtl;
}

/** The embedded DocumentStore: SQLite (WAL) for durability, Cosmos SQL evaluated by @zeit/cosmosdb-query. */
export class LocalDocumentStore implements DocumentStore {
  readonly backend = 'local' as const;
  private readonly db: Database.Database;
  private readonly statements;
  private sweepTimer: NodeJS.Timeout | undefined;
  private generation = 0;
  private readonly parsed = new ParsedPartitionCache();
  private disposed = false;

  constructor(private readonly options: LocalStoreOptions) {
    this.db = openLocalDatabase(options);
    const live = '(expires_at IS NULL OR expires_at > @now)';
    this.statements = {
      get: this.db.prepare<{ container: string; pk: string; id: string; now: number }, Row>(
        `SELECT seq, body, etag, ts FROM documents WHERE container = @container AND pk = @pk AND id = @id AND ${live}`,
      ),
      getAny: this.db.prepare<
        { container: string; pk: string; id: string },
        Row & { expires_at: number | null }
      >(
        'SELECT seq, body, etag, ts, expires_at FROM documents WHERE container = @container AND pk = @pk AND id = @id',
      ),
      insert: this.db.prepare(
        'INSERT INTO documents (container, pk, id, body, etag, ts, expires_at) VALUES (@container, @pk, @id, @body, @etag, @ts, @expires)',
      ),
      update: this.db.prepare(
        'UPDATE documents SET body = @body, etag = @etag, ts = @ts, expires_at = @expires WHERE seq = @seq',
      ),
      deleteSeq: this.db.prepare('DELETE FROM documents WHERE seq = ?'),
      // Expired rows are included and filtered when a query runs, so cached partitions stay valid over time.
      partition: this.db.prepare<{ container: string; pk: string }, Row & { expires_at: number | null }>(
        'SELECT seq, body, etag, ts, expires_at FROM documents WHERE container = @container AND pk = @pk ORDER BY seq',
      ),
      container: this.db.prepare<{ container: string }, Row & { expires_at: number | null }>(
        'SELECT seq, body, etag, ts, expires_at FROM documents WHERE container = @container ORDER BY seq',
      ),
      dataVersion: this.db.prepare('PRAGMA data_version').pluck(),
      purgeExpired: this.db.prepare('DELETE FROM documents WHERE expires_at IS NOT NULL AND expires_at <= ?'),
      registerContainer: this.db.prepare(
        'INSERT INTO containers (name, partition_key_path, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING',
      ),
      containerRows: this.db.prepare<[], { name: string; partition_key_path: string }>(
        'SELECT name, partition_key_path FROM containers',
      ),
    };
  }

  /** Registers the catalogue's containers (the local equivalent of creating them) and starts the TTL sweep. */
  async initialize(): Promise<void> {
    const existing = new Map(this.statements.containerRows.all().map((r) => [r.name, r.partition_key_path]));
    for (const container of listContainers()) {
      const path = container.partitionKey.paths[0];
      const stored = existing.get(container.name);
      if (stored !== undefined && stored !== path) {
        // Cosmos DB cannot change a container's partition key either; silently re-keying would orphan data.
        throw new AppError(
          `Container '${container.name}' is partitioned by ${stored} in the local store but by ${path} in the catalogue; ` +
            'migrate the data or use a fresh DATA_DIR.',
          { code: 'PARTITION_KEY_CHANGED', category: 'DATA', status: 503 },
        );
      }
      this.statements.registerContainer.run(container.name, path, new Date().toISOString());
    }
    this.statements.purgeExpired.run(nowSeconds());
    if (!this.sweepTimer && !this.disposed) {
      this.sweepTimer = setInterval(() => {
        if (!this.disposed) this.statements.purgeExpired.run(nowSeconds());
      }, this.options.expirySweepMs ?? 60_000);
      this.sweepTimer.unref();
    }
  }

  async read<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
  ): Promise<StoreResponse<StoredDocument<T> | undefined>> {
    const started = performance.now();
    getContainer(container);
    const row = this.statements.get.get({ container, pk: keyText(partitionKey), id, now: nowSeconds() });
    const resource = row ? materialise<StoredDocument<T>>(row) : undefined;
    return {
      resource,
      stats: stats(started, pointReadCharge(row ? Buffer.byteLength(row.body) : 0), row ? 1 : 0),
    };
  }

  async create<T extends DocumentBody>(
    container: string,
    document: T,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.timedWrite(() => this.createSync(getContainer(container), document));
  }

  async upsert<T extends DocumentBody>(
    container: string,
    document: T,
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.timedWrite(() => this.upsertSync(getContainer(container), document, options?.ifMatch));
  }

  async replace<T extends DocumentBody>(
    container: string,
    document: T,
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.timedWrite(() =>
      this.replaceSync(getContainer(container), document.id, document, options?.ifMatch),
    );
  }

  async delete(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: WriteOptions,
  ): Promise<StoreResponse<undefined>> {
    const started = performance.now();
    const bytes = this.transaction(() =>
      this.deleteSync(getContainer(container), id, partitionKey, options?.ifMatch),
    );
    return { resource: undefined, stats: stats(started, writeCharge(bytes), 1) };
  }

  async patch<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    operations: PatchOperation[],
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.timedWrite(() =>
      this.patchSync(getContainer(container), id, partitionKey, operations, options?.ifMatch),
    );
  }

  async query<T = StoredDocument>(
    container: string,
    query: SqlQuery,
    options: QueryOptions = {},
  ): Promise<QueryPage<T>> {
    const started = performance.now();
    const definition = getContainer(container);
    if (
      options.maxItemCount !== undefined &&
      (!Number.isInteger(options.maxItemCount) || options.maxItemCount < 1)
    ) {
      throw invalidStoreRequest('maxItemCount must be a positive whole number.', 'INVALID_PAGE_SIZE');
    }
    const now = nowSeconds();
    const scoped = options.partitionKey !== undefined;
    const pk = scoped ? keyText(options.partitionKey as PartitionKeyValue) : '*';
    const documents = this.parsed.documents(
      `${container}|${pk}`,
      { generation: this.generation, dataVersion: this.statements.dataVersion.get() as number },
      now,
      () =>
        (scoped
          ? this.statements.partition.all({ container, pk })
          : this.statements.container.all({ container })
        ).map((row) => ({ document: materialise<Record<string, unknown>>(row), expiresAt: row.expires_at })),
    );
    const result = runCosmosSql(documents, query.query, {
      parameters: query.parameters ?? [],
      compositeIndexes: definition.indexingPolicy.compositeIndexes ?? [],
      scope: `${container}|${pk}`,
      maxItemCount: options.maxItemCount,
      continuationToken: options.continuationToken,
    });
    const returnedBytes = Buffer.byteLength(JSON.stringify(result.items));
    return {
      items: result.items as T[],
      continuationToken: result.continuationToken,
      stats: stats(started, queryCharge(documents.length, returnedBytes), result.items.length),
    };
  }

  async batch(
    container: string,
    partitionKey: PartitionKeyValue,
    operations: BatchOperation[],
  ): Promise<BatchResponse> {
    const started = performance.now();
    const definition = getContainer(container);
    if (operations.length === 0 || operations.length > MAX_BATCH_OPERATIONS) {
      throw invalidStoreRequest(`A batch takes 1 to ${MAX_BATCH_OPERATIONS} operations.`, 'INVALID_BATCH');
    }
    const results: BatchOperationResult[] = [];
    let charge = 0;
    let failedAt = -1;
    try {
      this.transaction(() => {
        operations.forEach((operation, index) => {
          try {
            const { result, requestCharge } = this.batchOperationSync(definition, partitionKey, operation);
            results.push(result);
            charge += requestCharge;
          } catch (error) {
            failedAt = index;
            throw error;
          }
        });
      });
    } catch (error) {
      if (failedAt < 0 || !isAppError(error)) throw error;
      // All or nothing, reported as Cosmos DB does: the failing operation's status, 424 for the rest.
      const failed = operations.map((_, index) => ({ statusCode: index === failedAt ? error.status : 424 }));
      return { succeeded: false, results: failed, stats: stats(started, charge, 0) };
    }
    return { succeeded: true, results, stats: stats(started, charge, results.length) };
  }

  /** Many operations across partitions, one transaction per chunk (see localBulk.ts); signals honoured between chunks. */
  async bulk(container: string, operations: BulkOperation[], options?: BulkOptions): Promise<BulkResponse> {
    const definition = getContainer(container);
    if (!Array.isArray(operations)) {
      throw invalidStoreRequest('Bulk operations must be an array.', 'INVALID_BULK');
    }
    return runLocalBulk(this.bulkCore, definition, operations, options);
  }

  // The bulk engine's view of this store: the very transaction and write paths the single calls use.
  private readonly bulkCore: LocalBulkCore = {
    transaction: (work) => this.transaction(work),
    apply: (definition, operation) => this.bulkOperationSync(definition, operation),
  };

  async checkHealth(): Promise<StoreHealth> {
    const started = performance.now();
    try {
      this.db.prepare('SELECT 1').get();
      const present = new Set(this.statements.containerRows.all().map((r) => r.name));
      const containers = listContainers().map((c) =>
        present.has(c.name)
          ? { name: c.name, ok: true }
          : { name: c.name, ok: false, error: 'not initialised' },
      );
      return {
        ok: containers.every((c) => c.ok),
        backend: 'local',
        latencyMs: performance.now() - started,
        containers,
      };
    } catch (error) {
      return {
        ok: false,
        backend: 'local',
        latencyMs: performance.now() - started,
        containers: [],
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.parsed.clear();
    this.db.close();
  }

  // --- synchronous core: every write runs inside one SQLite transaction --------------------------------

  private transaction<R>(work: () => R): R {
    try {
      return this.db.transaction(work).immediate();
    } finally {
      // Every write runs here: the parsed-partition cache is valid only for the generation it was filled in.
      this.generation += 1;
    }
  }

  private async timedWrite<T extends DocumentBody>(
    write: () => WriteOutcome,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    const started = performance.now();
    const outcome = this.transaction(write);
    return {
      resource: outcome.document as StoredDocument<T>,
      stats: stats(started, writeCharge(outcome.bytes), 1),
    };
  }

  /** The row for a key, removing it first if it has expired (so an expired id behaves as absent). */
  private liveRow(container: string, pk: string, id: string): Row | undefined {
    const row = this.statements.getAny.get({ container, pk, id });
    if (row && row.expires_at !== null && row.expires_at <= nowSeconds()) {
      this.statements.deleteSeq.run(row.seq);
      return undefined;
    }
    return row;
  }

  private prepare(container: ContainerDefinition, document: DocumentBody): PreparedDocument {
    const body = withoutSystemProperties(document as Record<string, unknown>);
    assertValidId(body.id);
    const pk = keyText(partitionKeyOf(container, body));
    const json = serialiseDocument(body);
    const ts = nowSeconds();
    return { body, pk, json, ts, etag: newEtag(), expires: expiryOf(container, body, ts), id: body.id };
  }

  private stored(doc: PreparedDocument, seq: number, created: boolean): WriteOutcome {
    const document = { ...doc.body, _rid: ridOf(seq), _etag: doc.etag, _ts: doc.ts } as StoredDocument;
    return { document, bytes: Buffer.byteLength(doc.json), created };
  }

  private createSync(container: ContainerDefinition, document: DocumentBody): WriteOutcome {
    const doc = this.prepare(container, document);
    if (this.liveRow(container.name, doc.pk, doc.id)) throw documentConflict(container.name, doc.id);
    const { lastInsertRowid } = this.statements.insert.run({
      container: container.name,
      pk: doc.pk,
      id: doc.id,
      body: doc.json,
      etag: doc.etag,
      ts: doc.ts,
      expires: doc.expires,
    });
    return this.stored(doc, Number(lastInsertRowid), true);
  }

  /** The stored version a conditional write applies to: 404 when there is none, 412 when ifMatch names another. */
  private currentVersion(container: string, pk: string, id: string, ifMatch: string | undefined): Row {
    const existing = this.liveRow(container, pk, id);
    if (!existing) throw documentNotFound(container, id);
    if (ifMatch !== undefined && ifMatch !== existing.etag) throw preconditionFailed(container, id);
    return existing;
  }

  private overwrite(doc: PreparedDocument, existing: Row): WriteOutcome {
    this.statements.update.run({
      seq: existing.seq,
      body: doc.json,
      etag: doc.etag,
      ts: doc.ts,
      expires: doc.expires,
    });
    return this.stored(doc, existing.seq, false);
  }

  private upsertSync(container: ContainerDefinition, document: DocumentBody, ifMatch?: string): WriteOutcome {
    const doc = this.prepare(container, document);
    if (!this.liveRow(container.name, doc.pk, doc.id)) {
      // An If-Match names a version; when no version exists the precondition cannot hold.
      if (ifMatch !== undefined) throw preconditionFailed(container.name, doc.id);
      return this.createSync(container, document);
    }
    return this.overwrite(doc, this.currentVersion(container.name, doc.pk, doc.id, ifMatch));
  }

  private replaceSync(
    container: ContainerDefinition,
    id: string,
    document: DocumentBody,
    ifMatch?: string,
  ): WriteOutcome {
    if (document.id !== id) {
      throw invalidStoreRequest(
        `Replace of '${id}' was given a body with id '${document.id}'.`,
        'ID_MISMATCH',
      );
    }
    const doc = this.prepare(container, document);
    return this.overwrite(doc, this.currentVersion(container.name, doc.pk, doc.id, ifMatch));
  }

  private deleteSync(
    container: ContainerDefinition,
    id: string,
    partitionKey: PartitionKeyValue,
    ifMatch?: string,
  ): number {
    const existing = this.currentVersion(container.name, keyText(partitionKey), id, ifMatch);
    this.statements.deleteSeq.run(existing.seq);
    return Buffer.byteLength(existing.body);
  }

  private patchSync(
    container: ContainerDefinition,
    id: string,
    partitionKey: PartitionKeyValue,
    operations: PatchOperation[],
    ifMatch?: string,
  ): WriteOutcome {
    const existing = this.currentVersion(container.name, keyText(partitionKey), id, ifMatch);
    const current = JSON.parse(existing.body) as DocumentBody;
    // The id and partition key are protected, so the patched document stays at the same address.
    const patched = patchDocument(current, operations, ['/id', container.partitionKey.paths[0]]);
    return this.overwrite(this.prepare(container, patched), existing);
  }

  private bulkOperationSync(
    container: ContainerDefinition,
    operation: BulkOperation,
  ): { result: BulkOperationResult; requestCharge: number } {
    // A bulk operation is a batch operation that names its own partition.
    const { partitionKey, ...batchOperation } = operation;
    return this.batchOperationSync(container, partitionKey, batchOperation);
  }

  private batchOperationSync(
    container: ContainerDefinition,
    partitionKey: PartitionKeyValue,
    operation: BatchOperation,
  ): { result: BatchOperationResult; requestCharge: number } {
    const inPartition = (body: DocumentBody): DocumentBody => {
      if (!samePartition(partitionKeyOf(container, body), partitionKey)) {
        throw invalidStoreRequest(
          'Every operation of a batch must target the batch partition key.',
          'INVALID_BATCH',
        );
      }
      return body;
    };
    const written = (outcome: WriteOutcome, statusCode: number) => ({
      result: { statusCode, resource: outcome.document, etag: outcome.document._etag },
      requestCharge: writeCharge(outcome.bytes),
    });
    switch (operation.operationType) {
      case 'Create':
        return written(this.createSync(container, inPartition(operation.resourceBody)), 201);
      case 'Upsert': {
        const outcome = this.upsertSync(container, inPartition(operation.resourceBody), operation.ifMatch);
        return written(outcome, outcome.created ? 201 : 200);
      }
      case 'Replace':
        return written(
          this.replaceSync(container, operation.id, inPartition(operation.resourceBody), operation.ifMatch),
          200,
        );
      case 'Patch':
        return written(
          this.patchSync(container, operation.id, partitionKey, operation.operations, operation.ifMatch),
          200,
        );
      case 'Delete': {
        const bytes = this.deleteSync(container, operation.id, partitionKey, operation.ifMatch);
        return { result: { statusCode: 204 }, requestCharge: writeCharge(bytes) };
      }
      case 'Read': {
        const row = this.liveRow(container.name, keyText(partitionKey), operation.id);
        if (!row) throw documentNotFound(container.name, operation.id);
        const resource = materialise<StoredDocument>(row);
        return {
          result: { statusCode: 200, resource, etag: resource._etag },
          requestCharge: pointReadCharge(row.body.length),
        };
      }
      default:
        throw invalidStoreRequest(
          `Unknown batch operation '${(operation as { operationType: string }).operationType}'.`,
          'INVALID_BATCH',
        );
    }
  }
}
