// A dependency item per store call, for Application Insights. Loaded only by appInsightsPipeline.ts (when a
// connection string is set): it imports the OpenTelemetry API.
//
// Why not the SDK's HTTP instrumentation: it wraps every outgoing request and each of its sockets' events
// whether or not the request is sampled, which measured about 1 ms of CPU per GET /api/tasks/{id} on the
// Cosmos DB test server (a fifth of the throughput); and @azure/cosmos 4.x makes no Azure SDK spans of its
// own. Here a dependency costs nothing for the requests the sampler leaves out, and says more for the ones
// it keeps: container, operation, query shape, request charge, items and outcome.
import { SpanKind, SpanStatusCode, context, trace, type Attributes } from '@opentelemetry/api';
import { observeStoreCalls, type UsageEvent } from '../usage/usageRecorder';
import { SAMPLE_RATE_KEY, anyRecordingInvocation } from './invocationSpans';
import { SAMPLE_RATE_ATTRIBUTE } from './requestSampler';

/** What every store dependency names: the database system, the account host and the database. */
export interface StoreIdentity {
  /** OpenTelemetry's db.system: cosmosdb, or sqlite for the local store. */
  system: 'cosmosdb' | 'sqlite';
  /** The Cosmos DB account host (xyz.documents.azure.com); none for the local store. */
  host: string | undefined;
  database: string;
}

// The store answered, and the answer is the caller's to handle (no such item, a conflict, a stale ETag):
// the dependency succeeded. Throttling, timeouts, an open breaker and server faults are failures.
function succeeded(outcome: string): boolean {
  return outcome === 'ok' || !/^(STORE_|THROTTLED$|INTERNAL_ERROR$)/.test(outcome);
}

/**
 * Makes every store call that runs inside a sampled request a dependency of that request (name
 * "read tasks", "query tasks"; type cosmosdb or SQL; target the account host and database; data the query
 * shape or the resource path, never a value), timed as the usage recorder timed it. Query-cache hits are not store calls and are
 * not sent. Returns the function that stops it.
 */
export function recordStoreDependencies(store: StoreIdentity): () => void {
  const tracer = trace.getTracer('lifetracker');
  return observeStoreCalls((event: UsageEvent, at: number) => {
    if (event.outcome === 'cached') return;
    // Only inside a request the sampler kept: while none runs (the common case) that is one comparison;
    // otherwise one context lookup tells whether this call is one of theirs.
    if (!anyRecordingInvocation()) return;
    const active = context.active();
    if (!trace.getSpan(active)?.isRecording()) return;
    const attributes: Attributes = {
      'db.system': store.system,
      'db.name': store.database,
      'db.operation': event.operation,
      container: event.container,
      outcome: event.outcome,
      requestCharge: event.requestCharge,
      itemCount: event.itemCount,
    };
    if (store.host) attributes['net.peer.name'] = store.host;
    // A query's shape; for a point operation the Cosmos DB resource it addresses (the container's documents,
    // not the id: an id is a value).
    attributes['db.statement'] = event.shape || `/dbs/${store.database}/colls/${event.container}/docs`;
    if (event.throttled) attributes.throttled = event.throttled;
    // The request's sample rate, so that its dependencies count as many calls as the request counts requests.
    const sampleRate = active.getValue(SAMPLE_RATE_KEY);
    if (typeof sampleRate === 'number' && sampleRate < 100) attributes[SAMPLE_RATE_ATTRIBUTE] = sampleRate;
    const span = tracer.startSpan(`${event.operation} ${event.container}`, {
      kind: SpanKind.CLIENT,
      startTime: at - event.durationMs,
      attributes,
    });
    span.setStatus({ code: succeeded(event.outcome) ? SpanStatusCode.OK : SpanStatusCode.ERROR });
    span.end(at);
  });
}
