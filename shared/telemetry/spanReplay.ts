// A kept invocation, as the request thread recorded it (invocationRecorder.ts), made into OpenTelemetry spans
// and items on the telemetry thread: the request span, its store calls and Azure SDK calls as child spans,
// and its exceptions and events in its operation. Spans are made after the fact, with the recorded times.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { SAMPLE_RATE_ATTRIBUTE } from './requestSampler';
import type {
  AzureSdkSpanRecord,
  EventRecord,
  ExceptionRecord,
  InvocationTelemetry,
  StoreDependencyRecord,
  StoreIdentity,
} from './telemetryMessages';

/** What the SDK client does with the items that are not spans. */
export interface ItemTracker {
  trackException(exception: ExceptionRecord): void;
  trackEvent(event: EventRecord): void;
}

const SPAN_KINDS: Record<AzureSdkSpanRecord['kind'], SpanKind> = {
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

// The store answered, and the answer is the caller's to handle (no such item, a conflict, a stale ETag):
// the dependency succeeded. Throttling, timeouts, an open breaker and server faults are failures.
function succeeded(outcome: string): boolean {
  return outcome === 'ok' || !/^(STORE_|THROTTLED$|INTERNAL_ERROR$)/.test(outcome);
}

// A dependency named "read tasks", "query tasks"; type cosmosdb or SQL; target the account host and
// database; data the query shape or the resource path, never a value.
function replayStoreCall(
  tracer: Tracer,
  parent: Context,
  store: StoreIdentity,
  call: StoreDependencyRecord,
  sampleRate: number,
): void {
  const attributes: Attributes = {
    'db.system': store.system,
    'db.name': store.database,
    'db.operation': call.operation,
    container: call.container,
    outcome: call.outcome,
    requestCharge: call.requestCharge,
    itemCount: call.itemCount,
    // A query's shape; for a point operation the Cosmos DB resource it addresses (the container's
    // documents, not the id: an id is a value).
    'db.statement': call.shape || `/dbs/${store.database}/colls/${call.container}/docs`,
  };
  if (store.host) attributes['net.peer.name'] = store.host;
  if (call.throttled) attributes.throttled = call.throttled;
  // The request's sample rate, so that its dependencies count as many calls as the request counts requests.
  if (sampleRate < 100) attributes[SAMPLE_RATE_ATTRIBUTE] = sampleRate;
  const span = tracer.startSpan(
    `${call.operation} ${call.container}`,
    { kind: SpanKind.CLIENT, startTime: call.startedAt, attributes },
    parent,
  );
  span.setStatus({ code: succeeded(call.outcome) ? SpanStatusCode.OK : SpanStatusCode.ERROR });
  span.end(call.endedAt);
}

// Parents first (ids follow start order), each under its recorded parent or the request.
function replayAzureSdkSpans(tracer: Tracer, request: Context, spans: AzureSdkSpanRecord[]): void {
  const contexts = new Map<number, Context>([[0, request]]);
  for (const record of [...spans].sort((a, b) => a.id - b.id)) {
    const parent = contexts.get(record.parentId) ?? request;
    const span = tracer.startSpan(
      record.name,
      { kind: SPAN_KINDS[record.kind], startTime: record.startedAt, attributes: record.attributes },
      parent,
    );
    span.setStatus({ code: record.failed ? SpanStatusCode.ERROR : SpanStatusCode.OK });
    span.end(record.endedAt);
    contexts.set(record.id, trace.setSpan(parent, span));
  }
}

/**
 * Sends one kept invocation: a SERVER span (a request item) in the invocation's trace, with its recorded
 * attributes, status and sample rate; its store calls and Azure SDK calls as dependencies; its exceptions
 * and events with its operation id. When the SDK's own sampler leaves the span out (OTEL_TRACES_SAMPLER),
 * the children go with it; exceptions and events are still sent.
 */
export function replayInvocation(
  tracer: Tracer,
  items: ItemTracker,
  store: StoreIdentity,
  invocation: InvocationTelemetry,
): void {
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: invocation.traceId,
    spanId: invocation.parentSpanId,
    traceFlags: invocation.traceFlags,
    isRemote: true,
  });
  const attributes: Attributes = { ...invocation.attributes };
  if (invocation.status !== undefined) attributes['http.response.status_code'] = invocation.status;
  if (invocation.sampleRate < 100) attributes[SAMPLE_RATE_ATTRIBUTE] = invocation.sampleRate;
  const span = tracer.startSpan(
    invocation.name,
    { kind: SpanKind.SERVER, startTime: invocation.startedAt, attributes },
    parent,
  );
  const request = trace.setSpan(parent, span);
  if (span.isRecording()) {
    for (const call of invocation.dependencies) {
      replayStoreCall(tracer, request, store, call, invocation.sampleRate);
    }
    replayAzureSdkSpans(tracer, request, invocation.azureSdkSpans);
  }
  context.with(request, () => {
    for (const exception of invocation.exceptions) items.trackException(exception);
    for (const event of invocation.events) items.trackEvent(event);
  });
  span.setStatus({ code: invocation.success ? SpanStatusCode.OK : SpanStatusCode.ERROR });
  span.end(invocation.endedAt);
}
