// The custom metrics of the store, on the telemetry thread: OpenTelemetry instruments fed with the batches
// the request thread sums (storeTelemetry.ts). Application Insights keeps only count, sum, min and max of a
// histogram per interval, so replaying each batch's four figures (replaySeries) sends exactly what per-call
// records would have, however many batches fall into one export interval.
import { metrics, type Attributes, type BatchObservableResult } from '@opentelemetry/api';
import type { BreakerState } from '../resilience/resilientDocumentStore';
import { replaySeries } from './storeCallAggregates';
import type { StoreMetricsBatch } from './telemetryMessages';
import { BREAKER_STATE_VALUES, METRIC_NAMES } from './telemetryNames';

const METER_NAME = 'lifetracker';

/** The store's instruments: batches go in, the SDK reads them when it collects. */
export interface StoreMetricInstruments {
  /** Records one batch of store calls and retries. */
  record(batch: StoreMetricsBatch): void;
  /** Sets the breaker state the gauge reports from now on. */
  setBreaker(state: BreakerState): void;
  /** Stops the gauge's callback. */
  stop(): void;
}

/**
 * Creates the instruments (RU, duration, cache hits and misses, retries, throttles, breaker state). The
 * breaker gauge reports only where there is a breaker: the Cosmos DB store (`hasBreaker`) or once one has
 * moved.
 */
export function createStoreMetricInstruments(hasBreaker: boolean): StoreMetricInstruments {
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
  const observeBreaker = (result: BatchObservableResult): void => {
    if (breaker !== undefined) result.observe(breakerGauge, BREAKER_STATE_VALUES[breaker]);
  };
  meter.addBatchObservableCallback(observeBreaker, [breakerGauge]);

  return {
    record: (batch) => {
      for (const call of batch.calls) {
        // The shape is the parameterised query text (never a value); point operations have none.
        const dims: Attributes = { container: call.container, operation: call.operation, shape: call.shape };
        replaySeries(call.charge, (value) => requestCharge.record(value, dims));
        replaySeries(call.duration, (value) => duration.record(value, dims));
        if (call.cacheMisses > 0) cacheMisses.add(call.cacheMisses, { container: call.container });
        if (call.throttled > 0) {
          throttles.add(call.throttled, { container: call.container, operation: call.operation });
        }
      }
      for (const [container, count] of batch.cacheHits) cacheHits.add(count, { container });
      for (const retry of batch.retries) {
        retries.add(retry.count, { operation: retry.operation, code: retry.code });
      }
    },
    setBreaker: (state) => {
      breaker = state;
    },
    stop: () => meter.removeBatchObservableCallback(observeBreaker, [breakerGauge]),
  };
}
