// The sampling decision for each HTTP request, made before any span exists. The Application Insights SDK's
// default sampler keeps about 5 traces per second; asked through the tracer, its decision costs a span
// start, ids and contexts for every request, kept or not, which measured about 18 µs of CPU per
// GET /api/tasks/{id} under load on the local runner. Here a request that is left out costs the decision
// alone. The algorithm is the SDK's own rate-limited sampler (@azure/monitor-opentelemetry-exporter's
// RateLimitedSampler and samplingUtils), which the app cannot import without bundling the whole exporter a
// second time; tests/telemetry/requestSampler.test.ts checks that both decide alike, call for call.

/** The W3C/OpenTelemetry attribute the Azure Monitor exporter turns into an item's sample rate (itemCount). */
export const SAMPLE_RATE_ATTRIBUTE = 'microsoft.sample_rate';

/** The SDK's default: traces per second kept per instance when OTEL_TRACES_SAMPLER is not set. */
export const DEFAULT_TRACES_PER_SECOND = 5;

// The SDK's hash of a trace id into 0..100 (a port of its getSamplingHashCode: djb2 on the id's characters,
// as .NET's SDK computes it, so that services sampling the same trace agree).
function samplingScore(traceId: string): number {
  if (!traceId) return 0;
  let input = traceId;
  while (input.length < 8) input += input;
  let hash = 5381;
  for (let i = 0; i < input.length; i += 1) {
    hash = (((hash << 5) + hash) | 0) + input.charCodeAt(i);
    hash |= 0;
  }
  return scoreOfHash(hash);
}

function scoreOfHash(djb2: number): number {
  const csharpMin = -2147483648;
  const csharpMax = 2147483647;
  const hash = djb2 <= csharpMin ? csharpMax : Math.abs(djb2);
  return (hash / csharpMax) * 100;
}

const DASH = 45;
const ZERO = 48;

/**
 * The sampling score of the trace a UUID correlation id becomes (traceIdsFor: its 32 hex digits, lower case),
 * computed on the id as it is, without building the trace id: the request the sampler leaves out never needs
 * it. -1 when the id is not a UUID, or is all zeros (such an id gets a random trace instead).
 */
export function samplingScoreOfUuid(id: string): number {
  if (id.length !== 36) return -1;
  let hash = 5381;
  let nonZero = false;
  for (let i = 0; i < 36; i += 1) {
    let code = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== DASH) return -1;
      continue;
    }
    // The trace id is lower case: A-F count as a-f.
    if (code >= 65 && code <= 70) code += 32;
    else if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return -1;
    if (code !== ZERO) nonZero = true;
    hash = (((hash << 5) + hash) | 0) + code;
    hash |= 0;
  }
  return nonZero ? scoreOfHash(hash) : -1;
}

// Sample rates are 100 / n for a whole n, so every kept item stands for a whole number of items.
function roundDownToNearest(percentage: number): number {
  return percentage === 0 ? 0 : 100 / Math.ceil(100 / percentage);
}

/**
 * Keeps about `tracesPerSecond` requests per second: the arrival rate is an exponentially decaying average
 * over a tenth of a second, the sample rate what brings it down to the limit, and the decision a hash of the
 * trace id compared with that rate.
 */
export class RateLimitedRequestSampler {
  private readonly inverseAdaptationTimeNanos = 1e-9 / 0.1;
  private readonly targetPerNanosecond: number;
  private effectiveWindowCount = 0;
  private effectiveWindowNanos = 0;
  private lastNanoTime: number;

  constructor(
    tracesPerSecond: number,
    // performance.now() in nanoseconds: monotonic like the SDK's hrtime.bigint(), without a BigInt per request.
    private readonly nanoTime: () => number = () => performance.now() * 1e6,
  ) {
    if (!(tracesPerSecond >= 0)) throw new Error('tracesPerSecond must be a non-negative number');
    this.targetPerNanosecond = 1e-9 * tracesPerSecond;
    this.lastNanoTime = nanoTime();
  }

  /**
   * Decides one request of the given trace: the sample rate it is kept at (the percentage of requests like it
   * being kept, 100 for all), or 0 when it is left out.
   */
  decide(traceId: string): number {
    return this.decideByScore(samplingScore(traceId));
  }

  /**
   * The same decision from the trace id's sampling score, when the caller has it without the trace id (see
   * samplingScoreOfUuid). Advances the arrival window once, whatever the outcome, as the SDK's sampler does.
   */
  decideByScore(score: number): number {
    const sampleRate = this.nextSampleRate();
    if (sampleRate === 100 || sampleRate === 0) return sampleRate;
    return score < sampleRate ? sampleRate : 0;
  }

  private nextSampleRate(): number {
    const now = this.nanoTime();
    if (now <= this.lastNanoTime) {
      this.effectiveWindowCount += 1;
    } else {
      const elapsed = now - this.lastNanoTime;
      const decay = Math.exp(-elapsed * this.inverseAdaptationTimeNanos);
      this.effectiveWindowCount = this.effectiveWindowCount * decay + 1;
      this.effectiveWindowNanos = this.effectiveWindowNanos * decay + elapsed;
      this.lastNanoTime = now;
    }
    const probability = (this.effectiveWindowNanos * this.targetPerNanosecond) / this.effectiveWindowCount;
    return roundDownToNearest(100 * Math.min(probability, 1));
  }
}

/**
 * The app's sampler, or undefined when OTEL_TRACES_SAMPLER chooses another one: then the SDK decides per
 * span as configured (always_on, parentbased_*, traceidratio, microsoft.rate_limited with its own rate...).
 */
export function requestSamplerFor(env: NodeJS.ProcessEnv): RateLimitedRequestSampler | undefined {
  if (env.OTEL_TRACES_SAMPLER?.trim()) return undefined;
  return new RateLimitedRequestSampler(DEFAULT_TRACES_PER_SECOND);
}
