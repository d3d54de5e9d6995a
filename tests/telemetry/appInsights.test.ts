// Application Insights end to end: the app runs in this process with a connection string pointing at a
// fake ingestion endpoint, requests and a timer go through it, the SDK is flushed, and the items that
// arrived are checked. The SDK's providers are process-global: this file alone starts them (jest gives
// each file its own module registry), the no-connection-string case lives in noConnectionString.test.ts,
// and afterAll shuts the SDK down.
import { HttpRequest, InvocationContext } from '@azure/functions';
import { getSettings } from '../../shared/config/settings';
import { flushTelemetry, startTelemetry, stopTelemetry } from '../../shared/telemetry/appInsights';
import { instrumentHttpHandler } from '../../shared/telemetry/invocationTelemetry';
import { invocationLogger } from '../../shared/telemetry/logger';
import { trackEvent } from '../../shared/telemetry/telemetryEvents';
import { EVENT_NAMES, METRIC_NAMES } from '../../shared/telemetry/telemetryNames';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { testAzuriteConnectionString } from '../helpers/azurite';
import {
  FAKE_INSTRUMENTATION_KEY,
  itemsOf,
  metricPoints,
  startFakeIngestion,
  type Envelope,
  type FakeIngestion,
} from '../helpers/fakeIngestion';

// Process environment the SDK reads: keep every trace (its default keeps 5 per second), and no SDK
// self-telemetry (statsbeat), which goes to Microsoft's own endpoint, not the connection string's.
const SDK_ENV = {
  OTEL_TRACES_SAMPLER: 'always_on',
  APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
};

