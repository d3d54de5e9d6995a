import type { OperationStats } from '../documentStore';

/** A started operation's clock; `stats()` turns the SDK's request charge and an item count into OperationStats. */
export class OperationTimer {
  private readonly started = performance.now();

  /** The stats of the operation so far; requestCharge is whatever the SDK reported (0 when absent). */
  stats(requestCharge: number | undefined, itemCount: number): OperationStats {
    return {
      requestCharge: Number.isFinite(requestCharge) ? (requestCharge as number) : 0,
      durationMs: Math.round((performance.now() - this.started) * 100) / 100,
      itemCount,
    };
  }
}

/** The request charge from a response's headers (x-ms-request-charge), for responses without a typed field. */
export function chargeFromHeaders(headers: Record<string, unknown> | undefined): number | undefined {
  const raw = headers?.['x-ms-request-charge'];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number.parseFloat(raw) : NaN;
  return Number.isFinite(value) ? value : undefined;
}
