import { randomBytes } from 'node:crypto';

/** The W3C trace an invocation's request span joins. */
export interface TraceIds {
  traceId: string;
  parentSpanId: string;
  /** W3C trace flags of the parent (1: sampled). */
  traceFlags: number;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;
const TRACE_ID = /^[\da-f]{32}$/;
const NOT_ZERO = /[1-9a-f]/;

/**
 * The trace of an invocation. A caller's W3C traceparent wins (its trace goes on across services); else
 * the correlation id is the trace id when it can be one (a new correlation id is a UUID: its 32 hex digits),
 * so Application Insights' operation id is the id the client got back in x-correlation-id; else a new trace.
 */
export function traceIdsFor(correlationId: string, traceparent: string | null | undefined): TraceIds {
  const parent = TRACEPARENT.exec(traceparent?.trim() ?? '');
  if (parent && NOT_ZERO.test(parent[1]) && NOT_ZERO.test(parent[2])) {
    return { traceId: parent[1], parentSpanId: parent[2], traceFlags: Number.parseInt(parent[3], 16) & 1 };
  }
  const candidate = correlationId.toLowerCase().replace(/-/g, '');
  const traceId = TRACE_ID.test(candidate) && NOT_ZERO.test(candidate) ? candidate : randomHex(16);
  // The caller had no span of its own: the parent is a stand-in, so the request is the trace's root.
  return { traceId, parentSpanId: randomHex(8), traceFlags: 1 };
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
