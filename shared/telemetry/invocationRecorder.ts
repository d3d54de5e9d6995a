// The request item of each invocation, decided and recorded on the request thread. The sampler decides first
// (requestSampler.ts); a request it leaves out costs the decision and nothing else. A kept invocation gets an
// InvocationRecording on its correlation context, which its store calls, Azure SDK calls, exceptions and
// events add to, and which is posted to the telemetry thread (telemetryWorker.ts) in one message when the
// invocation ends. No OpenTelemetry context and no SDK object lives on this thread.
import type { ExceptionRecord, InvocationTelemetry } from './telemetryMessages';
import { errorRecordOf } from './telemetryMessages';
import type { InvocationRecord, InvocationSpan, InvocationTracer } from './invocationTelemetry';
import { samplingScoreOfUuid, type RateLimitedRequestSampler } from './requestSampler';
import { REQUEST_DIMENSIONS } from './telemetryNames';
import { traceIdsFor, type TraceIds } from './traceIds';

/** A kept invocation while it runs: what it has caused so far. */
export interface InvocationRecording {
  telemetry: InvocationTelemetry;
  /** Set when the invocation ends; what its stray work does later is not added. */
  ended: boolean;
  /** The next Azure SDK span number (azureSdkSpans.ts). */
  nextSpanId: number;
}

/** Where finished invocations go: the telemetry thread. */
export type InvocationSink = (invocation: InvocationTelemetry) => void;

/** Sends an exception item that belongs to no kept invocation. */
export type ExceptionSink = (exception: ExceptionRecord) => void;

/** The most store calls, Azure SDK spans, exceptions or events one record holds: a runaway loop must not grow it without end. */
export const MAX_CHILDREN = 500;

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

// Invocations being recorded now. While there are none (the common case: every request left out by the
// sampler), a store call needs no look at the correlation context to know it records nothing.
let recordingInvocations = 0;

/** Whether any kept invocation is running now (see storeDependencies.ts). */
export function anyRecordingInvocation(): boolean {
  return recordingInvocations > 0;
}

function exceptionOf(record: InvocationRecord): ExceptionRecord {
  return {
    error: errorRecordOf(record.error),
    properties: {
      correlationId: record.correlationId,
      invocationId: record.invocationId,
      operation: record.operation,
    },
  };
}

/**
 * Decides, for each invocation, whether it is sent; records a kept one (a request item: for HTTP functions
 * named "GET tasks/{id}", method and route template, with URL and status code; for timers named after the
 * function) and hands it to `send` when it ends. The trace is the Functions host's (InvocationContext
 * traceContext), else the caller's traceparent, else the correlation id's (see traceIdsFor), so the
 * operation id is what the client got back in x-correlation-id. A left-out request's exception is still
 * sent, through `sendException`. Without a sampler (OTEL_TRACES_SAMPLER set) every invocation is recorded
 * and the SDK's sampler decides on the telemetry thread.
 */
export function createInvocationRecorder(
  send: InvocationSink,
  sendException: ExceptionSink,
  sampler?: RateLimitedRequestSampler,
): InvocationTracer {
  const leftOut: InvocationSpan = {
    run: (work) => work(),
    end: (record) => {
      if (record.error !== undefined) sendException(exceptionOf(record));
    },
  };
  return (start): InvocationSpan => {
    const traceparent = start.hostTraceParent ?? start.request?.headers.get('traceparent') ?? undefined;
    let ids: TraceIds | undefined;
    // HTTP requests are sampled here; timers, a few a day, are always kept. Without a host's or a caller's
    // trace, the trace id is the correlation id, usually a UUID: its score is taken from the id as it is,
    // and the request the sampler leaves out builds no trace id at all.
    let sampleRate = 100;
    if (sampler && start.request) {
      const score = traceparent ? -1 : samplingScoreOfUuid(start.correlationId);
      if (score >= 0) {
        sampleRate = sampler.decideByScore(score);
      } else {
        ids = traceIdsFor(start.correlationId, traceparent);
        sampleRate = sampler.decide(ids.traceId);
      }
      if (sampleRate === 0) return leftOut;
    }
    ids ??= traceIdsFor(start.correlationId, traceparent);
    const route = start.request ? start.operation.slice(start.operation.indexOf(' ') + 1) : undefined;
    const attributes: InvocationTelemetry['attributes'] = {
      [REQUEST_DIMENSIONS.correlationId]: start.correlationId,
      [REQUEST_DIMENSIONS.invocationId]: start.invocationId,
      [REQUEST_DIMENSIONS.functionName]: start.name,
      [REQUEST_DIMENSIONS.trigger]: start.trigger,
    };
    if (start.request && route !== undefined) {
      attributes['http.request.method'] = start.request.method;
      attributes['http.route'] = route;
      attributes['url.full'] = redactedUrl(start.request.url);
    }
    const recording: InvocationRecording = {
      telemetry: {
        name: start.request ? `${start.request.method} ${route}` : start.name,
        trigger: start.trigger,
        traceId: ids.traceId,
        parentSpanId: ids.parentSpanId,
        traceFlags: ids.traceFlags,
        sampleRate,
        attributes,
        status: undefined,
        success: true,
        startedAt: start.startedAt,
        endedAt: start.startedAt,
        dependencies: [],
        azureSdkSpans: [],
        exceptions: [],
        events: [],
      },
      ended: false,
      nextSpanId: 1,
    };
    start.correlation.recording = recording;
    recordingInvocations += 1;
    return {
      run: (work) => work(),
      end: (record: InvocationRecord) => {
        if (recording.ended) return;
        recording.ended = true;
        recordingInvocations -= 1;
        const { telemetry } = recording;
        telemetry.status = record.status;
        // Success as the app counts it (status < 500): a 404 is a correct answer, not a failed request.
        telemetry.success = record.success;
        telemetry.endedAt = record.startedAt + record.durationMs;
        if (record.error !== undefined) telemetry.exceptions.push(exceptionOf(record));
        send(telemetry);
      },
    };
  };
}
