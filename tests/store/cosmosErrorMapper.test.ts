import { randomUUID } from 'node:crypto';
import { loadSettings } from '../../shared/config/settings';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import { mapCosmosError, safeDetail } from '../../shared/data/cosmos/cosmosErrorMapper';
import { AppError } from '../../shared/errors/appError';
import { appErrorOf } from '../helpers/appErrorOf';

// The mapper turns every Cosmos failure into one AppError; first on the error shapes the SDK and Node
// produce, then on the real 404/409/412 of the Cosmos-protocol server.

const context = { operation: 'read', container: 'tasks' };
const sdkError = (code: number | string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(extra.message === undefined ? `status ${code}` : String(extra.message)), {
    code,
    ...extra,
  });

describe('mapCosmosError (table)', () => {
  test.each([
    [404, 'NOT_FOUND', 'NOT_FOUND', 404, false],
    [409, 'CONFLICT', 'CONFLICT', 409, false],
    [412, 'PRECONDITION_FAILED', 'CONFLICT', 412, false],
    [400, 'BAD_REQUEST', 'VALIDATION', 400, false],
    [401, 'STORE_AUTH_FAILED', 'AUTH', 503, false],
    [403, 'STORE_AUTH_FAILED', 'AUTH', 503, false],
    [408, 'STORE_TIMEOUT', 'TIMEOUT', 503, true],
    [413, 'PAYLOAD_TOO_LARGE', 'DATA', 413, false],
    [429, 'THROTTLED', 'THROTTLE', 429, true],
    [503, 'STORE_UNAVAILABLE', 'CONNECTION', 503, true],
    [500, 'STORE_INTERNAL_ERROR', 'CONNECTION', 503, true],
    [449, 'RETRY_WITH', 'CONFLICT', 409, true],
    [410, 'STORE_UNAVAILABLE', 'CONNECTION', 503, true],
    [418, 'STORE_ERROR', 'DATA', 500, false],
    ['ECONNREFUSED', 'STORE_UNAVAILABLE', 'CONNECTION', 503, true],
    ['ECONNRESET', 'STORE_UNAVAILABLE', 'CONNECTION', 503, true],
    ['ENOTFOUND', 'STORE_UNAVAILABLE', 'CONNECTION', 503, true],
    ['TimeoutError', 'STORE_TIMEOUT', 'TIMEOUT', 503, true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'STORE_TLS_FAILED', 'CONNECTION', 503, false],
  ])('%s -> %s / %s / HTTP %s / retryable %s', (code, appCode, category, status, retryable) => {
    const original = sdkError(code);
    const mapped = mapCosmosError(original, context);
    expect(mapped).toBeInstanceOf(AppError);
    expect({
      code: mapped.code,
      category: mapped.category,
      status: mapped.status,
      retryable: mapped.retryable,
    }).toEqual({
      code: appCode,
      category,
      status,
      retryable,
    });
    expect(mapped.cause).toBe(original);
  });

  test.each([
    [404, 1002, 'STORE_SESSION_UNAVAILABLE', 'CONNECTION', 503, true],
    [403, 3, 'STORE_WRITE_FORBIDDEN', 'CONNECTION', 503, true],
    [403, 1008, 'STORE_UNAVAILABLE', 'CONNECTION', 503, true],
    [429, 3200, 'THROTTLED', 'THROTTLE', 429, true],
    [429, 3092, 'THROTTLED', 'THROTTLE', 429, true],
    [404, 0, 'NOT_FOUND', 'NOT_FOUND', 404, false],
    [403, 5300, 'STORE_AUTH_FAILED', 'AUTH', 503, false],
  ])(
    '%s/%s (status/substatus) -> %s / %s / HTTP %s / retryable %s',
    (status, substatus, appCode, category, http, retryable) => {
      for (const original of [
        sdkError(status, { substatus }),
        sdkError(status, { headers: { 'x-ms-substatus': String(substatus) } }),
      ]) {
        const mapped = mapCosmosError(original, { operation: 'read' });
        expect([mapped.code, mapped.category, mapped.status, mapped.retryable]).toEqual([
          appCode,
          category,
          http,
          retryable,
        ]);
      }
    },
  );

  test('document-level 404/409/412 use the shared store errors, naming container and id', () => {
    const withId = { operation: 'replace', container: 'tasks', id: 't-1' };
    expect(mapCosmosError(sdkError(404), withId).message).toBe(
      "Document 't-1' was not found in container 'tasks'.",
    );
    expect(mapCosmosError(sdkError(409), withId).message).toContain("id 't-1' already exists");
    expect(mapCosmosError(sdkError(412), withId).message).toContain('If-Match did not match');
  });

  test('429 is retryable after the time the service asked for (property, or the header)', () => {
    expect(mapCosmosError(sdkError(429, { retryAfterInMs: 1200 }), context).retryAfterMs).toBe(1200);
    const headerOnly = sdkError(429, { headers: { 'x-ms-retry-after-ms': '750' } });
    expect(mapCosmosError(headerOnly, context).retryAfterMs).toBe(750);
    expect(mapCosmosError(sdkError(503, { retryAfterInMs: 5 }), context).retryAfterMs).toBeUndefined();
  });

  test("the SDK's batch wrapper (Error with an ErrorResponse as cause) is unwrapped", () => {
    const inner = sdkError(400, { message: "Operation type 'Patch' is not supported in Batch." });
    const wrapped = new Error(`Batch request error: ${inner.message}`, { cause: inner });
    const mapped = mapCosmosError(wrapped, { operation: 'batch', container: 'tasks' });
    expect({ code: mapped.code, status: mapped.status }).toEqual({ code: 'BAD_REQUEST', status: 400 });
    expect(mapped.message).toContain("Operation type 'Patch' is not supported in Batch.");
    expect(mapped.cause).toBe(wrapped);
  });

  test('a network failure from the HTTP pipeline (RestError with a string code) is CONNECTION', () => {
    const restError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      name: 'RestError',
      code: 'ECONNREFUSED',
    });
    expect(mapCosmosError(restError, context).category).toBe('CONNECTION');
  });

  test('credential failures of @azure/identity are AUTH, an aborted request is TIMEOUT', () => {
    const unavailable = Object.assign(new Error('ManagedIdentityCredential: no endpoint'), {
      name: 'CredentialUnavailableError',
    });
    expect(mapCosmosError(unavailable, context).category).toBe('AUTH');
    const aggregate = Object.assign(new Error('DefaultAzureCredential failed'), {
      name: 'AggregateAuthenticationError',
    });
    expect(mapCosmosError(aggregate, context).category).toBe('AUTH');
    // A DOMException AbortError carries a numeric code (20) that must not be taken for an HTTP status.
    const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError', code: 20 });
    expect(mapCosmosError(abort, context).category).toBe('TIMEOUT');
  });

  test('an AppError (ours, or wrapped by the SDK) passes through unchanged', () => {
    const own = new AppError('bad id', { code: 'INVALID_ID', category: 'VALIDATION', status: 400 });
    expect(mapCosmosError(own, context)).toBe(own);
    expect(mapCosmosError(new Error('wrapped', { cause: own }), context)).toBe(own);
  });

  test('anything else is DATA / STORE_ERROR, never a crash', () => {
    for (const odd of [new Error('boom'), 'a string', undefined, null, 42, { weird: true }]) {
      const mapped = mapCosmosError(odd, context);
      expect({ code: mapped.code, category: mapped.category }).toEqual({
        code: 'STORE_ERROR',
        category: 'DATA',
      });
    }
  });

  test('the message is one line of the reason: no headers, no diagnostics, no secrets', () => {
    const key = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';
    const original = sdkError(401, {
      message: `Message: {"Errors":["The input authorization token can't serve the request; key ${key}"]}\r\nActivityId: 1234, Request URI: /dbs/x, RequestStats: lots`,
      headers: {
        authorization: 'type%3Dmaster%26sig%3Dabc',
        'x-ms-session-token': '0:1#2',
        'x-ms-activity-id': 'a-1',
      },
      body: { code: 'Unauthorized' },
    });
    const mapped = mapCosmosError(original, { ...context, secrets: [key] });
    expect(mapped.message).not.toContain(key);
    expect(mapped.message).toContain('[redacted]');
    expect(mapped.message).not.toMatch(/ActivityId|RequestStats|session-token|authorization:|type%3Dmaster/);
    expect(mapped.message.split('\n')).toHaveLength(1);
  });

  test('safeDetail keeps the first line and at most 200 characters', () => {
    expect(safeDetail(`${'x'.repeat(500)}\nsecond line`)).toHaveLength(200);
    expect(safeDetail('first\r\nsecond')).toBe('first');
  });
});

