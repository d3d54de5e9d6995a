import {
  ExponentialBackoff,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';

type Context = IRetryBackoffContext<unknown>;

function serverDelayMs(context: Context): number {
  const error = 'error' in context.result ? context.result.error : undefined;
  const retryAfterMs = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof retryAfterMs === 'number' && retryAfterMs > 0 ? retryAfterMs : 0;
}

class RetryAfterBackoff implements IBackoff<Context> {
  constructor(
    private readonly inner: IBackoff<unknown>,
    private readonly minimumMs: number,
  ) {}

  get duration(): number {
    // Never earlier than the server asked for (x-ms-retry-after-ms / Retry-After), never earlier than jitter.
    return Math.max(this.inner.duration, this.minimumMs);
  }

  next(context: Context): IBackoff<Context> {
    return new RetryAfterBackoff(this.inner.next(undefined), serverDelayMs(context));
  }
}

/** Decorrelated-jitter exponential backoff that waits at least as long as the server's retry-after says. */
export class RetryAfterAwareBackoff implements IBackoffFactory<Context> {
  private readonly exponential: ExponentialBackoff<unknown>;

  constructor(options: { initialDelayMs: number; maxDelayMs: number }) {
    // ExponentialBackoff's default generator is decorrelated jitter.
    this.exponential = new ExponentialBackoff({
      initialDelay: options.initialDelayMs,
      maxDelay: options.maxDelayMs,
    });
  }

  next(context: Context): IBackoff<Context> {
    return new RetryAfterBackoff(this.exponential.next(), serverDelayMs(context));
  }
}
