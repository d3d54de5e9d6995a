// The request thread's side of telemetry, without the SDK: what a kept invocation's record holds when it is
// handed to the telemetry thread, including the Azure SDKs' spans, which reach the recorder through
// @azure/core-tracing exactly as Blob Storage's and Key Vault's clients report them.
import { createTracingClient } from '@azure/core-tracing';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { recordAzureSdkSpans } from '../../shared/telemetry/azureSdkSpans';
import { createInvocationRecorder } from '../../shared/telemetry/invocationRecorder';
import { instrumentHttpHandler, traceInvocations } from '../../shared/telemetry/invocationTelemetry';
import { RateLimitedRequestSampler } from '../../shared/telemetry/requestSampler';
import type { ExceptionRecord, InvocationTelemetry } from '../../shared/telemetry/telemetryMessages';

const tracing = createTracingClient({
  namespace: 'Microsoft.Storage',
  packageName: '@azure/storage-blob',
  packageVersion: '12.0.0',
});

// What a Blob Storage upload does: a client span, and inside it the HTTP request's span (core-rest-pipeline's
// tracing policy), its context passed down in the options.
async function upload(): Promise<boolean> {
  return tracing.withSpan('BlockBlobClient-upload', {}, async (options) => {
    const { span } = tracing.startSpan('HTTP PUT', options, {
      spanKind: 'client',
      spanAttributes: {
        'http.method': 'PUT',
        'http.url': 'http://127.0.0.1:10000/devstoreaccount1/reports/x',
      },
    });
    const recording = span.isRecording();
    span.setAttribute('http.status_code', 201);
    span.setStatus({ status: 'success' });
    span.end();
    return recording;
  });
}

function request(correlationId: string): HttpRequest {
  return new HttpRequest({
    method: 'GET',
    url: 'http://127.0.0.1/api/reports?code=secret-key',
    headers: { 'x-correlation-id': correlationId },
  });
}

const context = (id: string) => new InvocationContext({ invocationId: id, logHandler: () => undefined });

describe('the invocation recorder', () => {
  const sent: InvocationTelemetry[] = [];
  const exceptions: ExceptionRecord[] = [];
  let stops: (() => void)[] = [];

  afterEach(() => {
    for (const stop of stops) stop();
    stops = [];
    sent.length = 0;
    exceptions.length = 0;
  });

  function record(sampler?: RateLimitedRequestSampler): void {
    stops = [
      traceInvocations(
        createInvocationRecorder(
          (invocation) => sent.push(invocation),
          (exception) => exceptions.push(exception),
          sampler,
        ),
      ),
      recordAzureSdkSpans(),
    ];
  }

  it("hands over a kept invocation once, when it ends, with the Azure SDK's spans nested as they ran", async () => {
    record();
    let recordedInside = false;
    const handler = instrumentHttpHandler('reportsGet', 'GET reports', async () => {
      recordedInside = await upload();
      expect(sent).toHaveLength(0); // nothing crosses before the invocation ends
      return { status: 200 };
    });
    expect((await handler(request('recorder-kept'), context('recorder-kept'))).status).toBe(200);

    expect(recordedInside).toBe(true);
    expect(sent).toHaveLength(1);
    const [invocation] = sent;
    expect(invocation).toMatchObject({
      name: 'GET reports',
      trigger: 'http',
      status: 200,
      success: true,
      sampleRate: 100,
      attributes: {
        correlationId: 'recorder-kept',
        invocationId: 'recorder-kept',
        'http.route': 'reports',
        'url.full': 'http://127.0.0.1/api/reports?code=REDACTED',
      },
    });
    expect(invocation.endedAt).toBeGreaterThanOrEqual(invocation.startedAt);
    const [outer, inner] = [...invocation.azureSdkSpans].sort((a, b) => a.id - b.id);
    expect(outer).toMatchObject({
      name: 'BlockBlobClient-upload',
      parentId: 0,
      kind: 'internal',
      failed: false,
    });
    expect(outer.attributes['az.namespace']).toBe('Microsoft.Storage');
    expect(inner).toMatchObject({
      name: 'HTTP PUT',
      parentId: outer.id,
      kind: 'client',
      attributes: { 'http.method': 'PUT', 'http.status_code': 201 },
    });
    expect(inner.startedAt).toBeGreaterThanOrEqual(outer.startedAt);
    expect(inner.endedAt).toBeLessThanOrEqual(outer.endedAt);
  });

  it('records nothing of a request the sampler leaves out, Azure SDK calls included, but still its exception', async () => {
    record(new RateLimitedRequestSampler(0));
    let recordedInside = true;
    const handler = instrumentHttpHandler('reportsGet', 'GET reports', async () => {
      recordedInside = await upload();
      throw new Error('left out and broken');
    });
    await expect(handler(request('recorder-left-out'), context('recorder-left-out'))).rejects.toThrow();

    expect(recordedInside).toBe(false);
    expect(sent).toEqual([]);
    expect(exceptions).toEqual([
      {
        error: expect.objectContaining({ name: 'Error', message: 'left out and broken' }),
        properties: {
          correlationId: 'recorder-left-out',
          invocationId: 'recorder-left-out',
          operation: 'GET reports',
        },
      },
    ]);
  });

  it('keeps an exception of a kept invocation in its record, and records no Azure SDK span outside any invocation', async () => {
    record();
    expect(await upload()).toBe(false);
    const handler = instrumentHttpHandler('boom', 'GET boom', () => {
      throw new Error('kept and broken');
    });
    await expect(handler(request('recorder-boom'), context('recorder-boom'))).rejects.toThrow();

    expect(exceptions).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ status: 500, success: false, azureSdkSpans: [] });
    expect(sent[0].exceptions).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ message: 'kept and broken' }) }),
    ]);
  });
});
