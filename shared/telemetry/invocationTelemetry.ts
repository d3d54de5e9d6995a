import type {
  HttpHandler,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
  TimerHandler,
} from '@azure/functions';
import { HttpResponse } from '@azure/functions';
import {
  CORRELATION_HEADER,
  correlationIdFrom,
  withCorrelation,
  type CorrelationContext,
} from './correlation';

/** One finished invocation, as every telemetry observer sees it. */
export interface InvocationRecord {
  trigger: 'http' | 'timer';
  /** The function's name (e.g. tasksGet). */
  name: string;
  /** "GET tasks/{id}" for HTTP functions: the route template, never the concrete path. */
  operation: string;
  /** HTTP status; 500 when the handler threw. Absent for timers. */
  status?: number;
  success: boolean;
  startedAt: number;
  durationMs: number;
  invocationId: string;
  correlationId: string;
  error?: unknown;
}

/** Receives every finished invocation (route metrics, Application Insights). Must not throw or block. */
export type InvocationObserver = (record: InvocationRecord) => void;

const observers = new Set<InvocationObserver>();

/** Adds an observer of finished invocations; returns the function that removes it. */
export function observeInvocations(observer: InvocationObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** What a tracer knows when an invocation starts. */
export interface InvocationStart {
  trigger: 'http' | 'timer';
  name: string;
  operation: string;
  invocationId: string;
  correlationId: string;
  /** When it started (epoch milliseconds). */
  startedAt: number;
  /** The context its work runs in; a tracer may attach what it records of the invocation. */
  correlation: CorrelationContext;
  /** The Functions host's W3C traceparent for the invocation (InvocationContext.traceContext); none locally. */
  hostTraceParent: string | undefined;
  /** The HTTP request, for HTTP functions (method, URL, traceparent). */
  request?: HttpRequest;
}

/** One invocation as a tracer follows it: its work runs inside `run`, and `end` receives its record. */
export interface InvocationSpan {
  run<T>(work: () => T): T;
  end(record: InvocationRecord): void;
}

/**
 * Follows each invocation from its start (Application Insights: the request that the invocation's
 * dependency calls attach to). Unlike an observer it sees the invocation start, so it can decide then
 * whether to record it. Must not throw.
 */
export type InvocationTracer = (start: InvocationStart) => InvocationSpan;

let tracer: InvocationTracer | undefined;

/** Sets the one tracer of the process (there is one telemetry pipeline per process); returns its remover. */
export function traceInvocations(next: InvocationTracer): () => void {
  tracer = next;
  return () => {
    if (tracer === next) tracer = undefined;
  };
}

// The tracer's span, or none: without a tracer (no telemetry configured) an invocation costs nothing more.
function openSpan(start: InvocationStart): InvocationSpan | undefined {
  if (!tracer) return undefined;
  try {
    return tracer(start);
  } catch {
    return undefined;
  }
}

// Spelled both ways by the Functions host's versions (Application Insights' own hook reads both).
function hostTraceParentOf(context: InvocationContext): string | undefined {
  const trace = context.traceContext as { traceParent?: string; traceparent?: string } | undefined;
  return trace?.traceParent || trace?.traceparent || undefined;
}

function closeSpan(span: InvocationSpan | undefined, record: InvocationRecord): void {
  try {
    span?.end(record);
  } catch {
    // Telemetry must never fail the invocation it follows.
  }
}

function notify(record: InvocationRecord): void {
  for (const observer of observers) {
    try {
      observer(record);
    } catch {
      // An observer's bug must never fail the request it observes.
    }
  }
}

// The response with the correlation header added, in whatever form the handler answered. A plain object
// stays a plain object (the local runner's fast path serialises those directly).
function withHeader(result: unknown, correlationId: string): unknown {
  if (result instanceof HttpResponse) {
    result.headers.set(CORRELATION_HEADER, correlationId);
    return result;
  }
  if (result === null || typeof result !== 'object') return result;
  const init = result as HttpResponseInit;
  const { headers } = init;
  if (
    headers === undefined ||
    (typeof headers === 'object' && !Array.isArray(headers) && !(headers instanceof Headers))
  ) {
    return {
      ...init,
      headers: { ...(headers as Record<string, string> | undefined), [CORRELATION_HEADER]: correlationId },
    };
  }
  const merged = new Headers(headers);
  merged.set(CORRELATION_HEADER, correlationId);
  return { ...init, headers: merged };
}

function statusOf(result: unknown): number {
  if (result instanceof HttpResponse) return result.status;
  const status = (result as HttpResponseInit | undefined)?.status;
  return typeof status === 'number' ? status : 200;
}

/**
 * Wraps an HTTP handler: the request gets a correlation id (the client's x-correlation-id, the W3C trace
 * id, or a new one) that every log line of the invocation carries and the response returns, and every
 * observer hears of the finished request (route, status, duration).
 */
export function instrumentHttpHandler(name: string, operation: string, handler: HttpHandler): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext) => {
    const correlationId = correlationIdFrom(request.headers);
    const startedAt = Date.now();
    const started = performance.now();
    const base = {
      trigger: 'http' as const,
      name,
      operation,
      startedAt,
      invocationId: context.invocationId,
      correlationId,
    };
    const correlation: CorrelationContext = { invocationId: context.invocationId, correlationId, context };
    const span = openSpan({ ...base, correlation, hostTraceParent: hostTraceParentOf(context), request });
    const work = () => withCorrelation(correlation, () => handler(request, context));
    try {
      const result = await (span ? span.run(work) : work());
      const status = statusOf(result);
      const record = { ...base, status, success: status < 500, durationMs: performance.now() - started };
      closeSpan(span, record);
      notify(record);
      return withHeader(result, correlationId) as Awaited<ReturnType<HttpHandler>>;
    } catch (error) {
      const record = { ...base, status: 500, success: false, durationMs: performance.now() - started, error };
      closeSpan(span, record);
      notify(record);
      throw error;
    }
  };
}

/** Wraps a timer handler the same way: a correlation id for its logs, and a record for every observer. */
export function instrumentTimerHandler(name: string, handler: TimerHandler): TimerHandler {
  return async (timer, context: InvocationContext) => {
    const correlationId = correlationIdFrom(new Headers());
    const startedAt = Date.now();
    const started = performance.now();
    const base = {
      trigger: 'timer' as const,
      name,
      operation: name,
      startedAt,
      invocationId: context.invocationId,
      correlationId,
    };
    const correlation: CorrelationContext = { invocationId: context.invocationId, correlationId, context };
    const span = openSpan({ ...base, correlation, hostTraceParent: hostTraceParentOf(context) });
    const work = () => withCorrelation(correlation, () => handler(timer, context));
    try {
      await (span ? span.run(work) : work());
      const record = { ...base, success: true, durationMs: performance.now() - started };
      closeSpan(span, record);
      notify(record);
    } catch (error) {
      const record = { ...base, success: false, durationMs: performance.now() - started, error };
      closeSpan(span, record);
      notify(record);
      throw error;
    }
  };
}
