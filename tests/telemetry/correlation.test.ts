import { observeInvocations, type InvocationRecord } from '../../shared/telemetry/invocationTelemetry';
import { startApi, type ApiUnderTest } from '../api/apiHarness';

describe('correlation id and invocation records', () => {
  let api: ApiUnderTest;
  const records: InvocationRecord[] = [];
  let stop: () => void;

  beforeAll(async () => {
    api = await startApi();
    stop = observeInvocations((record) => records.push(record));
  });
  afterAll(async () => {
    stop();
    await api.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/api/${path}`, { headers: { 'x-ms-client-principal-id': 'corr-user', ...headers } });

  it("returns the client's x-correlation-id and records the request under its route template", async () => {
    records.length = 0;
    const response = await get('tasks/no-such-task', { 'x-correlation-id': 'client-abc.123' });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-correlation-id')).toBe('client-abc.123');
    expect(records).toEqual([
      expect.objectContaining({
        trigger: 'http',
        name: 'tasksGet',
        operation: 'GET tasks/{id}',
        status: 404,
        success: true,
        correlationId: 'client-abc.123',
      }),
    ]);
  });

  it('uses the W3C trace id when there is no x-correlation-id, and a new id otherwise', async () => {
    const traced = await get('tasks', {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(traced.headers.get('x-correlation-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const fresh = await get('tasks');
    expect(fresh.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never echoes a malformed id (header or log injection)', async () => {
    const response = await get('tasks', { 'x-correlation-id': '<script>alert(1)</script>' });
    const id = response.headers.get('x-correlation-id');
    expect(id).not.toContain('<');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records server errors and anonymous routes too', async () => {
    records.length = 0;
    const health = await fetch(`${api.url}/api/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-correlation-id')).toBeTruthy();
    expect(records[0]).toMatchObject({ name: 'health', operation: 'GET health', status: 200 });
    expect(records[0].durationMs).toBeGreaterThan(0);
  });
});
