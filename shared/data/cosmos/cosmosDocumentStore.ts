import type {
  Container,
  CosmosClient,
  Database,
  FeedOptions,
  RequestOptions,
  SqlQuerySpec,
} from '@azure/cosmos';
import { parseIndexMetrics } from './indexMetrics';
import { getContainer, type ContainerDefinition } from '../catalogue';
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
} from '../documentStore';
import { AppError } from '../../errors/appError';
import { invalidStoreRequest } from '../../errors/storeErrors';
import { batchSucceeded, toBatchResult, toSdkBatch } from './batchOperations';
import {
  BulkOutageError,
  DEFAULT_COSMOS_BULK_POLICY,
  runCosmosBulk,
  type CosmosBulkPolicy,
} from './cosmosBulk';
import {
  leaseCosmosClient,
  type CosmosClientDependencies,
  type CosmosClientLease,
} from './cosmosClientRegistry';
import { mapCosmosError } from './cosmosErrorMapper';
import { probeHealth } from './cosmosHealth';
import type { CosmosSettings } from './cosmosSettings';
import { assertValidId } from '../documentRules';
import { partitionKeyOf } from '../partitionKey';
import { writableBody } from './documents';
import { chargeFromHeaders, OperationTimer } from './operationStats';
import { toSdkPatch } from './patchOperations';
import { createCatalogue, verifyCatalogue } from './provisioning';

type Operation<R> = (
  container: Container,
  definition: ContainerDefinition,
  timer: OperationTimer,
) => Promise<R>;

// The caller's signal goes to the SDK, which then stops its own retries too: without it a call the caller
// abandoned (a resilience timeout) keeps retrying in the background, up to 120 times for a timed-out read.
function callOptions(options: CallOptions | undefined): RequestOptions {
  return options?.signal === undefined ? {} : { abortSignal: options.signal };
}

function accessCondition(options: WriteOptions | undefined): RequestOptions {
  // Optimistic concurrency: Cosmos compares the stored _etag and answers 412 when it moved on.
  return {
    ...callOptions(options),
    ...(options?.ifMatch === undefined
      ? {}
      : { accessCondition: { type: 'IfMatch', condition: options.ifMatch } }),
  };
}

function requireResource<T>(resource: T | undefined, operation: string): T {
  if (resource === undefined) {
    throw new AppError(`Cosmos DB returned no document for a successful ${operation}.`, {
      code: 'STORE_ERROR',
      category: 'DATA',
      status: 500,
    });
  }
  return resource;
}