describe('mapCosmosError on the real server responses', () => {
  let store: CosmosDocumentStore;
  const user = `user-${randomUUID()}`;

  beforeAll(async () => {
    const endpoint = process.env.LT_TEST_COSMOS_ENDPOINT;
    if (!endpoint)
      throw new Error(
        'LT_TEST_COSMOS_ENDPOINT is not set: run through jest (globalSetup starts the server).',
      );
    const settings = loadSettings({
      DATA_BACKEND: 'cosmos',
      COSMOS_ENDPOINT: endpoint,
      COSMOS_KEY: 'test-key',
      COSMOS_ALLOW_INSECURE_TLS: 'true',
      COSMOS_DATABASE: `error-mapper-${randomUUID()}`,
    });
    store = new CosmosDocumentStore(settings.cosmos);
    await store.initialize();
  });
  afterAll(async () => store.dispose());

  test('404 on replace/delete/patch of a missing document', async () => {
    // One call at a time: promises started together and awaited in turn can reject before they are
    // awaited, which Node reports as an unhandled rejection.
    for (const call of [
      () => store.replace('tasks', { id: 'missing', userId: user }),
      () => store.delete('tasks', 'missing', user),
      () => store.patch('tasks', 'missing', user, [{ op: 'set', path: '/a', value: 1 }]),
    ]) {
      const error = await appErrorOf(call());
      expect({ code: error.code, category: error.category, status: error.status }).toEqual({
        code: 'NOT_FOUND',
        category: 'NOT_FOUND',
        status: 404,
      });
      expect((error.cause as { code?: unknown }).code).toBe(404);
    }
  });

  test('409 on a duplicate create, 412 on a stale If-Match', async () => {
    const created = await store.create('tasks', { id: randomUUID(), userId: user });
    const conflict = await appErrorOf(store.create('tasks', { id: created.resource.id, userId: user }));
    expect({ code: conflict.code, status: conflict.status, retryable: conflict.retryable }).toEqual({
      code: 'CONFLICT',
      status: 409,
      retryable: false,
    });
    await store.replace('tasks', { ...created.resource, v: 2 });
    const stale = await appErrorOf(
      store.replace('tasks', { ...created.resource, v: 3 }, { ifMatch: created.resource._etag }),
    );
    expect({ code: stale.code, category: stale.category, status: stale.status }).toEqual({
      code: 'PRECONDITION_FAILED',
      category: 'CONFLICT',
      status: 412,
    });
    expect((stale.cause as { code?: unknown }).code).toBe(412);
  });
});
