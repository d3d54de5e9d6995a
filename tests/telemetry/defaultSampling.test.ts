// Application Insights with the SDK's default sampling (a rate limit of 5 traces per second per
// instance), which is what a deployment runs with. Under load most requests are sampled out: they must
// cost next to nothing (no span work, no dependencies), while the items that are sent carry the sample
// rate that lets Application Insights count every request. Its own file: the SDK's providers are
// process-global and appInsights.test.ts starts them with every trace kept.
import { HttpRequest, InvocationContext } from '@azure/functions';
import { getSettings } from '../../shared/config/settings';
import { flushTelemetry, startTelemetry, stopTelemetry } from '../../shared/telemetry/appInsights';
import { instrumentHttpHandler } from '../../shared/telemetry/invocationTelemetry';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { itemsOf, startFakeIngestion, type Envelope, type FakeIngestion } from '../helpers/fakeIngestion';

const BURST_MS = 2_500;
const CONCURRENCY = 10;

describe('Application Insights with default sampling', () => {
  let ingestion: FakeIngestion;
  let api: ApiUnderTest;

  beforeAll(async () => {
    ingestion = await startFakeIngestion();
    ingestion.trustInThisProcess();
    delete process.env.OTEL_TRACES_SAMPLER;
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    api = await startApi({
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
      USAGE_FLUSH_INTERVAL_MS: '3600000',
      HEALTH_CHECK_SCHEDULE: '0 0 0 1 1 *',
      COST_REPORT_SCHEDULE: '0 0 0 1 1 *',
    });
    expect(startTelemetry(getSettings())).toBe(true);
  });

  afterAll(async () => {
    await stopTelemetry();
    await api?.close();
    await ingestion?.close();
    delete process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED;
  });

  const reads = (envelopes: Envelope[]) =>
    itemsOf(envelopes, 'RequestData').filter((e) => e.data.baseData.name === 'GET tasks/{id}');

  it('sends a few requests under load, each with the sample rate that accounts for the rest', async () => {
    const user = api.as('sampling-user');
    expect((await user.post('/tasks', { id: 'sampled-1', title: 'Sample me' })).status).toBe(201);

    let sent = 0;
    const until = Date.now() + BURST_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < until) {
          const response = await user.get('/tasks/sampled-1');
          expect(response.status).toBe(200);
          // Sampled out or not, every response carries its correlation id.
          expect(response.headers.get('x-correlation-id')).toBeTruthy();
          sent += 1;
        }
      }),
    );
    await flushTelemetry();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await flushTelemetry();

    const kept = reads(ingestion.envelopes);
    // 5 traces per second is the SDK's default limit; the estimator adapts within a tenth of a second.
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(Math.max(40, sent / 10));
    // Each kept item stands for 100 / sampleRate requests (1 when the rate was still under the limit, as
    // at the start of the burst): together about as many as were made.
    expect(kept.some((e) => e.sampleRate !== undefined && e.sampleRate < 100)).toBe(true);
    const estimated = kept.reduce((total, e) => total + 100 / (e.sampleRate ?? 100), 0);
    expect(estimated).toBeGreaterThan(sent / 4);
    expect(estimated).toBeLessThan(sent * 4);
    // A store call is a dependency only inside a request that was kept: one point read per kept request.
    const dependencies = itemsOf(ingestion.envelopes, 'RemoteDependencyData').filter(
      (e) => e.data.baseData.name === 'read tasks',
    );
    expect(dependencies.length).toBe(kept.length);
    const keptOperations = new Set(kept.map((e) => e.tags?.['ai.operation.id']));
    expect(dependencies.every((e) => keptOperations.has(e.tags?.['ai.operation.id']))).toBe(true);
    // ...counted at its request's sample rate.
    for (const dependency of dependencies) {
      const request = kept.find((e) => e.tags?.['ai.operation.id'] === dependency.tags?.['ai.operation.id']);
      expect(dependency.sampleRate).toBe(request?.sampleRate);
    }
  });

  it('still sends the exception of a request that fails, whether or not its request item is kept', async () => {
    const throwing = instrumentHttpHandler('sampledBoom', 'GET sampled-boom', () => {
      throw new Error('broke under load');
    });
    const correlationIds = Array.from({ length: 20 }, (_, i) => `sampled-boom-${i}`);
    // Under load, so that the sampler leaves most of these failing requests out.
    const user = api.as('sampling-user');
    let loading = true;
    const load = Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (loading) expect((await user.get('/tasks/sampled-1')).status).toBe(200);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const correlationId of correlationIds) {
      const request = new HttpRequest({
        method: 'GET',
        url: 'http://127.0.0.1/api/sampled-boom',
        headers: { 'x-correlation-id': correlationId },
      });
      const context = new InvocationContext({ invocationId: correlationId, logHandler: () => undefined });
      await expect(throwing(request, context)).rejects.toThrow('broke under load');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    loading = false;
    await load;
    const exceptionsFor = (all: Envelope[]) =>
      itemsOf(all, 'ExceptionData').filter((e) =>
        correlationIds.includes(e.data.baseData.properties?.correlationId ?? ''),
      );
    for (const deadline = Date.now() + 20_000; exceptionsFor(ingestion.envelopes).length < 20;) {
      if (Date.now() > deadline) break;
      await flushTelemetry();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(exceptionsFor(ingestion.envelopes)).toHaveLength(20);
    const keptFailures = itemsOf(ingestion.envelopes, 'RequestData').filter(
      (e) => e.data.baseData.name === 'GET sampled-boom',
    );
    expect(keptFailures.length).toBeLessThan(correlationIds.length);
  });
});
