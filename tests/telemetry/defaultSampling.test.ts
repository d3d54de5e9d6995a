// Application Insights with the SDK's default sampling (a rate limit of 5 traces per second per
// instance), which is what a deployment runs with. Under load most requests are sampled out: they must
// cost next to nothing (no span, no dependencies), while the items that are sent carry the sample rate
// that lets Application Insights count every request. The app runs as `npm start` in a child process:
// appInsights.test.ts starts the SDK in jest's process, and a second SDK started and stopped in the same
// process by another file does not deliver reliably.
import { HttpRequest, InvocationContext } from '@azure/functions';
import { traceInvocations, instrumentHttpHandler } from '../../shared/telemetry/invocationTelemetry';
import { createInvocationRecorder } from '../../shared/telemetry/invocationRecorder';
import { RateLimitedRequestSampler } from '../../shared/telemetry/requestSampler';
import type { ExceptionRecord } from '../../shared/telemetry/telemetryMessages';
import { itemsOf, startFakeIngestion, type Envelope, type FakeIngestion } from '../helpers/fakeIngestion';
import { killChildren, makeTempDir, removeTempDirs, spawnRunner } from '../runner/runnerHarness';

const BURST_MS = 2_500;
const CONCURRENCY = 10;
const USER = { 'x-ms-client-principal-id': 'sampling-user' };

describe('Application Insights with default sampling', () => {
  let ingestion: FakeIngestion;

  beforeAll(async () => {
    ingestion = await startFakeIngestion();
  });
  afterAll(async () => {
    await killChildren();
    await ingestion?.close();
    removeTempDirs();
  });

  const reads = (envelopes: Envelope[]) =>
    itemsOf(envelopes, 'RequestData').filter((e) => e.data.baseData.name === 'GET tasks/{id}');

  it('sends a few requests under load, each with the sample rate that accounts for the rest', async () => {
    const dir = makeTempDir('lt-sampling-');
    const runner = spawnRunner({
      PORT: '0',
      DATA_DIR: `${dir}/data`,
      AzureWebJobsStorage: '',
      LOG_LEVEL: 'warn',
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
      NODE_EXTRA_CA_CERTS: ingestion.caFile,
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      // The default sampling, whatever the shell or another test file set.
      OTEL_TRACES_SAMPLER: '',
    });
    const url = await runner.listening;
    const created = await fetch(`${url}/api/tasks`, {
      method: 'POST',
      headers: { ...USER, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'sampled-1', title: 'Sample me' }),
    });
    expect(created.status).toBe(201);

    let sent = 0;
    const until = Date.now() + BURST_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < until) {
          const response = await fetch(`${url}/api/tasks/sampled-1`, { headers: USER });
          expect(response.status).toBe(200);
          // Sampled out or not, every response carries its correlation id.
          expect(response.headers.get('x-correlation-id')).toBeTruthy();
          await response.arrayBuffer();
          sent += 1;
        }
      }),
    );
    // SIGTERM flushes what is queued before the process exits.
    runner.child.kill('SIGTERM');
    expect(await runner.exited).toEqual({ code: 0, signal: null });

    const kept = reads(ingestion.envelopes);
    // 5 traces per second is the default limit; the estimator adapts within a tenth of a second.
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(Math.max(40, sent / 10));
    // Each kept item stands for 100 / sampleRate requests (1 when the rate was still under the limit, as
    // at the start of the burst): together about as many as were made.
    expect(kept.some((e) => e.sampleRate !== undefined && e.sampleRate < 100)).toBe(true);
    const estimated = kept.reduce((total, e) => total + 100 / (e.sampleRate ?? 100), 0);
    expect(estimated).toBeGreaterThan(sent / 4);
    expect(estimated).toBeLessThan(sent * 4);
    // A store call is a dependency only inside a request that was kept: one point read per kept request,
    // counted at its request's sample rate.
    const dependencies = itemsOf(ingestion.envelopes, 'RemoteDependencyData').filter(
      (e) => e.data.baseData.name === 'read tasks',
    );
    expect(dependencies.length).toBe(kept.length);
    for (const dependency of dependencies) {
      const request = kept.find((e) => e.tags?.['ai.operation.id'] === dependency.tags?.['ai.operation.id']);
      expect(request).toBeDefined();
      expect(dependency.sampleRate).toBe(request?.sampleRate);
    }
  });

  it('still reports the exception of a failing request that was sampled out', async () => {
    // A sampler that keeps nothing (0 per second), and sinks that record what they are given.
    const sent: unknown[] = [];
    const tracked: ExceptionRecord[] = [];
    const stop = traceInvocations(
      createInvocationRecorder(
        (invocation) => sent.push(invocation),
        (exception) => tracked.push(exception),
        new RateLimitedRequestSampler(0),
      ),
    );
    try {
      const throwing = instrumentHttpHandler('sampledBoom', 'GET sampled-boom', () => {
        throw new Error('broke while sampled out');
      });
      const request = new HttpRequest({
        method: 'GET',
        url: 'http://127.0.0.1/api/sampled-boom',
        headers: { 'x-correlation-id': 'sampled-boom-1' },
      });
      const context = new InvocationContext({ invocationId: 'sampled-boom-1', logHandler: () => undefined });
      await expect(throwing(request, context)).rejects.toThrow('broke while sampled out');
      expect(sent).toHaveLength(0);
      expect(tracked).toHaveLength(1);
      expect(tracked[0].error).toMatchObject({ name: 'Error', message: 'broke while sampled out' });
      expect(tracked[0].properties).toMatchObject({
        correlationId: 'sampled-boom-1',
        invocationId: 'sampled-boom-1',
        operation: 'GET sampled-boom',
      });
    } finally {
      stop();
    }
  });
});
