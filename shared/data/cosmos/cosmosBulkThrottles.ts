import type { CosmosDiagnostics } from '@azure/cosmos';

/**
 * The 429s a bulk call met, each counted once. Operations sent in one request share its throttled answer
 * (and its activity id), and the throttled attempts the SDK retried by itself inside a request show only in
 * the diagnostics of the answer that finally came back.
 */
export class ThrottleLog {
  private readonly requests = new Set<string>();
  private anonymous = 0;

  /** Notes one throttled answer; without an activity id it cannot be matched, so it counts alone. */
  note(activityId: string | undefined): void {
    if (activityId) this.requests.add(activityId);
    else this.anonymous += 1;
  }

  /** Notes the throttled attempts the SDK retried before an answer, from its diagnostics. */
  noteRetried(diagnostics: CosmosDiagnostics | undefined): void {
    for (const attempt of diagnostics?.clientSideRequestStatistics?.retryDiagnostics?.failedAttempts ?? []) {
      if (attempt.statusCode === 429) this.note(attempt.activityId);
    }
  }

  /** How many throttled answers were met. */
  count(): number {
    return this.requests.size + this.anonymous;
  }
}
