import { traceIdsFor } from '../../shared/telemetry/traceIds';

describe('the trace of an invocation', () => {
  it("continues a caller's W3C trace: its trace id, its span as parent, its sampled flag", () => {
    expect(traceIdsFor('anything', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
      traceFlags: 1,
    });
    expect(traceIdsFor('x', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00').traceFlags).toBe(0);
  });

  it('makes a UUID or 32-hex correlation id the trace id, so the operation id is the id the client got', () => {
    const uuid = traceIdsFor('5F0C9F1E-7A4B-4C1D-9E2F-0A1B2C3D4E5F', null);
    expect(uuid.traceId).toBe('5f0c9f1e7a4b4c1d9e2f0a1b2c3d4e5f');
    expect(uuid.parentSpanId).toBe('9e2f0a1b2c3d4e5f');
    expect(traceIdsFor('4bf92f3577b34da6a3ce929d0e0e4736', undefined).traceId).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    // A parent span id is never all zeros (that would be an invalid parent, and a new trace).
    expect(traceIdsFor('12345678-1234-1234-0000-000000000000', null).parentSpanId).toBe('1234567812341234');
  });

  it('starts a new random trace for any other id, or an invalid traceparent', () => {
    for (const [id, parent] of [
      ['client-abc.123', null],
      ['00000000-0000-0000-0000-000000000000', null],
      ['client', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
      ['client', 'garbage'],
    ] as const) {
      const ids = traceIdsFor(id, parent);
      expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(ids.traceId).not.toMatch(/^0+$/);
      expect(ids.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(traceIdsFor('client', null).traceId).not.toBe(traceIdsFor('client', null).traceId);
  });
});
