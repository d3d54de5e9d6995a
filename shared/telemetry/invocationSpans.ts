// The request span of each invocation, for Application Insights. Loaded only by appInsightsPipeline.ts,
// that is only when a connection string is set: it imports the OpenTelemetry API.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createContextKey,
  trace,
  type Attributes,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import type { InvocationRecord, InvocationSpan, InvocationTracer } from './invocationTelemetry';
import { SAMPLE_RATE_ATTRIBUTE, samplingScoreOfUuid, type RateLimitedRequestSampler } from './requestSampler';
import { REQUEST_DIMENSIONS } from './telemetryNames';
import { traceIdsFor, type TraceIds } from './traceIds';

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
// the span joins the host's operation. Elsewhere (the local runner) the trace comes from traceIdsFor. Only
// the trace id is needed to decide; the parent context is built for a kept request alone.
function contextOfParent(active: Context, host: SpanContext | undefined, ids: TraceIds | undefined): Context {
  if (host || !ids) return active;
  const { traceId, parentSpanId, traceFlags } = ids;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: parentSpanId, traceFlags, isRemote: true });
}

// Invocations whose span records and has not ended yet. While there are none (the common case: every request
// left out by the sampler), a store call needs no look at OpenTelemetry's context to know it has no span.
let recordingInvocations = 0;

/** Whether any invocation with a recording span is running now (see storeDependencies.ts). */
export function anyRecordingInvocation(): boolean {
  return recordingInvocations > 0;
}

/** The sample rate of the request running now, for the items it causes (its store dependencies). */
export const SAMPLE_RATE_KEY = createContextKey('lifetracker.sampleRate');

// A request the sampler left out sends nothing, so it gets nothing more than the decision: no span, no
// context (which would make OpenTelemetry's context storage follow every promise of the request), no
// attribute, not even an object of its own. Store calls inside it see no recording span and record no
// dependency; an Azure SDK call inside it (a report route's Blob Storage read) starts a trace of its own.
// Its exception, if any, is still sent.
function sampledOut(
  trackException: ExceptionTracker,
  run?: (work: () => unknown) => unknown,
): InvocationSpan {
  return {
    run: <T>(work: () => T): T => (run ? (run(work) as T) : work()),
    end: (record: InvocationRecord) => {
      if (record.error === undefined) return;
      trackException(record.error, {
        correlationId: record.correlationId,
        invocationId: record.invocationId,
        operation: record.operation,
      });
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
export function createInvocationTracer(
  trackException: ExceptionTracker,
  sampler?: RateLimitedRequestSampler,
  hostTraceContext = true,
): InvocationTracer {
  const tracer = trace.getTracer(TRACER_NAME);
  const leftOut = sampledOut(trackException);
  return (start): InvocationSpan => {
    const active = hostTraceContext ? context.active() : ROOT_CONTEXT;
    const candidate = hostTraceContext ? trace.getSpan(active)?.spanContext() : undefined;
    const host = candidate && trace.isSpanContextValid(candidate) ? candidate : undefined;
    const traceparent = host ? undefined : start.request?.headers.get('traceparent');
    let ids: TraceIds | undefined;
    // HTTP requests are sampled here (see requestSampler.ts); timers, a few a day, are always kept. Without a
    // host's or a caller's trace, the trace id is the correlation id, usually a UUID: its score is taken from
    // the id as it is, and the request the sampler leaves out builds no trace id at all.
    let sampleRate = 100;
    if (sampler && start.request) {
      const score = host || traceparent ? -1 : samplingScoreOfUuid(start.correlationId);
      if (score >= 0) {
        sampleRate = sampler.decideByScore(score);
      } else {
        ids = host ? undefined : traceIdsFor(start.correlationId, traceparent);
        sampleRate = sampler.decide(host ? host.traceId : (ids as TraceIds).traceId);
      }
      if (sampleRate === 0) return leftOut;
    }
    if (!host) ids ??= traceIdsFor(start.correlationId, traceparent);
    const route = start.request ? start.operation.slice(start.operation.indexOf(' ') + 1) : undefined;
    const name = start.request ? `${start.request.method} ${route}` : start.name;
    const parentContext = contextOfParent(active, host, ids);
    const span = tracer.startSpan(
      name,
      {
        kind: SpanKind.SERVER,
        ...(sampleRate < 100 ? { attributes: { [SAMPLE_RATE_ATTRIBUTE]: sampleRate } } : {}),
      },
      parentContext,
    );
    // Sampled out by the SDK (OTEL_TRACES_SAMPLER chose its sampler): the work still runs in the span's
    // context, so that a parent-based sampler leaves the request's Azure SDK calls out with it.
    if (!span.isRecording()) {
      const inactive = trace.setSpan(parentContext, span);
      span.end();
      return sampledOut(trackException, (work) => context.with(inactive, work));
    }
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
    const spanContext = trace.setSpan(parentContext, span).setValue(SAMPLE_RATE_KEY, sampleRate);
    recordingInvocations += 1;
    return {
      run: (work) => context.with(spanContext, work),
      end: (record: InvocationRecord) => {
        recordingInvocations -= 1;
        if (record.status !== undefined) {
          span.setAttribute('http.response.status_code', record.status);
        }
        // Success as the app counts it (status < 500): a 404 is a correct answer, not a failed request.
        span.setStatus({ code: record.success ? SpanStatusCode.OK : SpanStatusCode.ERROR });
        if (record.error !== undefined) {
          context.with(spanContext, () =>
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
