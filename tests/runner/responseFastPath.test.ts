import { HttpResponse, type HttpResponseInit } from '@azure/functions';
import { plainJsonResponse, toOutgoingResponse } from '../../tools/local-runner/httpInvocation';

// The runner answers plain { status, headers, jsonBody } results without building the library's fetch
// Response. That shortcut must produce exactly the bytes and headers the library's own path produces.

const shapes: [string, HttpResponseInit][] = [
  ['empty', {}],
  ['status only', { status: 201 }],
  ['json object', { jsonBody: { a: 1, nested: { b: [1, 2] } } }],
  [
    'json with headers and status',
    { status: 201, jsonBody: [1, 2], headers: { ETag: '"x"', Location: '/a' } },
  ],
  ['204 with a json body', { status: 204, jsonBody: { a: 1 } }],
  ['json string', { jsonBody: 'text' }],
  ['json zero', { jsonBody: 0 }],
  ['json false', { jsonBody: false }],
  ['json null', { jsonBody: null }],
  ['own content type', { headers: { 'Content-Type': 'application/problem+json' }, jsonBody: { code: 'X' } }],
  ['header value with spaces', { headers: { 'x-a': '  spaced  ' }, jsonBody: {} }],
  ['unicode', { jsonBody: { text: 'ünïcödé ✓ 日本' } }],
  [
    'cache header and 503',
    { status: 503, headers: { 'retry-after': '5', 'cache-control': 'no-store' }, jsonBody: {} },
  ],
];

test.each(shapes)('%s: the shortcut equals the library path', async (_name, init) => {
  const fast = plainJsonResponse(init);
  expect(fast).toBeDefined();
  const library = await toOutgoingResponse(new HttpResponse(init));
  expect(fast?.status).toBe(library.status);
  expect(fast?.body.equals(library.body)).toBe(true);
  expect(fast?.headers).toEqual([...library.headers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
});

test.each([
  ['a string body', { body: 'text' }],
  ['cookies', { jsonBody: {}, cookies: [{ name: 'a', value: 'b' }] }],
  ['a header array', { headers: [['a', 'b']] as [string, string][] }],
  ['an HttpResponse instance', new HttpResponse({ jsonBody: {} })],
  ['a status out of range', { status: 99 }],
])('%s goes the library way', (_name, init) => {
  expect(plainJsonResponse(init)).toBeUndefined();
});
