import type { CosmosDiagnostics } from '@azure/cosmos';
import type { OperationStats } from '../documentStore';

/** The throttled (429) attempts the SDK retried by itself before the answer, from its diagnostics. */
export function throttledAttempts(diagnostics: CosmosDiagnostics | undefined): number {
  let count = 0;
  for (const attempt of diagnostics?.clientSideRequestStatistics?.retryDiagnostics?.failedAttempts ?? []) {
    if (attempt.statusCode === 429) count += 1;
  }
  return count;
}

/** A started operation's clock; `stats()` turns the SDK's request charge and an item count into OperationStats. */
export class OperationTimer {
  private readonly started = performance.now();

  /**
   * The stats of the operation so far; requestCharge is whatever the SDK reported (0 when absent), and
   * throttled the 429s the SDK met and retried on the way (only present when there were any).
   */
  stats(
    requestCharge: number | undefined,
    itemCount: number,
    diagnostics?: CosmosDiagnostics,
  ): OperationStats {
    const throttled = throttledAttempts(diagnostics);
    return {
      requestCharge: Number.isFinite(requestCharge) ? (requestCharge as number) : 0,
      durationMs: Math.round((performance.now() - this.started) * 100) / 100,
      itemCount,
      ...(throttled > 0 ? { throttled } : {}),
    };
  }
}

/** The request charge from a response's headers (x-ms-request-charge), for responses without a typed field. */
export function chargeFromHeaders(headers: Record<string, unknown> | undefined): number | undefined {
  const raw = headers?.['x-ms-request-charge'];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number.parseFloat(raw) : NaN;
  return Number.isFinite(value) ? value : undefined;
}
