// The DocumentStore port: everything the repositories may ask of a document database. Two adapters
// implement it (cosmos, local); repositories speak Cosmos SQL with parameters and never learn which runs.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The value of a document's partition key property (Cosmos accepts these JSON scalars). */
export type PartitionKeyValue = string | number | boolean | null;

/** Fields the store maintains on every stored document. */
export interface SystemFields {
  /** Opaque version tag; pass it back as ifMatch for optimistic concurrency. */
  _etag: string;
  /** Last-modified time, epoch seconds. */
  _ts: number;
  /** Store-assigned resource id. */
  _rid?: string;
}

/** A document body: a JSON object with a string id. */
export interface DocumentBody {
  id: string;
  [key: string]: unknown;
}

export type StoredDocument<T extends DocumentBody = DocumentBody> = T & SystemFields;

/** What every store call costs: request units, wall time and the number of items it returned or wrote. */
export interface OperationStats {
  requestCharge: number;
  durationMs: number;
  itemCount: number;
  /** Throttled (429) responses the call met and the SDK retried by itself; absent when none. */
  throttled?: number;
}

export interface StoreResponse<T> {
  resource: T;
  stats: OperationStats;
}

/** Options every call accepts. Adapters without a network (the local store) may ignore them. */
export interface CallOptions {
  /**
   * Aborts the call: the adapter stops waiting and stops its own retries (the Cosmos SDK retries a
   * timed-out read up to 120 times by itself). Whether an aborted write landed is unknown, as after a
   * timeout.
   */
  signal?: AbortSignal;
}

export interface WriteOptions extends CallOptions {
  /** Only write when the stored document's _etag equals this value (412 PRECONDITION_FAILED otherwise). */
  ifMatch?: string;
}

export interface SqlParameter {
  name: string;
  value: JsonValue;
}

/** A Cosmos SQL query; values always travel as parameters, never inside the text. */
export interface SqlQuery {
  query: string;
  parameters?: SqlParameter[];
}

export interface QueryOptions extends CallOptions {
  /** Scope the query to one partition. Omit for a cross-partition query. */
  partitionKey?: PartitionKeyValue;
  /** Page size; omit to read every result in one call. */
  maxItemCount?: number;
  /** Token from a previous page of the same query. */
  continuationToken?: string;
  /**
   * How long this query's result may be served from the instance's query cache (partition-scoped queries
   * only); 0 never caches it. Omit for the QUERY_CACHE_TTL_MS default.
   */
  cacheTtlMs?: number;
  /** Ask Cosmos DB which indexes the query used and which would help (index advice sampling). */
  populateIndexMetrics?: boolean;
}

export interface QueryPage<T> {
  items: T[];
  /** Null when there are no more results. */
  continuationToken: string | null;
  stats: OperationStats;
  /** Cosmos DB's index utilisation for the query, when populateIndexMetrics was asked and the server answered. */
  indexMetrics?: IndexMetrics;
}

/** An index as Cosmos DB's index metrics name it: one path ("/name/?") or a composite ("/userId ASC", ...). */
export interface IndexUse {
  kind: 'single' | 'composite';
  paths: string[];
  /** Cosmos DB's estimate of how much the index matters: High or Low. */
  impact?: string;
}

/** Which indexes a query used and which Cosmos DB says would serve it better. */
export interface IndexMetrics {
  utilized: IndexUse[];
  potential: IndexUse[];
}

/** Partial update operations (Cosmos patch semantics; paths are JSON Pointers such as "/status"). */
export type PatchOperation =
  | { op: 'set' | 'add' | 'replace'; path: string; value: JsonValue }
  | { op: 'incr'; path: string; value: number }
  | { op: 'remove'; path: string };

/** One operation of a transactional batch; every operation targets the batch's partition. */
export type BatchOperation =
  | { operationType: 'Create'; resourceBody: DocumentBody }
  | { operationType: 'Upsert'; resourceBody: DocumentBody; ifMatch?: string }
  | { operationType: 'Replace'; id: string; resourceBody: DocumentBody; ifMatch?: string }
  | { operationType: 'Delete'; id: string; ifMatch?: string }
  | { operationType: 'Read'; id: string }
  | { operationType: 'Patch'; id: string; operations: PatchOperation[]; ifMatch?: string };

export interface BatchOperationResult {
  /** HTTP-style status of this operation; 424 marks an operation rolled back because another failed. */
  statusCode: number;
  resource?: StoredDocument;
  etag?: string;
}

export interface BatchResponse {
  /** True when every operation succeeded and the batch committed. */
  succeeded: boolean;
  results: BatchOperationResult[];
  stats: OperationStats;
}

export const MAX_BATCH_OPERATIONS = 100;

