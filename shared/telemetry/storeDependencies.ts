// A dependency item per store call of a kept invocation, recorded on the request thread and sent with the
// invocation (the telemetry thread names it: spanReplay.ts).
//
// Why not the SDK's HTTP instrumentation: it wraps every outgoing request and each of its sockets' events
// whether or not the request is sampled, which measured about 1 ms of CPU per GET /api/tasks/{id} on the
// Cosmos DB test server (a fifth of the throughput); and @azure/cosmos 4.x makes no Azure SDK spans of its
// own. Here a dependency costs nothing for the requests the sampler leaves out, and says more for the ones
// it keeps: container, operation, query shape, request charge, items and outcome.
import { observeStoreCalls, type UsageEvent } from '../usage/usageRecorder';
import { currentCorrelation } from './correlation';
import { MAX_CHILDREN, anyRecordingInvocation } from './invocationRecorder';

/**
 * Adds every store call that runs inside a kept invocation to that invocation's record, timed as the
 * usage recorder timed it. Query-cache hits are not store calls and are not recorded. Returns the function
 * that stops it.
 */
export function recordStoreDependencies(): () => void {
  return observeStoreCalls((event: UsageEvent, at: number) => {
    if (event.outcome === 'cached') return;
    // While no kept invocation runs (the common case) that is one comparison; otherwise one look at the
    // correlation context tells whether this call is one of theirs.
    if (!anyRecordingInvocation()) return;
    const recording = currentCorrelation()?.recording;
    if (!recording || recording.ended) return;
    const { dependencies } = recording.telemetry;
    if (dependencies.length >= MAX_CHILDREN) return;
    dependencies.push({
      operation: event.operation,
      container: event.container,
      shape: event.shape ?? '',
      outcome: event.outcome,
      requestCharge: event.requestCharge,
      itemCount: event.itemCount,
      throttled: event.throttled ?? 0,
      startedAt: at - event.durationMs,
      endedAt: at,
    });
  });
}
