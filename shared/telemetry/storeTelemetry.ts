// Store calls and resilience events summed on the request thread, for the custom metrics the telemetry thread
// sends (storeMetricInstruments.ts). A store call costs a few additions here (StoreCallAggregates); the
// batch of an interval crosses to the telemetry thread in one message.
import {
  observeResilienceEvents,
  type BreakerState,
  type ResilienceEvent,
} from '../resilience/resilientDocumentStore';
import { observeStoreCalls, type UsageEvent } from '../usage/usageRecorder';
import { StoreCallAggregates } from './storeCallAggregates';
import type { StoreMetricsBatch } from './telemetryMessages';
import { trackEvent } from './telemetryEvents';
import { BREAKER_STATE_VALUES, EVENT_NAMES } from './telemetryNames';

/** The store's figures since the last drain. */
export interface StoreMetricsRecorder {
  /** Hands over what was gathered since the last drain; undefined when nothing was. */
  drain(): StoreMetricsBatch | undefined;
  /** Stops observing the store. */
  stop(): void;
}

/**
 * Sums every store call and retry (RU, duration, cache hits and misses, retries, throttles) until drained,
 * and reports every breaker transition at once: to `onBreaker`, for the state gauge, and as a
 * BreakerTransition event.
 */
export function recordStoreMetrics(onBreaker: (state: BreakerState) => void): StoreMetricsRecorder {
  const aggregates = new StoreCallAggregates();
  let retries = new Map<string, { operation: string; code: string; count: number }>();
  let breaker: BreakerState = 'closed';

  const onResilienceEvent = (event: ResilienceEvent): void => {
    if (event.type === 'retry') {
      const key = `${event.operation}\0${event.code}`;
      const counted = retries.get(key);
      if (counted) counted.count += 1;
      else retries.set(key, { operation: event.operation, code: event.code, count: 1 });
    } else if (event.type === 'breaker') {
      const previous = breaker;
      breaker = event.state;
      onBreaker(event.state);
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
  return {
    drain: () => {
      const { calls, cacheHits } = aggregates.drain();
      if (calls.length === 0 && cacheHits.size === 0 && retries.size === 0) return undefined;
      const batch: StoreMetricsBatch = { calls, cacheHits: [...cacheHits], retries: [...retries.values()] };
      retries = new Map();
      return batch;
    },
    stop: () => {
      for (const stop of stops) stop();
    },
  };
}
