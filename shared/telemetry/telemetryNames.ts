// The names Application Insights receives, in one place: the operations workbook's KQL is written against
// exactly these, so renaming one is a breaking change for the dashboards built on it.

/** Custom metrics (customMetrics table), with the dimensions each carries. */
export const METRIC_NAMES = {
  /** Histogram of request units per store call; dims container, operation, shape. */
  requestCharge: 'lifetracker.store.request_charge',
  /** Histogram of store call durations in milliseconds; dims container, operation, shape. */
  storeDuration: 'lifetracker.store.duration_ms',
  /** Count of queries answered by the query cache; dim container. */
  cacheHits: 'lifetracker.cache.hits',
  /** Count of queries answered by the store; dim container. */
  cacheMisses: 'lifetracker.cache.misses',
  /** Count of retries of the resilience policy; dims operation, code. */
  retries: 'lifetracker.store.retries',
  /** Count of throttled (429) responses, including those the SDK retried; dims container, operation. */
  throttles: 'lifetracker.store.throttles',
  /** Gauge of the circuit breaker: 0 closed, 1 half-open, 2 open (Cosmos DB store only). */
  breakerState: 'lifetracker.breaker.state',
} as const;

/** The breaker gauge's value of each breaker state. */
export const BREAKER_STATE_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Custom events (customEvents table). */
export const EVENT_NAMES = {
  costReport: 'CostReport',
  healthCheck: 'HealthCheck',
  breakerTransition: 'BreakerTransition',
} as const;

/** The name of a custom event the app sends. */
export type TelemetryEventName = (typeof EVENT_NAMES)[keyof typeof EVENT_NAMES];

/** Custom dimension keys every request item carries. */
export const REQUEST_DIMENSIONS = {
  correlationId: 'correlationId',
  invocationId: 'invocationId',
  functionName: 'functionName',
  trigger: 'trigger',
} as const;
