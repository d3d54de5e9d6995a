import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { HttpResponse, InvocationContext, type HttpRequest, type Timer } from '@azure/functions';
import type { FunctionDefinition, HttpFunctionDefinition } from '../../functions/functionDefinition';
import { startInProcess, removeTempDirs, waitFor, type InProcessRunner, type LogLine } from './runnerHarness';

function httpFn(
  name: string,
  route: string,
  handler: HttpFunctionDefinition['handler'],
  methods: HttpFunctionDefinition['methods'] = ['GET'],
): HttpFunctionDefinition {
  return { trigger: 'http', name, route, methods, authLevel: 'anonymous', handler };
}

const timerCalls: { timer: Timer; context: InvocationContext }[] = [];
let slowStarted = 0;

const table: FunctionDefinition[] = [
  httpFn(
    'echo',
    'echo/{id:int}/{*rest}',
    async (request: HttpRequest, context: InvocationContext) => ({
      jsonBody: {
        method: request.method,
        url: request.url,
        params: request.params,
        tags: request.query.getAll('tag'),
        q: request.query.get('q'),
        custom: request.headers.get('x-custom'),
        contentType: request.headers.get('content-type'),
        body: await request.text(),
        functionName: context.functionName,
        invocationId: context.invocationId,
        isRealContext: context instanceof InvocationContext,
        trigger: context.options.trigger.type,
      },
    }),
    ['GET', 'POST', 'PUT'],
  ),
  httpFn(
    'bytes',
    'bytes',
    async (request) => ({
      body: new Uint8Array(await request.arrayBuffer()),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    ['POST'],
  ),
  // Registered before the literal route on purpose: precedence, not order, must decide.
  httpFn('fitnessById', 'fitness/{id}', (request) => ({
    jsonBody: { route: 'byId', id: request.params.id },
  })),
  httpFn('fitnessSummary', 'fitness/summary', () => ({ jsonBody: { route: 'summary' } })),
  httpFn('crash', 'crash', () => {
    throw new Error('database password is hunter2');
  }),
  httpFn('created', 'created', () => ({
    status: 201,
    headers: { 'x-trace': 'abc', 'set-cookie': 'raw=1; Path=/' },
    cookies: [{ name: 'session', value: 's1', httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 60 }],
    body: 'made it',
  })),
  httpFn('instance', 'instance', () => new HttpResponse({ status: 202, jsonBody: { accepted: true } })),
  httpFn('nothing', 'nothing', () => undefined as unknown as HttpResponse),
  httpFn('noContent', 'no-content', () => ({ status: 204, body: 'ignored' })),
  httpFn('notAnObject', 'not-an-object', () => 'oops' as unknown as HttpResponse),
  httpFn('badStatus', 'bad-status', () => ({ status: 99 })),
  httpFn('logs', 'logs', (_request, context) => {
    context.debug('hidden at info level');
    context.info('structured', { invocationId: context.invocationId, count: 3 });
    context.warn('careful');
    context.log('formatted %d', 42);
    context.error(new Error('boom'));
    return { body: 'ok' };
  }),
  httpFn('slow', 'slow', async () => {
    slowStarted++;
    await new Promise((resolve) => setTimeout(resolve, 400));
    return { body: 'finished' };
  }),
  {
    trigger: 'timer',
    name: 'nightly',
    schedule: '0 0 3 * * *',
    handler: (timer, context) => {
      timerCalls.push({ timer, context });
    },
  },
];

let app: InProcessRunner;
beforeAll(async () => {
  app = await startInProcess(table, { logLevel: 'info', maxRequestBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await app?.runner.close();
  removeTempDirs();
});

const linesFor = (invocationId: string): LogLine[] =>
  app.lines.filter((l) => l.invocationId === invocationId);

describe('HTTP functions through the in-process runner', () => {
  it('listens on loopback only', () => {
    expect(app.runner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('passes method, URL, route values, repeated query keys, headers and body to a real HttpRequest', async () => {
    const response = await fetch(app.api('/echo/42/a/b%20c?tag=x&tag=y&q=1'), {
      method: 'POST',
      headers: { 'x-custom': 'hello', 'content-type': 'text/plain' },
      body: 'payload ✓',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      method: 'POST',
      url: `${app.runner.url}/api/echo/42/a/b%20c?tag=x&tag=y&q=1`,
      params: { id: '42', rest: 'a/b c' },
      tags: ['x', 'y'],
      q: '1',
      custom: 'hello',
      contentType: 'text/plain',
      body: 'payload ✓',
      functionName: 'echo',
      isRealContext: true,
      trigger: 'httpTrigger',
    });
  });

  it('applies route constraints: a non-int id matches no route', async () => {
    const response = await fetch(app.api('/echo/abc/x'));
    expect(response.status).toBe(404);
  });

  it('round-trips binary bodies byte for byte', async () => {
    const payload = randomBytes(48 * 1024);
    const response = await fetch(app.api('/bytes'), { method: 'POST', body: payload });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer()).equals(payload)).toBe(true);
  });

  it('routes the literal fitness/summary before fitness/{id}, whatever the registration order', async () => {
    expect(await (await fetch(app.api('/fitness/summary'))).json()).toEqual({ route: 'summary' });
    expect(await (await fetch(app.api('/Fitness/Summary/'))).json()).toEqual({ route: 'summary' });
    expect(await (await fetch(app.api('/fitness/abc'))).json()).toEqual({ route: 'byId', id: 'abc' });
  });

  it('answers 404 problem+json for an unknown route, a wrong method, and paths outside the prefix', async () => {
    for (const [url, method] of [
      [app.api('/nope'), 'GET'],
      [app.api('/fitness/summary'), 'DELETE'],
      [app.api('/fitness/summary'), 'HEAD'],
      [`${app.runner.url}/fitness/summary`, 'GET'],
      [`${app.runner.url}/`, 'GET'],
    ]) {
      const response = await fetch(url, { method });
      expect({ url, method, status: response.status }).toEqual({ url, method, status: 404 });
      if (method !== 'HEAD') {
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(await response.json()).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
      }
    }
  });

  it('turns a throwing handler into a generic 500 and logs the error, without leaking it', async () => {
    const response = await fetch(app.api('/crash'));
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    const body = JSON.parse(text) as { code: string; detail: string };
    expect(body.code).toBe('INTERNAL_ERROR');
    const failure = await waitFor(
      () => app.lines.find((l) => l.message === 'function failed' && l.functionName === 'crash'),
      'the failure log line',
    );
    expect(failure.level).toBe('error');
    expect(failure.error).toMatchObject({ name: 'Error', message: 'database password is hunter2' });
    expect(body.detail).toContain(String(failure.invocationId));
  });

  it('writes status, headers, set-cookie headers and cookies from an HttpResponseInit', async () => {
    const response = await fetch(app.api('/created'));
    expect(response.status).toBe(201);
    expect(response.headers.get('x-trace')).toBe('abc');
    expect(response.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(response.headers.getSetCookie()).toEqual([
      'raw=1; Path=/',
      'session=s1; Path=/; Max-Age=60; HttpOnly; SameSite=Strict',
    ]);
    expect(await response.text()).toBe('made it');
  });

  it('accepts an HttpResponse instance, and an empty result as 200', async () => {
    const instance = await fetch(app.api('/instance'));
    expect(instance.status).toBe(202);
    expect(await instance.json()).toEqual({ accepted: true });
    const nothing = await fetch(app.api('/nothing'));
    expect(nothing.status).toBe(200);
    expect(await nothing.text()).toBe('');
  });

  it('sends no body with 204', async () => {
    const response = await fetch(app.api('/no-content'));
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('answers 500 for results the library refuses (not an object, status out of range)', async () => {
    expect((await fetch(app.api('/not-an-object'))).status).toBe(500);
    expect((await fetch(app.api('/bad-status'))).status).toBe(500);
  });

  it('refuses a body over the limit with 413, whether declared or streamed', async () => {
    const declared = await fetch(app.api('/bytes'), { method: 'POST', body: randomBytes(64 * 1024 + 1) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });

    const { port } = new URL(app.runner.url);
    const streamed = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port, path: '/api/bytes', method: 'POST' },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      // No content-length: chunked, so only counting the bytes can catch it.
      for (let i = 0; i < 9; i++) request.write(randomBytes(8 * 1024));
      request.end();
    });
    expect(streamed).toBe(413);
  });

  it('logs through the InvocationContext as JSON lines with level, function name, invocation id and properties', async () => {
    const response = await fetch(app.api('/logs'));
    expect(response.status).toBe(200);
    const access = await waitFor(
      () => app.lines.find((l) => l.message === 'request' && l.path === '/api/logs'),
      'the access line',
    );
    const lines = linesFor(String(access.invocationId)).filter((l) => l.message !== 'request');
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'structured'],
      ['warn', 'careful'],
      ['info', 'formatted 42'],
      ['error', 'boom'],
    ]);
    expect(lines[0]).toMatchObject({ functionName: 'logs', properties: { count: 3 } });
    expect(lines[0].properties).not.toHaveProperty('invocationId');
    expect(lines[3].properties).toEqual({ error: { name: 'Error', message: 'boom' } });
  });

  it('writes one access line per request with method, path (no query), status and duration', async () => {
    await fetch(app.api('/fitness/7?token=secret'));
    const line = await waitFor(
      () => app.lines.find((l) => l.message === 'request' && l.path === '/api/fitness/7'),
      'the access line',
    );
    expect(line).toMatchObject({ level: 'info', method: 'GET', status: 200, functionName: 'fitnessById' });
    expect(typeof line.durationMs).toBe('number');
    expect(JSON.stringify(app.lines)).not.toContain('token=secret');
  });

  it('does not answer on other interfaces than loopback', async () => {
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (!external) return; // no non-loopback interface in this environment: nothing to probe
    const { port } = new URL(app.runner.url);
    await expect(fetch(`http://${external.address}:${port}/api/fitness/summary`)).rejects.toThrow();
  });
});

describe('admin API with a custom table', () => {
  it('lists HTTP functions with route, methods and invoke URL, and timers with their schedule', async () => {
    const response = await fetch(`${app.runner.url}/admin/functions`);
    expect(response.status).toBe(200);
    const functions = (await response.json()) as Record<string, unknown>[];
    expect(functions.map((f) => f.name)).toEqual(table.map((f) => f.name));
    expect(functions.find((f) => f.name === 'echo')).toEqual({
      name: 'echo',
      trigger: 'http',
      route: 'echo/{id:int}/{*rest}',
      methods: ['GET', 'POST', 'PUT'],
      invokeUrl: `${app.runner.url}/api/echo/{id:int}/{*rest}`,
    });
    expect(functions.find((f) => f.name === 'nightly')).toMatchObject({
      trigger: 'timer',
      schedule: '0 0 3 * * *',
      runOnStartup: false,
      running: false,
    });
  });

  it('runs a timer function now (202) with a Timer and a real InvocationContext', async () => {
    const response = await fetch(`${app.runner.url}/admin/functions/NIGHTLY`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: '' }),
    });
    expect(response.status).toBe(202);
    const { invocationId } = (await response.json()) as { invocationId: string };
    await waitFor(() => timerCalls.length === 1, 'the timer to run');
    const [{ timer, context }] = timerCalls;
    expect(context).toBeInstanceOf(InvocationContext);
    expect(context.invocationId).toBe(invocationId);
    expect(context.functionName).toBe('nightly');
    expect(timer.isPastDue).toBe(false);
    for (const value of Object.values(timer.scheduleStatus))
      expect(new Date(value).toISOString()).toBe(value);
    expect(new Date(timer.scheduleStatus.next).getHours()).toBe(3);
    await waitFor(
      () =>
        linesFor(invocationId).find((l) => l.message === 'function completed' && l.status === 'succeeded'),
      'the completion line',
    );
  });

  it('refuses HTTP functions (400), unknown names (404), bad bodies (400) and other methods (404)', async () => {
    const post = (name: string, body = '{"input": ""}'): Promise<Response> =>
      fetch(`${app.runner.url}/admin/functions/${name}`, { method: 'POST', body });
    const httpRun = await post('echo');
    expect(httpRun.status).toBe(400);
    expect(await httpRun.json()).toMatchObject({ code: 'HTTP_FUNCTION_NOT_INVOCABLE' });
    expect((await post('nope')).status).toBe(404);
    expect((await post('nightly', 'not json')).status).toBe(400);
    expect((await post('nightly', '{"input": 5}')).status).toBe(400);
    expect((await fetch(`${app.runner.url}/admin/functions`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${app.runner.url}/admin/other`)).status).toBe(404);
    expect((await fetch(`${app.runner.url}/admin/functions/echo`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(timerCalls).toHaveLength(1);
  });
});

describe('graceful close', () => {
  it('lets an in-flight request finish, then refuses connections and logs "stopped"', async () => {
    const own = await startInProcess(table, { logLevel: 'info' });
    const inFlight = fetch(own.api('/slow'));
    await waitFor(() => slowStarted > 0, 'the slow handler to start');
    const closed = own.runner.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('finished');
    await closed;
    await expect(fetch(own.api('/fitness/summary'))).rejects.toThrow();
    expect(own.lines.map((l) => l.message)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
    await own.runner.close(); // idempotent
  });
});
