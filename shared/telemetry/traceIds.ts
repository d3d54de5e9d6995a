import { randomUUID } from 'node:crypto';

/** The W3C trace an invocation's request span joins. */
export interface TraceIds {
  traceId: string;
  parentSpanId: string;
  /** W3C trace flags of the parent (1: sampled). */
  traceFlags: number;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;
const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;
const TRACE_ID = /^[\da-f]{32}$/i;
const NOT_ZERO = /[1-9a-f]/i;

/**
 * The trace of an invocation. A caller's W3C traceparent wins (its trace goes on across services); else
 * the correlation id is the trace id when it can be one (a new correlation id is a UUID: its 32 hex digits),
 * so Application Insights' operation id is the id the client got back in x-correlation-id; else a new trace.
 * Runs on every request: plain string work, no more than one random draw.
 */
export function traceIdsFor(correlationId: string, traceparent: string | null | undefined): TraceIds {
  if (traceparent) {
    const parent = TRACEPARENT.exec(traceparent.trim());
    if (parent && NOT_ZERO.test(parent[1]) && NOT_ZERO.test(parent[2])) {
      return { traceId: parent[1], parentSpanId: parent[2], traceFlags: Number.parseInt(parent[3], 16) & 1 };
    }
  }
  let traceId: string | undefined;
  if (correlationId.length === 36 && UUID.test(correlationId)) {
    traceId = (
      correlationId.slice(0, 8) +
      correlationId.slice(9, 13) +
      correlationId.slice(14, 18) +
      correlationId.slice(19, 23) +
      correlationId.slice(24)
    ).toLowerCase();
  } else if (correlationId.length === 32 && TRACE_ID.test(correlationId)) {
    traceId = correlationId.toLowerCase();
  }
  if (traceId === undefined || !NOT_ZERO.test(traceId)) traceId = randomUUID().replace(/-/g, '');
  // The caller had no span of its own: the parent is a stand-in (the trace's root is the request), taken
  // from the trace id's random half so that no second random draw is needed.
  const half = traceId.slice(16);
  return { traceId, parentSpanId: NOT_ZERO.test(half) ? half : traceId.slice(0, 16), traceFlags: 1 };
}
