// The app's request sampler is a port of the Application Insights SDK's rate-limited sampler: both must
// decide alike, call for call, or the sample rates Application Insights multiplies by would be wrong.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ROOT_CONTEXT, SpanKind, type Attributes } from '@opentelemetry/api';
import {
  RateLimitedRequestSampler,
  SAMPLE_RATE_ATTRIBUTE,
  requestSamplerFor,
} from '../../shared/telemetry/requestSampler';

// SamplingDecision.RECORD_AND_SAMPLED in @opentelemetry/sdk-trace-base.
const RECORD_AND_SAMPLED = 2;

/** The SDK's sampler, with the clock and state it keeps private (set here to replay the same arrivals). */
interface SdkRateLimitedSampler {
  nanoTimeSupplier: () => number;
  state: { effectiveWindowCount: number; effectiveWindowNanos: number; lastNanoTime: number };
  shouldSample(...args: [typeof ROOT_CONTEXT, string, string, SpanKind, Attributes, []]): {
    decision: number;
    attributes?: Attributes;
  };
}

// The exporter the installed applicationinsights actually uses, resolved from its own folder (through jest's
// require, so it stays in this file's module registry).
const exporterPath = require.resolve('@azure/monitor-opentelemetry-exporter', {
  paths: [path.dirname(require.resolve('applicationinsights/package.json'))],
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RateLimitedSampler } = require(exporterPath) as {
  RateLimitedSampler: new (tracesPerSecond: number) => SdkRateLimitedSampler;
};

describe('request sampler', () => {
  it.each([5, 1, 50])(
    'decides as the SDK rate-limited sampler (%d per second) for the same arrivals',
    (perSecond) => {
      let now = 1_000_000_000;
      const clock = () => now;
      const ours = new RateLimitedRequestSampler(perSecond, clock);
      const theirs = new RateLimitedSampler(perSecond);
      theirs.nanoTimeSupplier = clock;
      theirs.state = { effectiveWindowCount: 0, effectiveWindowNanos: 0, lastNanoTime: now };
      let kept = 0;
      for (let i = 0; i < 20_000; i += 1) {
        // Bursts and lulls: from 50 µs to 400 ms between requests, and some at the same instant.
        now += i % 997 === 0 ? 400_000_000 : i % 13 === 0 ? 0 : 50_000 + ((i * 7919) % 900_000);
        const traceId = randomBytes(16).toString('hex');
        const decision = ours.decide(traceId);
        const expected = theirs.shouldSample(
          ROOT_CONTEXT,
          traceId,
          'GET tasks/{id}',
          SpanKind.SERVER,
          {},
          [],
        );
        expect(decision.sampled).toBe(expected.decision === RECORD_AND_SAMPLED);
        expect(decision.sampleRate).toBe(
          (expected.attributes?.[SAMPLE_RATE_ATTRIBUTE] as number | undefined) ?? 100,
        );
        if (decision.sampled) kept += 1;
      }
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(20_000);
    },
  );

  it('keeps about the limit per second under steady load', () => {
    let now = 0;
    const sampler = new RateLimitedRequestSampler(5, () => now);
    let kept = 0;
    // 10 seconds at 2,000 requests per second.
    for (let i = 0; i < 20_000; i += 1) {
      now += 500_000;
      if (sampler.decide(randomBytes(16).toString('hex')).sampled) kept += 1;
    }
    expect(kept).toBeGreaterThan(20);
    expect(kept).toBeLessThan(100);
  });

  it('leaves the decision to the SDK when OTEL_TRACES_SAMPLER names a sampler', () => {
    expect(requestSamplerFor({})).toBeInstanceOf(RateLimitedRequestSampler);
    expect(requestSamplerFor({ OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
    expect(requestSamplerFor({ OTEL_TRACES_SAMPLER: 'microsoft.rate_limited' })).toBeUndefined();
  });
});
