// The app's request sampler is a port of the Application Insights SDK's rate-limited sampler: both must
// decide alike, call for call, or the sample rates Application Insights multiplies by would be wrong.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  RateLimitedRequestSampler,
  requestSamplerFor,
  samplingScoreOfUuid,
} from '../../shared/telemetry/requestSampler';
import { traceIdsFor } from '../../shared/telemetry/traceIds';

// The SDK's side runs in a child process: loading the exporter into jest's process leaves state behind that
// breaks a later test file's in-process SDK (seen with tests/telemetry/appInsights.test.ts). The child loads
// the exporter the installed applicationinsights uses, resolved from its folder, replays the same arrivals
// on the SDK sampler's own clock and prints, per request, the rate it was kept at or 0.
const SDK_SIDE = `
const path = require('node:path');
const exporter = require(require.resolve('@azure/monitor-opentelemetry-exporter', {
  paths: [path.dirname(require.resolve('applicationinsights/package.json'))],
}));
const { ROOT_CONTEXT, SpanKind } = require('@opentelemetry/api');
const { perSecond, start, arrivals } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
let now = start;
const sampler = new exporter.RateLimitedSampler(perSecond);
sampler.nanoTimeSupplier = () => now;
sampler.state = { effectiveWindowCount: 0, effectiveWindowNanos: 0, lastNanoTime: now };
const out = arrivals.map(([at, traceId]) => {
  now = at;
  const result = sampler.shouldSample(ROOT_CONTEXT, traceId, 'GET tasks/{id}', SpanKind.SERVER, {}, []);
  // SamplingDecision.RECORD_AND_SAMPLED is 2; a kept span without the attribute was kept at 100.
  return result.decision === 2 ? (result.attributes?.['microsoft.sample_rate'] ?? 100) : 0;
});
process.stdout.write(JSON.stringify(out));
`;

function sdkDecisions(perSecond: number, start: number, arrivals: [number, string][]): number[] {
  const output = execFileSync(process.execPath, ['-e', SDK_SIDE], {
    cwd: path.resolve(__dirname, '..', '..'),
    input: JSON.stringify({ perSecond, start, arrivals }),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output.toString()) as number[];
}

describe('request sampler', () => {
  it.each([5, 1, 50])(
    'decides as the SDK rate-limited sampler (%d per second) for the same arrivals',
    (perSecond) => {
      const start = 1_000_000_000;
      const arrivals: [number, string][] = [];
      let at = start;
      for (let i = 0; i < 20_000; i += 1) {
        // Bursts and lulls: from 50 µs to 400 ms between requests, and some at the same instant.
        at += i % 997 === 0 ? 400_000_000 : i % 13 === 0 ? 0 : 50_000 + ((i * 7919) % 900_000);
        arrivals.push([at, randomBytes(16).toString('hex')]);
      }
      let now = start;
      const ours = new RateLimitedRequestSampler(perSecond, () => now);
      const decisions = arrivals.map(([when, traceId]) => {
        now = when;
        return ours.decide(traceId);
      });
      expect(decisions).toEqual(sdkDecisions(perSecond, start, arrivals));
      const kept = decisions.filter((rate) => rate > 0).length;
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
      if (sampler.decide(randomBytes(16).toString('hex')) > 0) kept += 1;
    }
    expect(kept).toBeGreaterThan(20);
    expect(kept).toBeLessThan(100);
  });

  it('decides a UUID correlation id from the id itself exactly as from the trace id it becomes', () => {
    let now = 0;
    const byTraceId = new RateLimitedRequestSampler(5, () => now);
    const byUuid = new RateLimitedRequestSampler(5, () => now);
    let kept = 0;
    for (let i = 0; i < 20_000; i += 1) {
      now += 100_000 + ((i * 7919) % 400_000);
      const hex = randomBytes(16).toString('hex');
      const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      // Clients send ids in either case; the trace id is the lower-case digits.
      const correlationId = i % 2 === 0 ? uuid : uuid.toUpperCase();
      const expected = byTraceId.decide(traceIdsFor(correlationId, null).traceId);
      expect(byUuid.decideByScore(samplingScoreOfUuid(correlationId))).toBe(expected);
      if (expected > 0) kept += 1;
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(20_000);
  });

  it('has no quick score for ids that are not a UUID, or are all zeros (those get a random trace)', () => {
    for (const id of [
      'client-abc.123',
      '00000000-0000-0000-0000-000000000000',
      '5f0c9f1e7a4b4c1d9e2f0a1b2c3d4e5f',
      '5f0c9f1e-7a4b-4c1d-9e2f-0a1b2c3d4e5g',
      '5f0c9f1e_7a4b-4c1d-9e2f-0a1b2c3d4e5f',
      '',
    ]) {
      expect(samplingScoreOfUuid(id)).toBe(-1);
    }
  });

  it('leaves the decision to the SDK when OTEL_TRACES_SAMPLER names a sampler', () => {
    expect(requestSamplerFor({})).toBeInstanceOf(RateLimitedRequestSampler);
    expect(requestSamplerFor({ OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
    expect(requestSamplerFor({ OTEL_TRACES_SAMPLER: 'microsoft.rate_limited' })).toBeUndefined();
  });
});
