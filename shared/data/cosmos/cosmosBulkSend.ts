import type {
  BulkOperationResult as SdkBulkOperationResult,
  Container,
  CosmosDiagnostics,
  ItemResponse,
  JSONObject,
  OperationInput,
  OperationResponse,
  RequestOptions,
} from '@azure/cosmos';
import type { BulkOperation, DocumentBody, StoredDocument } from '../documentStore';
import { writableBody } from './documents';

// How the operations of a non-atomic bulk call travel to Cosmos DB, and what comes back, in one shape
// whichever way they went.

/** Cosmos DB's answer to one operation. */
export interface Answer {
  statusCode: number;
  requestCharge: number;
  resource?: StoredDocument;
  etag?: string;
  /** What the service asked a throttled operation to wait (x-ms-retry-after-ms); 0 when it did not say. */
  retryAfterMs: number;
  /** The request's activity id; operations sent in one request share it. */
  activityId?: string;
  diagnostics?: CosmosDiagnostics;
  /** The SDK's error, for an operation that failed. */
  error?: unknown;
}

/** Sends operations one way or the other; answers in input order. */
export type Sender = (
  container: Container,
  operations: readonly BulkOperation[],
  signal: AbortSignal | undefined,
) => Promise<Answer[]>;

/**
 * Through the SDK's bulk executor (`executeBulkOperations`): it resolves each operation's partition key
 * range, packs operations into requests of up to 100 per range, adapts its concurrency per range and
 * retries throttled operations (the client's throttling retry options). Its price: it waits for the last,
 * partial request of each range in 1-second ticks, so a call never takes less than about a second.
 */
export const sendThroughBulkExecutor: Sender = async (container, operations, signal) => {
  // Fresh SDK operations every time: the SDK rewrites `partitionKey` on the objects it is given.
  const answers = await container.items.executeBulkOperations(
    operations.map(toSdkOperation),
    requestOptions(signal),
  );
  return operations.map((_, position) => fromBulkResult(answers[position]));
};

/**
 * Each operation as its own point request, `concurrency` at a time (the SDK retries each one's throttling
 * as for any call). For calls too small to be worth the bulk executor's one-second floor.
 */
export function pointSender(concurrency: number): Sender {
  return async (container, operations, signal) => {
    const answers = new Array<Answer>(operations.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let position = next++; position < operations.length; position = next++) {
        answers[position] = await pointOperation(container, operations[position], signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, operations.length) }, lane));
    return answers;
  };
}

async function pointOperation(
  container: Container,
  operation: BulkOperation,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  const options = requestOptions(signal);
  const conditional = (etag: string | undefined): RequestOptions =>
    etag === undefined ? options : { ...options, accessCondition: { type: 'IfMatch', condition: etag } };
  try {
    switch (operation.operationType) {
      case 'Create':
        return fromItemResponse(
          await container.items.create(body(operation.resourceBody), {
            ...options,
            disableAutomaticIdGeneration: true,
          }),
        );
      case 'Upsert':
        return fromItemResponse(
          await container.items.upsert(body(operation.resourceBody), {
            ...conditional(operation.ifMatch),
            disableAutomaticIdGeneration: true,
          }),
        );
      case 'Replace':
        return fromItemResponse(
          await container
            .item(operation.id, operation.partitionKey)
            .replace(body(operation.resourceBody), conditional(operation.ifMatch)),
        );
      case 'Delete':
        return fromItemResponse(
          await container.item(operation.id, operation.partitionKey).delete(conditional(operation.ifMatch)),
        );
      case 'Read':
        // A miss is an answer (statusCode 404), not an error, for a point read.
        return fromItemResponse(await container.item(operation.id, operation.partitionKey).read(options));
    }
  } catch (error) {
    return fromError(error);
  }
}

