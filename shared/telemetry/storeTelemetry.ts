// Custom metrics and breaker events from the store's observers, for Application Insights. Loaded only by
// appInsightsPipeline.ts (when a connection string is set): it imports the OpenTelemetry API.
import { metrics, type Attributes, type BatchObservableResult } from '@opentelemetry/api';
import {
  observeResilienceEvents,
  type BreakerState,
  type ResilienceEvent,
} from '../resilience/resilientDocumentStore';
import { observeStoreCalls, type UsageEvent } from '../usage/usageRecorder';
import { StoreCallAggregates, replaySeries } from './storeCallAggregates';
import { trackEvent } from './telemetryEvents';
import { EVENT_NAMES, METRIC_NAMES } from './telemetryNames';

const METER_NAME = 'lifetracker';

/** The gauge's value of each breaker state. */
export const BREAKER_STATE_VALUES: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Records every store call and resilience event as custom metrics (RU, duration, cache hits and misses,
 * retries, throttles, breaker state) and every breaker transition as a BreakerTransition event. Store calls
 * are summed as they happen and handed to the SDK when it collects (StoreCallAggregates: the same count,
 * sum, min and max per interval, at a fraction of the cost per call). The breaker gauge reports only where
 * there is a breaker: the Cosmos DB store (`hasBreaker`) or once one has moved. Returns the function that
 * stops recording.
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

  const aggregates = new StoreCallAggregates();
  let breaker: BreakerState | undefined = hasBreaker ? 'closed' : undefined;
  // Runs when the SDK collects (every export interval, and on flush), before it reads the instruments: what
  // is recorded here is part of this collection.
  const collect = (result: BatchObservableResult): void => {
    if (breaker !== undefined) result.observe(breakerGauge, BREAKER_STATE_VALUES[breaker]);
    const { calls, cacheHits: hits } = aggregates.drain();
    for (const call of calls) {
      // The shape is the parameterised query text (never a value); point operations have none.
      const dims: Attributes = { container: call.container, operation: call.operation, shape: call.shape };
      replaySeries(call.charge, (value) => requestCharge.record(value, dims));
      replaySeries(call.duration, (value) => duration.record(value, dims));
      if (call.cacheMisses > 0) cacheMisses.add(call.cacheMisses, { container: call.container });
      if (call.throttled > 0) {
        throttles.add(call.throttled, { container: call.container, operation: call.operation });
      }
    }
    for (const [container, count] of hits) cacheHits.add(count, { container });
  };
  meter.addBatchObservableCallback(collect, [breakerGauge]);

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

  const stops = [
    observeStoreCalls((event: UsageEvent) => aggregates.add(event)),
    observeResilienceEvents(onResilienceEvent),
  ];
  return () => {
    for (const stop of stops) stop();
    meter.removeBatchObservableCallback(collect, [breakerGauge]);
  };
}
