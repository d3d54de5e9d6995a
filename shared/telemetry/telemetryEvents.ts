// trackEvent for the app's code (timers, the breaker): free of the SDK, so calling it costs nothing and
// loads nothing when no connection string is set; the telemetry pipeline plugs its sink in when it starts.
import { currentCorrelation } from './correlation';
import type { TelemetryEventName } from './telemetryNames';

/**
 * An event's fields. Every field is a property (customDimensions, as text), which the operations workbook
 * reads; numbers are measurements (customMeasurements) as well, for charts that want them as numbers.
 */
export type EventFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Where events go once telemetry runs. */
export type EventSink = (
  name: TelemetryEventName,
  properties: Record<string, string>,
  measurements: Record<string, number>,
) => void;

let eventSink: EventSink | undefined;

/** Sets the one receiver of custom events (the telemetry pipeline); returns its remover. */
export function onTrackedEvents(sink: EventSink): () => void {
  eventSink = sink;
  return () => {
    if (eventSink === sink) eventSink = undefined;
  };
}

/** Sends a custom event to Application Insights when telemetry runs; does nothing otherwise. Never throws. */
export function trackEvent(name: TelemetryEventName, fields: EventFields = {}): void {
  const sink = eventSink;
  if (!sink) return;
  const properties: Record<string, string> = {};
  const measurements: Record<string, number> = {};
  const correlation = currentCorrelation();
  if (correlation) {
    properties.correlationId = correlation.correlationId;
    properties.invocationId = correlation.invocationId;
  }
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    properties[key] = String(value);
    if (typeof value === 'number' && Number.isFinite(value)) measurements[key] = value;
  }
  try {
    sink(name, properties, measurements);
  } catch {
    // Telemetry must never fail the timer or request that reports it.
  }
}