/** The SDK operation of a (valid) bulk operation; every one names its partition key. */
export function toSdkOperation(operation: BulkOperation): OperationInput {
  const { partitionKey } = operation;
  const condition =
    'ifMatch' in operation && operation.ifMatch !== undefined ? { ifMatch: operation.ifMatch } : {};
  switch (operation.operationType) {
    case 'Create':
      return { operationType: 'Create', partitionKey, resourceBody: body(operation.resourceBody) };
    case 'Upsert':
      return {
        operationType: 'Upsert',
        partitionKey,
        resourceBody: body(operation.resourceBody),
        ...condition,
      };
    case 'Replace':
      return {
        operationType: 'Replace',
        partitionKey,
        id: operation.id,
        resourceBody: body(operation.resourceBody),
        ...condition,
      };
    case 'Delete':
      // The SDK's DeleteOperationInput type lacks ifMatch, but the bulk protocol honours it per operation.
      return { operationType: 'Delete', partitionKey, id: operation.id, ...condition } as OperationInput;
    case 'Read':
      return { operationType: 'Read', partitionKey, id: operation.id };
  }
}

/** One operation of a transactional batch's answer. */
export function fromOperationResponse(response: OperationResponse | undefined): Answer {
  if (!response) return { statusCode: 500, requestCharge: 0, retryAfterMs: 0 };
  return withDocument(
    { statusCode: response.statusCode, requestCharge: response.requestCharge ?? 0, retryAfterMs: 0 },
    response.resourceBody,
    response.eTag,
  );
}

/** An SDK error's status: a number for an answer from the service; none (network, abort) counts as 503. */
export function statusOf(error: unknown): number {
  const code = (error as { code?: unknown } | undefined)?.code;
  const status = typeof code === 'number' ? code : Number(code);
  return Number.isInteger(status) && status >= 400 ? status : 503;
}

/** The request options carrying the caller's signal, so the SDK stops its retries when it aborts. */
export function requestOptions(signal: AbortSignal | undefined): RequestOptions {
  return signal ? { abortSignal: signal } : {};
}

function body(document: DocumentBody): JSONObject {
  // DocumentBody types its values as unknown to keep repository types simple; they are JSON by contract.
  return writableBody(document) as JSONObject & DocumentBody;
}

function fromBulkResult(result: SdkBulkOperationResult | undefined): Answer {
  const response = result?.response;
  if (response) {
    return {
      ...fromOperationResponse(response),
      activityId: response.activityId,
      diagnostics: response.diagnostics,
    };
  }
  return fromError(result?.error ?? new Error('The bulk executor returned no result for an operation.'));
}

function fromItemResponse(response: ItemResponse<JSONObject>): Answer {
  return withDocument(
    {
      statusCode: response.statusCode,
      requestCharge: response.requestCharge ?? 0,
      retryAfterMs: 0,
      activityId: response.activityId,
      diagnostics: response.diagnostics,
    },
    response.statusCode === 404 ? undefined : response.resource,
    response.etag,
  );
}

function fromError(error: unknown): Answer {
  const fields = (error ?? {}) as {
    requestCharge?: unknown;
    retryAfterInMs?: unknown;
    activityId?: unknown;
    diagnostics?: CosmosDiagnostics;
  };
  return {
    statusCode: statusOf(error),
    requestCharge: Number(fields.requestCharge) || 0,
    retryAfterMs: Number(fields.retryAfterInMs) || 0,
    activityId: typeof fields.activityId === 'string' ? fields.activityId : undefined,
    diagnostics: fields.diagnostics,
    error,
  };
}

function withDocument(answer: Answer, resource: JSONObject | undefined, etag: string | undefined): Answer {
  if (answer.statusCode < 200 || answer.statusCode >= 300) return answer;
  const document = resource as unknown as StoredDocument | undefined;
  const version = etag ?? document?._etag;
  return {
    ...answer,
    ...(document ? { resource: document } : {}),
    ...(version ? { etag: version } : {}),
  };
}