function idOf(document: unknown): string | undefined {
  const id =
    typeof document === 'object' && document !== null ? (document as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

// The SDK's indexMetrics getter decodes a header that is only there when it was asked for.
function indexMetricsOf(
  options: QueryOptions,
  read: () => string | undefined,
): Pick<QueryPage<unknown>, 'indexMetrics'> {
  if (!options.populateIndexMetrics) return {};
  const metrics = parseIndexMetrics(read());
  return metrics ? { indexMetrics: metrics } : {};
}

/** The DocumentStore adapter over Azure Cosmos DB (NoSQL API) with the one process-wide CosmosClient. */
export class CosmosDocumentStore implements DocumentStore {
  readonly backend = 'cosmos' as const;
  private readonly lease: CosmosClientLease;
  // Container references are cheap but not free (URL building, per-container caches in the SDK); one per
  // container per store, reused by every call.
  private readonly containers = new Map<string, Container>();
  private containersClient: CosmosClient | undefined;
  private disposed = false;
  private readonly bulkPolicy: CosmosBulkPolicy;

  constructor(
    private readonly settings: CosmosSettings,
    dependencies: CosmosClientDependencies = {},
    bulkPolicy: Partial<CosmosBulkPolicy> = {},
  ) {
    this.bulkPolicy = { ...DEFAULT_COSMOS_BULK_POLICY, ...bulkPolicy };
    if (!settings.endpoint) {
      throw new AppError('The Cosmos DB store needs COSMOS_ENDPOINT.', {
        code: 'STORE_NOT_CONFIGURED',
        category: 'DATA',
        status: 500,
      });
    }
    // A lease, not a client: nothing connects until the first call (cold starts stay cheap).
    this.lease = leaseCosmosClient(settings, dependencies);
  }

  /** The process CosmosClient this store uses, shared with every store of equal settings (diagnostics, tests). */
  cosmosClient(): Promise<CosmosClient> {
    return this.lease.client();
  }

  private async database(): Promise<Database> {
    return (await this.lease.client()).database(this.settings.database);
  }

  // The cached references belong to one client: after a recycle (by this store or another on the same
  // client) they are rebuilt on the new one.
  private containerRef(client: CosmosClient, definition: ContainerDefinition): Container {
    if (client !== this.containersClient) {
      this.containers.clear();
      this.containersClient = client;
    }
    let ref = this.containers.get(definition.name);
    if (!ref) {
      ref = client.database(this.settings.database).container(definition.name);
      this.containers.set(definition.name, ref);
    }
    return ref;
  }

  /** Runs one store call: resolves the container from the catalogue and maps any failure to an AppError. */
  private async run<R>(
    operation: string,
    containerName: string,
    id: string | undefined,
    work: Operation<R>,
  ): Promise<R> {
    const timer = new OperationTimer();
    try {
      const definition = getContainer(containerName);
      // Once the client exists (every call after the first) it is taken as it is, not awaited: a wait for a
      // promise that resolved long ago would still cost every call a turn. A disposed store has no ready
      // client, so it still fails through client().
      const client = this.lease.ready() ?? (await this.lease.client());
      return await work(this.containerRef(client, definition), definition, timer);
    } catch (error) {
      throw mapCosmosError(error, { operation, container: containerName, id, secrets: this.lease.secrets() });
    }
  }

  /** Creates (emulator, test server) or verifies (Azure) the database and every catalogue container. */
  async initialize(): Promise<void> {
    try {
      const client = await this.lease.client();
      if (this.settings.provisioning === 'create') await createCatalogue(client, this.settings.database);
      else await verifyCatalogue(client.database(this.settings.database));
    } catch (error) {
      throw mapCosmosError(error, { operation: 'initialize', secrets: this.lease.secrets() });
    }
  }

  /** Point read; a missing document resolves to undefined (Cosmos answers 404, the SDK does not throw). */
  read<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T> | undefined>> {
    return this.run('read', container, id, async (c, _definition, timer) => {
      assertValidId(id);
      const response = await c.item(id, partitionKey).read<StoredDocument<T>>(callOptions(options));
      const resource = response.statusCode === 404 ? undefined : response.resource;
      return { resource, stats: timer.stats(response.requestCharge, resource ? 1 : 0, response.diagnostics) };
    });
  }

  /** Creates a document; 409 CONFLICT when the id exists in that partition. */
  create<T extends DocumentBody>(
    container: string,
    document: T,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.run('create', container, idOf(document), async (c, definition, timer) => {
      const body = writableBody(document);
      partitionKeyOf(definition, body);
      // No automatic ids: the SDK would turn an empty id into a random UUID instead of refusing it.
      const response = await c.items.create(body, {
        disableAutomaticIdGeneration: true,
        ...callOptions(options),
      });
      const resource = requireResource(response.resource, 'create') as unknown as StoredDocument<T>;
      return { resource, stats: timer.stats(response.requestCharge, 1, response.diagnostics) };
    });
  }

  /** Creates or replaces a document; with ifMatch only replaces that version. */
  upsert<T extends DocumentBody>(
    container: string,
    document: T,
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.run('upsert', container, idOf(document), async (c, definition, timer) => {
      const body = writableBody(document);
      partitionKeyOf(definition, body);
      const response = await c.items.upsert(body, {
        disableAutomaticIdGeneration: true,
        ...accessCondition(options),
      });
      const resource = requireResource(response.resource, 'upsert') as unknown as StoredDocument<T>;
      return { resource, stats: timer.stats(response.requestCharge, 1, response.diagnostics) };
    });
  }

  /** Replaces an existing document; 404 when it does not exist, 412 when ifMatch is stale. */
  replace<T extends DocumentBody>(
    container: string,
    document: T,
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.run('replace', container, idOf(document), async (c, definition, timer) => {
      const body = writableBody(document);
      const response = await c
        .item(body.id, partitionKeyOf(definition, body))
        .replace(body, accessCondition(options));
      const resource = requireResource(response.resource, 'replace') as unknown as StoredDocument<T>;
      return { resource, stats: timer.stats(response.requestCharge, 1, response.diagnostics) };
    });
  }

  /** Deletes a document; 404 when it does not exist, 412 when ifMatch is stale. */
  delete(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: WriteOptions,
  ): Promise<StoreResponse<undefined>> {
    return this.run('delete', container, id, async (c, _definition, timer) => {
      assertValidId(id);
      const response = await c.item(id, partitionKey).delete(accessCondition(options));
      return { resource: undefined, stats: timer.stats(response.requestCharge, 1, response.diagnostics) };
    });
  }

  /** Partial update, applied atomically by Cosmos DB; at most 10 operations. */
  patch<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    operations: PatchOperation[],
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>> {
    return this.run('patch', container, id, async (c, definition, timer) => {
      assertValidId(id);
      const body = toSdkPatch(definition, operations);
      const response = await c.item(id, partitionKey).patch(body, accessCondition(options));
      const resource = requireResource(response.resource, 'patch') as unknown as StoredDocument<T>;
      return { resource, stats: timer.stats(response.requestCharge, 1, response.diagnostics) };
    });
  }

  /**
   * Runs a parameterised query. With maxItemCount: exactly one page (fetchNext) and the token for the
   * next; without: every result (fetchAll). requestCharge is the SDK's total over the pages it fetched.
   */
  query<T = StoredDocument>(
    container: string,
    query: SqlQuery,
    options: QueryOptions = {},
  ): Promise<QueryPage<T>> {
    return this.run('query', container, undefined, async (c, _definition, timer) => {
      const { maxItemCount, continuationToken, partitionKey, signal } = options;
      if (maxItemCount !== undefined && (!Number.isInteger(maxItemCount) || maxItemCount < 1)) {
        throw invalidStoreRequest('maxItemCount must be a positive whole number.', 'INVALID_PAGE_SIZE');
      }
      const feed: FeedOptions = {};
      // null is a real partition key value, so only undefined means "cross-partition".
      if (partitionKey !== undefined) feed.partitionKey = partitionKey;
      if (maxItemCount !== undefined) feed.maxItemCount = maxItemCount;
      if (continuationToken) feed.continuationToken = continuationToken;
      if (signal) feed.abortSignal = signal;
      if (options.populateIndexMetrics) feed.populateIndexMetrics = true;
      const spec: SqlQuerySpec = { query: query.query, parameters: query.parameters ?? [] };
      const iterator = c.items.query<T>(spec, feed);

      if (maxItemCount === undefined) {
        const all = await iterator.fetchAll();
        return {
          items: all.resources,
          continuationToken: null,
          stats: timer.stats(all.requestCharge, all.resources.length, all.diagnostics),
          ...indexMetricsOf(options, () => all.indexMetrics),
        };
      }
      const page = await iterator.fetchNext();
      const next = page.continuationToken ?? null;
      if (next === null && page.hasMoreResults) {
        // Never end a listing early: a query shape the SDK cannot resume must not look like a last page.
        throw invalidStoreRequest(
          'This query cannot be paged with continuation tokens; scope it to one partition or omit maxItemCount.',
          'QUERY_NOT_PAGEABLE',
        );
      }
      return {
        items: page.resources,
        continuationToken: next,
        stats: timer.stats(page.requestCharge, page.resources.length, page.diagnostics),
        ...indexMetricsOf(options, () => page.indexMetrics),
      };
    });
  }

  /** A transactional batch in one partition (Cosmos DB: all or nothing, at most 100 operations). */
  batch(
    container: string,
    partitionKey: PartitionKeyValue,
    operations: BatchOperation[],
    options?: CallOptions,
  ): Promise<BatchResponse> {
    return this.run('batch', container, undefined, async (c, definition, timer) => {
      const sdkOperations = toSdkBatch(definition, partitionKey, operations);
      const response = await c.items.batch(sdkOperations, partitionKey, callOptions(options));
      const raw = response.result ?? [];
      const results = raw.map(toBatchResult);
      const succeeded = batchSucceeded(operations.length, results, response.code);
      const charge =
        chargeFromHeaders(response.headers) ?? raw.reduce((sum, r) => sum + (r.requestCharge ?? 0), 0);
      const done = results.filter((r) => r.statusCode >= 200 && r.statusCode < 300).length;
      return { succeeded, results, stats: timer.stats(charge, done) };
    });
  }

  /**
   * Many operations across partitions (see cosmosBulk.ts): per-item results, throttling backed off per
   * item; throws only when the call as a whole fails (unknown container, no operation reached Cosmos DB).
   */
  bulk(container: string, operations: BulkOperation[], options?: BulkOptions): Promise<BulkResponse> {
    return this.run('bulk', container, undefined, async (c, definition) => {
      if (!Array.isArray(operations)) {
        throw invalidStoreRequest('Bulk operations must be an array.', 'INVALID_BULK');
      }
      try {
        return await runCosmosBulk(c, definition, operations, options, this.bulkPolicy);
      } catch (error) {
        // The outage's own error, so the mapper sees the status or network code that describes it.
        throw error instanceof BulkOutageError ? error.cause : error;
      }
    });
  }

  /** Reads the database and every catalogue container in parallel; reports, never throws. */
  checkHealth(): Promise<StoreHealth> {
    return probeHealth(() => this.database(), {
      // One round-trip for the SDK's endpoint discovery plus one for the reads themselves.
      deadlineMs: this.settings.requestTimeoutMs * 2,
      secrets: () => this.lease.secrets(),
    });
  }

  /** Rebuilds the process CosmosClient on the next call (after repeated connection failures). */
  async reconnect(): Promise<void> {
    if (this.disposed) return;
    // Container references belong to the old client.
    this.containers.clear();
    await this.lease.recycle();
  }

  /** Gives this store's lease on the process client back; the last store of a client disposes it. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.containers.clear();
    await this.lease.release();
  }
}
