import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import type { InvocationRecording } from './invocationRecorder';

/** The ids that tie one invocation's logs, telemetry and response together. */
export interface CorrelationContext {
  invocationId: string;
  correlationId: string;
  /** The invocation's context, so code that has none at hand (the store, its policies) logs through it. */
  context?: InvocationContext;
  /** What telemetry records of the invocation, when the sampler kept it (invocationRecorder.ts). */
  recording?: InvocationRecording;
}

/** The response (and request) header that carries the correlation id. */
export const CORRELATION_HEADER = 'x-correlation-id';

const storage = new AsyncLocalStorage<CorrelationContext>();

// A client's id is echoed into logs and a response header: only a short, plain token is accepted, so a
// header cannot inject log lines or HTML.
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The correlation id of a request: the client's x-correlation-id if well-formed, else the W3C trace id, else a new one. */
export function correlationIdFrom(headers: { get(name: string): string | null }): string {
  const given = headers.get(CORRELATION_HEADER)?.trim();
  if (given && ACCEPTED_ID.test(given)) return given;
  const trace = TRACEPARENT.exec(headers.get('traceparent')?.trim() ?? '');
  if (trace && !/^0+$/.test(trace[1])) return trace[1];
  return randomUUID();
}

/** Runs `work` with the correlation context available to every log line and telemetry item it causes. */
export function withCorrelation<T>(context: CorrelationContext, work: () => T): T {
  return storage.run(context, work);
}

/** The correlation context of the invocation running now, if any. */
export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}