/** One operation of a bulk call; unlike a batch, each names its own partition. */
export type BulkOperation =
  | { operationType: 'Create'; partitionKey: PartitionKeyValue; resourceBody: DocumentBody }
  | { operationType: 'Upsert'; partitionKey: PartitionKeyValue; resourceBody: DocumentBody; ifMatch?: string }
  | {
      operationType: 'Replace';
      partitionKey: PartitionKeyValue;
      id: string;
      resourceBody: DocumentBody;
      ifMatch?: string;
    }
  | { operationType: 'Delete'; partitionKey: PartitionKeyValue; id: string; ifMatch?: string }
  | { operationType: 'Read'; partitionKey: PartitionKeyValue; id: string };

export interface BulkOptions extends CallOptions {
  /**
   * All or nothing per transactional batch: operations are grouped by partition and sent in batches of
   * at most 100 that each commit or fail as a whole (a failed batch's other operations report 424).
   * Default false: every operation succeeds or fails on its own.
   */
  atomic?: boolean;
  /**
   * Epoch milliseconds after which throttled operations are no longer re-sent but reported 429 THROTTLED.
   * A caller with a deadline of its own sets it inside that deadline, so throttling ends as per-item 429s
   * (the store answered) rather than as a timeout (which would count as an outage). Default: the adapter's
   * own bounded number of rounds.
   */
  throttleDeadline?: number;
}

export interface BulkOperationResult {
  /** HTTP-style status of this operation (201 created, 200 ok, 204 deleted, 409, 412, 404, 424, 429 ...). */
  statusCode: number;
  resource?: StoredDocument;
  etag?: string;
  /** Stable code of a failure (CONFLICT, PRECONDITION_FAILED, NOT_FOUND, THROTTLED, ...). */
  code?: string;
}

export interface BulkResponse {
  /** One result per operation, in input order. */
  results: BulkOperationResult[];
  /**
   * Totals over the bulk call: requestCharge summed over its operations and batches, itemCount the
   * operations that succeeded. throttled counts the throttled (429) answers the adapter saw, each request
   * once, including the SDK's own retries of point requests and batches; the SDK's bulk executor retries a
   * throttled operation without leaving any record, so on that path only 429s outliving its retries count.
   */
  stats: OperationStats & { throttled: number };
}

export interface ContainerHealth {
  name: string;
  ok: boolean;
  error?: string;
}

export interface StoreHealth {
  ok: boolean;
  backend: DataBackendName;
  latencyMs: number;
  containers: ContainerHealth[];
  error?: string;
  /** Present when the store is guarded by a circuit breaker. */
  breaker?: { state: 'closed' | 'open' | 'half-open'; lastFailure?: { code: string; at: string } };
}

export type DataBackendName = 'cosmos' | 'local';

/** The data-access port both adapters implement. Containers are named as in infra/containers.json. */
export interface DocumentStore {
  readonly backend: DataBackendName;

  /** Makes the catalogue's containers ready: creates them where the store may, verifies them where it may not. */
  initialize(): Promise<void>;

  /** Point read by id and partition key; resource is undefined when the document does not exist. */
  read<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T> | undefined>>;

  /** Creates a document; 409 CONFLICT when the id exists in that partition. */
  create<T extends DocumentBody>(
    container: string,
    document: T,
    options?: CallOptions,
  ): Promise<StoreResponse<StoredDocument<T>>>;

  /** Creates or replaces a document. */
  upsert<T extends DocumentBody>(
    container: string,
    document: T,
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>>;

  /** Replaces an existing document; 404 when it does not exist. */
  replace<T extends DocumentBody>(
    container: string,
    document: T,
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>>;

  /** Deletes a document; 404 when it does not exist. */
  delete(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    options?: WriteOptions,
  ): Promise<StoreResponse<undefined>>;

  /** Applies partial updates atomically; at most 10 operations, as in Cosmos DB. */
  patch<T extends DocumentBody = DocumentBody>(
    container: string,
    id: string,
    partitionKey: PartitionKeyValue,
    operations: PatchOperation[],
    options?: WriteOptions,
  ): Promise<StoreResponse<StoredDocument<T>>>;

  /** Runs a parameterised Cosmos SQL query, one page at a time when maxItemCount is set. */
  query<T = StoredDocument>(
    container: string,
    query: SqlQuery,
    options?: QueryOptions,
  ): Promise<QueryPage<T>>;

  /** Runs up to 100 operations in one partition, all or nothing. */
  batch(
    container: string,
    partitionKey: PartitionKeyValue,
    operations: BatchOperation[],
    options?: CallOptions,
  ): Promise<BatchResponse>;

  /**
   * Runs many operations across partitions, grouped by partition, with one result per operation (partial
   * failures, invalid operations included, are reported per item, never thrown). Throttled operations are
   * retried with back-off, then reported 429 THROTTLED. Throws only when the call as a whole fails: an
   * unknown container, or a store that gave a verdict on no operation at all (an outage).
   */
  bulk(container: string, operations: BulkOperation[], options?: BulkOptions): Promise<BulkResponse>;

  /** Checks the store can serve requests: reachable, and every catalogue container present. */
  checkHealth(): Promise<StoreHealth>;

  /** Drops and rebuilds connections; for repeated connection failures, never per request. Optional. */
  reconnect?(): Promise<void>;

  /** Releases connections and file handles. */
  dispose(): Promise<void>;
}
