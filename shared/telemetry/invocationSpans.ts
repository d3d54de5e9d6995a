// The request span of each invocation, for Application Insights. Loaded only by appInsightsPipeline.ts,
// that is only when a connection string is set: it imports the OpenTelemetry API.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { InvocationRecord, InvocationSpan, InvocationTracer } from './invocationTelemetry';
import { REQUEST_DIMENSIONS } from './telemetryNames';
import { traceIdsFor } from './traceIds';

/** Sends an exception item; the pipeline's trackException. */
export type ExceptionTracker = (error: unknown, properties: Record<string, string>) => void;

const TRACER_NAME = 'lifetracker';

// A function key in the query string (?code=) is a secret: it never reaches telemetry.
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.searchParams.has('code')) parsed.searchParams.set('code', 'REDACTED');
    return parsed.toString();
  } catch {
    return '';
  }
}

// Under the Functions host the SDK's pre-invocation hook has already made the host's trace context active:
// the span joins the host's operation. Elsewhere (the local runner) the trace comes from traceIdsFor.
function parentContext(correlationId: string, traceparent: string | null | undefined): Context {
  const active = context.active();
  const host = trace.getSpan(active)?.spanContext();
  if (host && trace.isSpanContextValid(host)) return active;
  const ids = traceIdsFor(correlationId, traceparent);
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: ids.traceId,
    spanId: ids.parentSpanId,
    traceFlags: ids.traceFlags,
    isRemote: true,
  });
}

// A request the sampler left out sends nothing, so it gets nothing more than the sampler's decision: its
// work does not run in the span's context (which would make OpenTelemetry's context storage follow every
// promise of the request, measured at a few microseconds per request) and no attribute is set. Store calls
// inside it see no recording span and record no dependency; an Azure SDK call inside it (a report route's
// Blob Storage read) starts its own trace, which the sampler judges at its own rate. An exception is still
// sent, in the span's trace.
function sampledOut(span: Span, parent: Context, trackException: ExceptionTracker): InvocationSpan {
  return {
    run: (work) => work(),
    end: (record: InvocationRecord) => {
      if (record.error !== undefined) {
        context.with(trace.setSpan(parent, span), () =>
          trackException(record.error, {
            correlationId: record.correlationId,
            invocationId: record.invocationId,
            operation: record.operation,
          }),
        );
      }
      span.end();
    },
  };
}

/**
 * One SERVER span per invocation, started before the handler runs and made the active context for it, so
 * every dependency the SDK instruments during the invocation (Cosmos DB and Blob Storage over HTTP) is its
 * child. It becomes a request item: for HTTP functions named "GET tasks/{id}" (method and route template),
 * with URL and status code; for timers named after the function. The correlation id is a custom
 * dimension and, where it can be one, the operation id (see traceIdsFor; under the Functions host the
 * operation is the host's).
 */
export function createInvocationTracer(trackException: ExceptionTracker): InvocationTracer {
  const tracer = trace.getTracer(TRACER_NAME);
  return (start): InvocationSpan => {
    const parent = parentContext(start.correlationId, start.request?.headers.get('traceparent'));
    const route = start.request ? start.operation.slice(start.operation.indexOf(' ') + 1) : undefined;
    const name = start.request ? `${start.request.method} ${route}` : start.name;
    // No attributes at the start: the sampler does not read them, and most spans are sampled out (the SDK
    // keeps 5 traces per second by default), so they are set only on a span that will be sent.
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER }, parent);
    if (!span.isRecording()) return sampledOut(span, parent, trackException);
    const attributes: Attributes = {
      [REQUEST_DIMENSIONS.correlationId]: start.correlationId,
      [REQUEST_DIMENSIONS.invocationId]: start.invocationId,
      [REQUEST_DIMENSIONS.functionName]: start.name,
      [REQUEST_DIMENSIONS.trigger]: start.trigger,
    };
    if (start.request) {
      attributes['http.request.method'] = start.request.method;
      attributes['http.route'] = route;
      attributes['url.full'] = redactedUrl(start.request.url);
    }
    span.setAttributes(attributes);
    const active = trace.setSpan(parent, span);
    return {
      run: (work) => context.with(active, work),
      end: (record: InvocationRecord) => {
        if (record.status !== undefined) {
          span.setAttribute('http.response.status_code', record.status);
        }
        // Success as the app counts it (status < 500): a 404 is a correct answer, not a failed request.
        span.setStatus({ code: record.success ? SpanStatusCode.OK : SpanStatusCode.ERROR });
        if (record.error !== undefined) {
          context.with(active, () =>
            trackException(record.error, {
              correlationId: record.correlationId,
              invocationId: record.invocationId,
              operation: record.operation,
            }),
          );
        }
        span.end();
      },
    };
  };
}