describe('Application Insights telemetry with a connection string', () => {
  let ingestion: FakeIngestion;
  let api: ApiUnderTest;

  beforeAll(async () => {
    ingestion = await startFakeIngestion();
    ingestion.trustInThisProcess();
    Object.assign(process.env, SDK_ENV);
    api = await startApi({
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
      AzureWebJobsStorage: testAzuriteConnectionString(),
      USAGE_FLUSH_INTERVAL_MS: '3600000',
      HEALTH_CHECK_SCHEDULE: '0 0 0 1 1 *',
      COST_REPORT_SCHEDULE: '0 0 0 1 1 *',
    });
    // startApi is the runner without its CLI (tools/local-runner/main.ts calls this for npm start).
    expect(startTelemetry(getSettings())).toBe(true);
    expect(startTelemetry(getSettings())).toBe(true); // once per process: a second call changes nothing
  });

  afterAll(async () => {
    await stopTelemetry();
    await api?.close();
    await ingestion?.close();
    for (const name of Object.keys(SDK_ENV)) delete process.env[name];
  });

  // Flushes until the predicate holds: spans, logs and metrics are batched separately, and a flush sends
  // what has ended by then.
  async function flushUntil(done: (envelopes: Envelope[]) => boolean): Promise<Envelope[]> {
    for (const deadline = Date.now() + 20_000; ;) {
      await flushTelemetry();
      if (done(ingestion.envelopes)) return ingestion.envelopes;
      if (Date.now() > deadline)
        throw new Error(
          `telemetry did not arrive: ${summary(ingestion.envelopes)} requests ${JSON.stringify(ingestion.requests)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  function summary(envelopes: Envelope[]): string {
    return JSON.stringify(
      envelopes.map(
        (e) => `${e.data.baseType}:${e.data.baseData.name ?? e.data.baseData.metrics?.[0]?.name}`,
      ),
    );
  }

  const requestNamed = (envelopes: Envelope[], name: string, correlationId: string) =>
    itemsOf(envelopes, 'RequestData').find(
      (e) => e.data.baseData.name === name && e.data.baseData.properties?.correlationId === correlationId,
    );

  it('sends a request item per HTTP invocation: route-template name, status, success, correlation id', async () => {
    const user = api.as('telemetry-user');
    const created = await user.post(
      '/tasks',
      { id: 'tele-1', title: 'Water the plants' },
      {
        'x-correlation-id': 'telemetry-create-1',
      },
    );
    expect(created.status).toBe(201);
    const uuid = '5f0c9f1e-7a4b-4c1d-9e2f-0a1b2c3d4e5f';
    const read = await user.get('/tasks/tele-1', { 'x-correlation-id': uuid });
    expect(read.status).toBe(200);
    const missing = await user.get('/tasks/no-such-task', { 'x-correlation-id': 'telemetry-404' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-correlation-id')).toBe('telemetry-404');
    const traced = await user.get('/tasks', {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(traced.status).toBe(200);

    const envelopes = await flushUntil(
      (all) =>
        !!requestNamed(all, 'POST tasks', 'telemetry-create-1') &&
        !!requestNamed(all, 'GET tasks/{id}', uuid) &&
        !!requestNamed(all, 'GET tasks/{id}', 'telemetry-404') &&
        !!requestNamed(all, 'GET tasks', '4bf92f3577b34da6a3ce929d0e0e4736'),
    );

    const create = requestNamed(envelopes, 'POST tasks', 'telemetry-create-1')!;
    expect(create.iKey).toBe(FAKE_INSTRUMENTATION_KEY);
    expect(create.data.baseData).toMatchObject({ responseCode: '201', success: true });
    expect(create.data.baseData.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/tasks$/);
    expect(create.data.baseData.properties).toMatchObject({
      functionName: 'tasksCreate',
      trigger: 'http',
      invocationId: expect.any(String),
    });
    expect(create.tags?.['ai.operation.name']).toBe('POST tasks');

    // A UUID correlation id is the operation id (its 32 hex digits), so the id the client got back finds
    // the whole operation in Application Insights.
    const item = requestNamed(envelopes, 'GET tasks/{id}', uuid)!;
    expect(item.data.baseData).toMatchObject({ responseCode: '200', success: true });
    expect(item.tags?.['ai.operation.id']).toBe(uuid.replace(/-/g, ''));

    // A 404 is a correct answer (success as the app counts it: status < 500); its route is the template.
    const notFound = requestNamed(envelopes, 'GET tasks/{id}', 'telemetry-404')!;
    expect(notFound.data.baseData).toMatchObject({ responseCode: '404', success: true });
    expect(notFound.data.baseData.url).toContain('/api/tasks/no-such-task');

    // Each store call of a sampled request is a dependency of it, with what the usage recorder knows.
    const storeCalls = (request: Envelope) =>
      itemsOf(envelopes, 'RemoteDependencyData').filter(
        (e) =>
          e.tags?.['ai.operation.id'] === request.tags?.['ai.operation.id'] && e.data.baseData.type === 'SQL',
      );
    const createCall = storeCalls(create).find((e) => e.data.baseData.name === 'create tasks');
    expect(createCall?.data.baseData).toMatchObject({
      target: 'local store',
      data: '/dbs/local store/colls/tasks/docs',
      success: true,
    });
    expect(createCall?.data.baseData.properties).toMatchObject({ container: 'tasks', outcome: 'ok' });
    expect(Number(createCall?.data.baseData.properties?.requestCharge)).toBeGreaterThan(0);
    expect(storeCalls(item).map((e) => e.data.baseData.name)).toContain('read tasks');
    // A missing item is a correct answer of the store (no item), not a failed dependency.
    const missingRead = storeCalls(notFound).find((e) => e.data.baseData.name === 'read tasks');
    expect(missingRead?.data.baseData).toMatchObject({ success: true });
    expect(missingRead?.data.baseData.properties).toMatchObject({ outcome: 'ok', itemCount: '0' });

    // A caller's W3C trace goes on: same operation id, the caller's span as parent.
    const continued = requestNamed(envelopes, 'GET tasks', '4bf92f3577b34da6a3ce929d0e0e4736')!;
    expect(continued.tags?.['ai.operation.id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(continued.tags?.['ai.operation.parentId']).toBe('00f067aa0ba902b7');
  });

  it('sends custom metrics for RU, duration and the query cache with their dimensions', async () => {
    const user = api.as('metrics-user');
    expect((await user.post('/tasks', { title: 'Metric me', priority: 3 })).status).toBe(201);
    for (let i = 0; i < 3; i += 1) expect((await user.get('/tasks?status=todo')).status).toBe(200);

    const points = () => metricPoints(ingestion.envelopes);
    await flushUntil(
      () =>
        points().some((p) => p.name === METRIC_NAMES.cacheHits) &&
        points().some((p) => p.name === METRIC_NAMES.requestCharge && p.properties.operation === 'query'),
    );
    const charges = points().filter((p) => p.name === METRIC_NAMES.requestCharge);
    const create = charges.find(
      (p) => p.properties.container === 'tasks' && p.properties.operation === 'create',
    );
    expect(create).toBeDefined();
    expect(create!.value).toBeGreaterThan(0); // the local store's RU estimate
    expect(create!.properties.shape).toBe('');
    const query = charges.find(
      (p) => p.properties.container === 'tasks' && p.properties.operation === 'query',
    );
    expect(query!.properties.shape).toMatch(/^SELECT .* FROM c WHERE/);
    expect(query!.properties.shape).not.toContain('metrics-user'); // a shape, never a value
    // Asked three times: the store answered once, the cache twice. Each point carries its call count.
    const statusQueries = charges.filter(
      (p) => p.properties.operation === 'query' && p.properties.shape.includes('status'),
    );
    expect(statusQueries.reduce((calls, p) => calls + (p.count ?? 1), 0)).toBe(1);

    const durations = points().filter((p) => p.name === METRIC_NAMES.storeDuration);
    expect(
      durations.some((p) => p.properties.container === 'tasks' && p.properties.operation === 'create'),
    ).toBe(true);
    const hits = points().filter(
      (p) => p.name === METRIC_NAMES.cacheHits && p.properties.container === 'tasks',
    );
    expect(hits.reduce((sum, p) => sum + p.value, 0)).toBeGreaterThanOrEqual(2); // the same list, asked three times
    expect(
      points().some((p) => p.name === METRIC_NAMES.cacheMisses && p.properties.container === 'tasks'),
    ).toBe(true);
    // The local store has no circuit breaker, so there is no breaker gauge to report.
    expect(points().some((p) => p.name === METRIC_NAMES.breakerState)).toBe(false);
  });

  it('sends the cost report timer as a CostReport event, with its Blob Storage calls as dependencies', async () => {
    expect((await api.as('cost-user').post('/tasks', { title: 'Cost me' })).status).toBe(201);
    const run = await fetch(`${api.url}/admin/functions/costReport`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input": ""}',
    });
    expect(run.status).toBe(202);
    const { invocationId } = (await run.json()) as { invocationId: string };

    const timerRequest = (all: Envelope[]) =>
      itemsOf(all, 'RequestData').find((e) => e.data.baseData.properties?.invocationId === invocationId);
    const envelopes = await flushUntil(
      (all) =>
        itemsOf(all, 'EventData').some((e) => e.data.baseData.name === EVENT_NAMES.costReport) &&
        !!timerRequest(all),
    );

    const event = itemsOf(envelopes, 'EventData').find(
      (e) => e.data.baseData.name === EVENT_NAMES.costReport,
    )!;
    expect(event.data.baseData.measurements).toEqual(
      expect.objectContaining({
        requestCharge: expect.any(Number),
        calls: expect.any(Number),
        periodUsd: expect.any(Number),
        indexSuggestions: expect.any(Number),
      }),
    );
    expect(event.data.baseData.measurements!.calls).toBeGreaterThan(0);
    expect(event.data.baseData.properties).toMatchObject({ mode: 'serverless', invocationId });
    // The workbook reads every field from customDimensions (todouble(customDimensions.periodUsd), ...).
    for (const field of ['requestCharge', 'calls', 'throttled', 'periodUsd', 'indexSuggestions']) {
      expect(Number(event.data.baseData.properties?.[field])).toBe(event.data.baseData.measurements?.[field]);
    }
    expect(event.data.baseData.properties?.name).toMatch(/^cost\/\d{4}-\d{2}-\d{2}$/);

    // The timer run is a request item named after the function, and the report's uploads to Blob
    // Storage (Azurite) are its dependencies: HTTP calls the SDK instrumented on its own.
    const request = timerRequest(envelopes)!;
    expect(request.data.baseData).toMatchObject({ name: 'costReport', success: true });
    expect(request.data.baseData.properties).toMatchObject({ trigger: 'timer', functionName: 'costReport' });
    const operationId = request.tags?.['ai.operation.id'];
    const blobCalls = itemsOf(envelopes, 'RemoteDependencyData').filter(
      (e) =>
        e.tags?.['ai.operation.id'] === operationId &&
        /devstoreaccount1\/reports/.test(e.data.baseData.data ?? ''),
    );
    expect(blobCalls.length).toBeGreaterThanOrEqual(2); // the JSON and the Markdown
    expect(blobCalls[0].data.baseData.type).toBe('Http');
    expect(blobCalls[0].data.baseData.target).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/reports/,
    );
    // The event carries the same operation, so the event, the run and its calls are one story.
    expect(event.tags?.['ai.operation.id']).toBe(operationId);
  });

  it('sends the health-check timer as a HealthCheck event with status and latency', async () => {
    const run = await fetch(`${api.url}/admin/functions/healthCheck`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input": ""}',
    });
    expect(run.status).toBe(202);
    const envelopes = await flushUntil((all) =>
      itemsOf(all, 'EventData').some((e) => e.data.baseData.name === EVENT_NAMES.healthCheck),
    );
    const event = itemsOf(envelopes, 'EventData').find(
      (e) => e.data.baseData.name === EVENT_NAMES.healthCheck,
    )!;
    expect(event.data.baseData.properties).toMatchObject({
      status: 'healthy',
      backend: 'local',
      latencyMs: expect.any(String),
    });
    expect(event.data.baseData.measurements?.latencyMs).toEqual(expect.any(Number));
  });

  it('sends an exception for a handler that throws and for an error the route logged, in the request operation', async () => {
    const context = new InvocationContext({
      invocationId: 'telemetry-throws',
      functionName: 'boom',
      logHandler: () => undefined,
    });
    const throwing = instrumentHttpHandler('boom', 'GET boom', () => {
      throw new Error('the handler broke');
    });
    const request = new HttpRequest({
      method: 'GET',
      url: 'http://127.0.0.1/api/boom?code=function-key-secret',
      headers: { 'x-correlation-id': 'telemetry-boom' },
    });
    await expect(throwing(request, context)).rejects.toThrow('the handler broke');

    const logging = instrumentHttpHandler('caught', 'GET caught', async (_request, invocation) => {
      // What problemFor does with an unexpected failure before answering 500.
      invocationLogger(invocation).error('request failed', {
        code: 'INTERNAL',
        error: new Error('caught and logged'),
      });
      return { status: 500 };
    });
    const caught = new HttpRequest({
      method: 'GET',
      url: 'http://127.0.0.1/api/caught',
      headers: { 'x-correlation-id': 'telemetry-caught' },
    });
    expect(
      (
        await logging(
          caught,
          new InvocationContext({ invocationId: 'telemetry-caught', logHandler: () => undefined }),
        )
      ).status,
    ).toBe(500);

    const exceptionFor = (all: Envelope[], correlationId: string) =>
      itemsOf(all, 'ExceptionData').find((e) => e.data.baseData.properties?.correlationId === correlationId);
    const envelopes = await flushUntil(
      (all) =>
        !!exceptionFor(all, 'telemetry-boom') &&
        !!exceptionFor(all, 'telemetry-caught') &&
        !!requestNamed(all, 'GET boom', 'telemetry-boom') &&
        !!requestNamed(all, 'GET caught', 'telemetry-caught'),
    );

    const thrown = exceptionFor(envelopes, 'telemetry-boom')!;
    expect(thrown.data.baseData.exceptions?.[0]).toMatchObject({
      typeName: 'Error',
      message: 'the handler broke',
    });
    const failed = requestNamed(envelopes, 'GET boom', 'telemetry-boom')!;
    expect(failed.data.baseData).toMatchObject({ responseCode: '500', success: false });
    expect(thrown.tags?.['ai.operation.id']).toBe(failed.tags?.['ai.operation.id']);
    // A function key in the URL is a secret: redacted before it leaves the process.
    expect(failed.data.baseData.url).toBe('http://127.0.0.1/api/boom?code=REDACTED');

    const logged = exceptionFor(envelopes, 'telemetry-caught')!;
    expect(logged.data.baseData.exceptions?.[0]).toMatchObject({ message: 'caught and logged' });
    expect(logged.data.baseData.properties).toMatchObject({ message: 'request failed', code: 'INTERNAL' });
    expect(logged.tags?.['ai.operation.id']).toBe(
      requestNamed(envelopes, 'GET caught', 'telemetry-caught')!.tags?.['ai.operation.id'],
    );
  });

  it("joins the Functions host's trace: the invocation's traceContext is the request's parent", async () => {
    // What the Functions host hands each invocation; the caller's own traceparent header loses to it.
    const hostTrace = '0af7651916cd43dd8448eb211c80319c';
    const hostSpan = 'b7ad6b7169203331';
    const context = new InvocationContext({
      invocationId: 'telemetry-host-trace',
      functionName: 'hosted',
      traceContext: { traceParent: `00-${hostTrace}-${hostSpan}-01` },
      logHandler: () => undefined,
    });
    const hosted = instrumentHttpHandler('hosted', 'GET hosted', async () => {
      trackEvent(EVENT_NAMES.healthCheck, { status: 'healthy' });
      return { status: 200 };
    });
    const request = new HttpRequest({
      method: 'GET',
      url: 'http://127.0.0.1/api/hosted',
      headers: {
        'x-correlation-id': 'telemetry-hosted',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    });
    expect((await hosted(request, context)).status).toBe(200);

    const eventIn = (all: Envelope[]) =>
      itemsOf(all, 'EventData').find((e) => e.data.baseData.properties?.correlationId === 'telemetry-hosted');
    const envelopes = await flushUntil(
      (all) => !!requestNamed(all, 'GET hosted', 'telemetry-hosted') && !!eventIn(all),
    );
    const item = requestNamed(envelopes, 'GET hosted', 'telemetry-hosted')!;
    expect(item.tags?.['ai.operation.id']).toBe(hostTrace);
    expect(item.tags?.['ai.operation.parentId']).toBe(hostSpan);
    // An event the invocation tracked is in its operation, with the request as its parent.
    expect(eventIn(envelopes)!.tags?.['ai.operation.id']).toBe(hostTrace);
    expect(eventIn(envelopes)!.tags?.['ai.operation.parentId']).toBe(item.data.baseData.id);
  });

  it('never sends the connection string: only its instrumentation key, as every envelope must carry', () => {
    const everything = JSON.stringify(ingestion.envelopes);
    expect(everything).not.toContain('IngestionEndpoint=');
    expect(ingestion.envelopes.every((e) => e.iKey === FAKE_INSTRUMENTATION_KEY)).toBe(true);
  });
});
