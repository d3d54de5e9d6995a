// Custom metrics and breaker events from the store's observers, for Application Insights. Loaded only by
// appInsightsPipeline.ts (when a connection string is set): it imports the OpenTelemetry API.
import { metrics, type Attributes } from '@opentelemetry/api';
import {
  observeResilienceEvents,
  type BreakerState,
  type ResilienceEvent,
} from '../resilience/resilientDocumentStore';
import { observeStoreCalls, type UsageEvent } from '../usage/usageRecorder';
import { trackEvent } from './telemetryEvents';
import { EVENT_NAMES, METRIC_NAMES } from './telemetryNames';

const METER_NAME = 'lifetracker';

/** The gauge's value of each breaker state. */
export const BREAKER_STATE_VALUES: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Records every store call and resilience event as custom metrics (RU, duration, cache hits and misses,
 * retries, throttles, breaker state) and every breaker transition as a BreakerTransition event. The breaker
 * gauge reports only where there is a breaker: the Cosmos DB store (`hasBreaker`) or once one has moved.
 * Returns the function that stops recording.
 */
export function recordStoreTelemetry(hasBreaker: boolean): () => void {
  const meter = metrics.getMeter(METER_NAME);
  const requestCharge = meter.createHistogram(METRIC_NAMES.requestCharge, {
    description: 'Request units of one store call',
    unit: 'RU',
  });
  const duration = meter.createHistogram(METRIC_NAMES.storeDuration, {
    description: 'Duration of one store call',
    unit: 'ms',
  });
  const cacheHits = meter.createCounter(METRIC_NAMES.cacheHits, {
    description: 'Queries answered by the query cache',
  });
  const cacheMisses = meter.createCounter(METRIC_NAMES.cacheMisses, {
    description: 'Queries answered by the store',
  });
  const retries = meter.createCounter(METRIC_NAMES.retries, {
    description: 'Store calls retried by the resilience policy',
  });
  const throttles = meter.createCounter(METRIC_NAMES.throttles, {
    description: 'Throttled (429) store responses, including those the SDK retried',
  });
  const breakerGauge = meter.createObservableGauge(METRIC_NAMES.breakerState, {
    description: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
  });

  let breaker: BreakerState | undefined = hasBreaker ? 'closed' : undefined;
  const observeBreaker = (result: { observe(value: number): void }) => {
    if (breaker !== undefined) result.observe(BREAKER_STATE_VALUES[breaker]);
  };
  breakerGauge.addCallback(observeBreaker);

  const onStoreCall = (event: UsageEvent): void => {
    if (event.outcome === 'cached') {
      cacheHits.add(1, { container: event.container });
      return;
    }
    // The shape is the parameterised query text (never a value); point operations have none.
    const dims: Attributes = {
      container: event.container,
      operation: event.operation,
      shape: event.shape ?? '',
    };
    requestCharge.record(event.requestCharge, dims);
    duration.record(event.durationMs, dims);
    if (event.operation === 'query') cacheMisses.add(1, { container: event.container });
    if (event.throttled)
      throttles.add(event.throttled, { container: event.container, operation: event.operation });
  };

  const onResilienceEvent = (event: ResilienceEvent): void => {
    if (event.type === 'retry') {
      retries.add(1, { operation: event.operation, code: event.code });
    } else if (event.type === 'breaker') {
      const previous = breaker ?? 'closed';
      breaker = event.state;
      trackEvent(EVENT_NAMES.breakerTransition, {
        state: event.state,
        previousState: previous,
        stateValue: BREAKER_STATE_VALUES[event.state],
      });
    }
  };

  const stops = [observeStoreCalls(onStoreCall), observeResilienceEvents(onResilienceEvent)];
  return () => {
    for (const stop of stops) stop();
    breakerGauge.removeCallback(observeBreaker);
  };
}
