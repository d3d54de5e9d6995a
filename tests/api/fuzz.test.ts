// Property-based fuzzing of every route of the function table: random and malformed bodies, ids and query
// strings, as a signed-in dev user against a seeded store. Whatever comes in, the API must answer a 4xx
// (GETs may also succeed), never a 5xx, never hang, and never write: every write here must be refused (its
// body is invalid at the top level by construction, or it is a valid PUT/PATCH with a stale If-Match), so
// the store must look exactly the same after each request, and after them all. The routes, their bodies'
// schemas and the seed data all come from the function table and the served OpenAPI document, so a route
// added to the table is fuzzed without touching this file.
//
// Reproduce a failure with the seed it prints: FUZZ_SEED=<seed> npx jest tests/api/fuzz
// More runs per route: FUZZ_RUNS=500 npx jest tests/api/fuzz
// What was sent and answered, per route: FUZZ_STATS=1 npx jest tests/api/fuzz
import fc from 'fast-check';
import type { HttpFunctionDefinition } from '../../functions/functionDefinition';
import { buildFunctionTable } from '../../functions/functionTable';
import { listContainers } from '../../shared/data/catalogue';
import { getDocumentStore } from '../../shared/data/storeFactory';
import { getSettings } from '../../shared/config/settings';
import { SERVER_OWNED_FIELDS, withoutServerFields } from '../../shared/models/common';
import { Problem } from '../../shared/openapi/problem';
import { startApi, type ApiUnderTest } from './apiHarness';
import {
  exampleOf,
  fetchOpenApi,
  operationFor,
  resolveSchema,
  type JsonObject,
  type LocatedOperation,
  type OpenApiDoc,
} from './openapiSupport';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
/** Every request must be answered within this; a hang fails the property instead of the whole suite. */
const REQUEST_TIMEOUT_MS = 5000;

const CALLER = 'fuzz-alice';
const BYSTANDER = 'fuzz-bob';
const USERS = [CALLER, BYSTANDER];
const MIB = 1024 * 1024;

// Values for path parameters other than {id}, which the document cannot describe yet (see openapi.test.ts).
const PATH_PARAMETER_VALUES: Record<string, string[]> = { entity: ['projects', 'tasks', 'fitness'] };

let api: ApiUnderTest;
let doc: OpenApiDoc;
let routes: { definition: HttpFunctionDefinition; located: LocatedOperation; method: string }[];
/** Ids of seeded items, of both users: the caller's are real targets, the bystander's must stay 404. */
let seededIds: string[] = [];
/** The bystander's ids: the caller must learn nothing about them (404, never 412 or 409). */
const bystanderIds = new Set<string>();
/** A real continuation token per list path, to tamper with. */
const realTokens = new Map<string, string>();
let baseline: string;

// ---- The store, as every seeded user's documents in every user-data container ----

const userContainers = () => listContainers().filter((c) => c.partitionKey.paths[0] === '/userId');

async function snapshot(): Promise<string> {
  const store = await getDocumentStore();
  const parts: Record<string, unknown> = {};
  for (const container of userContainers()) {
    for (const user of USERS) {
      const page = await store.query<JsonObject>(
        container.name,
        { query: 'SELECT * FROM c' },
        { partitionKey: user },
      );
      parts[`${container.name}/${user}`] = page.items.sort((a, b) =>
        String(a.id).localeCompare(String(b.id)),
      );
    }
    // Also every partition, so a write under any other user (or a broken partition key) shows.
    const count = await store.query<number>(container.name, { query: 'SELECT VALUE COUNT(1) FROM c' });
    parts[`${container.name}/*`] = count.items;
  }
  return JSON.stringify(parts);
}

function diffSummary(before: string, after: string): string {
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  return Object.keys({ ...a, ...b })
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k]).slice(0, 300)} -> ${JSON.stringify(b[k]).slice(0, 300)}`)
    .join('\n');
}

// ---- Seeding through the API, with the document's own examples ----

beforeAll(async () => {
  api = await startApi();
  doc = await fetchOpenApi(api);
  const table = buildFunctionTable(getSettings()).filter(
    (f): f is HttpFunctionDefinition => f.trigger === 'http',
  );
  routes = table.flatMap((definition) =>
    definition.methods.map((method) => ({ definition, located: operationFor(doc, definition), method })),
  );

  for (const user of USERS) {
    const client = api.as(user);
    for (const { located, method } of routes) {
      const body = located.operation.requestBody?.content['application/json']?.schema;
      if (!body || located.path.includes('{id}') || !['POST', 'PUT'].includes(method)) continue;
      const example = exampleOf(doc, body);
      const path = located.path.replace(
        /\{(\w+)\}/g,
        (_, name: string) => PATH_PARAMETER_VALUES[name]?.[0] ?? name,
      );
      for (let i = 0; i < 3; i++) {
        const response = await client.request(method, path.slice(1), { json: example });
        if (response.status >= 300)
          throw new Error(`Seeding ${method} ${path}: ${response.status} ${response.text}`);
        if (typeof response.body.id === 'string') {
          seededIds.push(response.body.id);
          if (user === BYSTANDER) bystanderIds.add(response.body.id);
        }
        if (method === 'PUT') break;
      }
    }
  }
  seededIds = [...new Set(seededIds)];
  for (const { located, method } of routes) {
    if (method !== 'GET' || !located.operation.parameters?.some((p) => p.name === 'continuationToken'))
      continue;
    const page = await api.as(CALLER).get(`${located.path.slice(1)}?limit=1`);
    if (typeof page.body.continuationToken === 'string')
      realTokens.set(located.path, page.body.continuationToken);
  }
  baseline = await snapshot();
}, 60_000);
afterAll(async () => api.close());

// ---- Generators ----

const printable = (options: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ unit: 'grapheme-ascii', ...options });

const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
);

// Path segments that are already encoded (or deliberately broken) and go into the URL as they are.
const RAW_SEGMENTS = [
  '%2F',
  'a%2Fb',
  '%2e%2e',
  '%2E',
  '%00',
  '%zz',
  '%',
  '%E0%A4%A',
  '%C0%AF',
  '%FF',
  '%ED%A0%80',
  '%20',
  '%3F',
  '%23',
  'summary',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '%F0%9F%92%A9',
  'x'.repeat(129),
];

/** An {id}: seeded ones (both users'), look-alikes that do not exist, and hostile text. */
function idSegment(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...seededIds).map(encodeURIComponent), weight: 4 },
    { arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/).map(encodeURIComponent), weight: 2 },
    { arbitrary: anyText.filter((s) => s.length > 0).map(encodeURIComponent), weight: 2 },
    { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 2 },
    { arbitrary: printable({ minLength: 129, maxLength: 4000 }).map(encodeURIComponent), weight: 1 },
    { arbitrary: fc.integer({ min: 5000, max: 20000 }).map((n) => 'i'.repeat(n)), weight: 1 },
  );
}

function parameterSegment(name: string): fc.Arbitrary<string> {
  if (name === 'id') return idSegment();
  return fc.oneof(
    { arbitrary: fc.constantFrom(...(PATH_PARAMETER_VALUES[name] ?? ['x'])), weight: 4 },
    { arbitrary: anyText.filter((s) => s.length > 0).map(encodeURIComponent), weight: 1 },
    { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 1 },
  );
}

function pathFor(template: string): fc.Arbitrary<string> {
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  if (names.length === 0) return fc.constant(template);
  return fc
    .tuple(...names.map(parameterSegment))
    .map((values) => names.reduce((path, name, i) => path.replace(`{${name}}`, values[i]), template));
}

const tamperedToken = (real: string | undefined) => {
  const wrap = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
  const options: fc.Arbitrary<string>[] = [
    anyText,
    fc.jsonValue().map(wrap),
    fc.record({ f: anyText, t: anyText }).map(wrap),
    printable({ minLength: 8000, maxLength: 9000 }),
  ];
  if (real) {
    const { f } = JSON.parse(Buffer.from(real, 'base64url').toString('utf8')) as { f: string };
    // The caller's own list fingerprint with a forged store token: reaches the store's token parsing.
    options.push(
      fc
        .oneof(
          anyText,
          fc.jsonValue().map((v) => JSON.stringify(v)),
        )
        .map((t) => wrap({ f, t })),
    );
    options.push(fc.nat({ max: real.length }).map((n) => real.slice(0, n)));
    options.push(fc.constant(real));
  }
  return fc.oneof(...options);
};

/** A query string: the route's own parameters with good and bad values, unknown names, broken escapes. */
function queryFor(located: LocatedOperation): fc.Arbitrary<string> {
  const parameters = (located.operation.parameters ?? []).filter((p) => p.in === 'query');
  const valueFor = (schema: JsonObject, name: string): fc.Arbitrary<string> => {
    const s = resolveSchema(doc, schema);
    const known = [
      ...((s.enum as unknown[] | undefined) ?? []),
      ...['example', 'default', 'minimum', 'maximum'].filter((k) => k in s).map((k) => s[k]),
    ].map(String);
    const options = [
      fc.constantFrom(
        '',
        '0',
        '1',
        '-1',
        '1.5',
        '1e3',
        '101',
        'NaN',
        'true',
        'null',
        '2026-02-30',
        '9999-12-31',
      ),
      anyText,
      ...(known.length ? [fc.constantFrom(...known)] : []),
      ...(name === 'continuationToken' ? [tamperedToken(realTokens.get(located.path))] : []),
    ];
    return fc.oneof(...options);
  };
  const pair = fc.oneof(
    ...parameters.map((p) => valueFor(p.schema, p.name).map((v) => `${p.name}=${encodeURIComponent(v)}`)),
    fc.tuple(anyText, anyText).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
    fc.constantFrom('%zz=1', 'limit=%', '=', '&', '==&&', 'limit', 'limit=1&limit=1000', '%00=%00', '+=+'),
  );
  return fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join('&'));
}

// A copy of requestBody.ts's notion of a JSON media type: the wrong types must really be wrong.
const isJsonType = (header: string) => {
  const type = header.split(';')[0].trim().toLowerCase();
  return (
    ['application/json', 'application/merge-patch+json'].includes(type) ||
    /^application\/[a-z0-9.+-]+\+json$/.test(type)
  );
};
const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/problem+json',
  'application/vnd.lifetracker+json',
];
const WRONG_TYPES = [
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json5',
  'application/jsonx',
  'json',
  'application/octet-stream',
];
const wrongContentType = fc.oneof(
  fc.constantFrom<string | undefined>(undefined, ...WRONG_TYPES),
  printable({ maxLength: 40 }).filter((t) => !isJsonType(t) && t.trim() === t),
);

/** A request body, as bytes and the content type it is sent with. */
interface Body {
  kind: string;
  bytes: Buffer;
  contentType: string | undefined;
}

const JSON_KINDS = ['string', 'number', 'boolean', 'null', 'array', 'object'] as const;
type JsonKind = (typeof JSON_KINDS)[number];

// The JSON types a schema of the document admits ("any" when it does not constrain the type).
function admittedTypes(schema: JsonObject): Set<JsonKind> | 'any' {
  const s = resolveSchema(doc, schema);
  const branches = (s.anyOf ?? s.oneOf) as JsonObject[] | undefined;
  if (branches) {
    const sets = branches.map(admittedTypes);
    if (sets.includes('any')) return 'any';
    return new Set(sets.flatMap((set) => [...(set as Set<JsonKind>)]));
  }
  const values = 'const' in s ? [s.const] : (s.enum as unknown[] | undefined);
  if (values) {
    return new Set(
      values.map((v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as JsonKind))),
    );
  }
  if (s.type === undefined) return 'any';
  const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
  return new Set(types.map((t) => (t === 'integer' ? 'number' : (t as JsonKind))));
}

const valueOfKind: Record<JsonKind, fc.Arbitrary<unknown>> = {
  string: anyText,
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  object: fc.dictionary(anyText, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
};

const STALE_WRITE = 'a valid body with a stale If-Match';

const deeplyNested = (depth: number, open: string, close: string) =>
  `${open.repeat(depth)}${close.repeat(depth)}`;

/**
 * Bodies a write route must refuse as a whole, whatever the route: not JSON, not declared as JSON, not an
 * object, an object with a field the (strict) schema does not know, or a known field of the wrong type.
 * Every one is invalid at the top level, so even /bulk (which otherwise judges items one by one) must
 * refuse it before writing anything.
 */
function bodyFor(located: LocatedOperation, method: string): fc.Arbitrary<Body> {
  const schema = located.operation.requestBody?.content['application/json']?.schema as JsonObject;
  const root = resolveSchema(doc, schema);
  const example = exampleOf(doc, schema) as JsonObject;
  const properties = (root.properties ?? {}) as Record<string, JsonObject>;
  const knownNames = Object.keys(properties);
  const strict = root.additionalProperties === false;
  // A valid value of a known field where the document can build one (a pattern without example cannot).
  const knownValue = (name: string): unknown => {
    try {
      return exampleOf(doc, properties[name]);
    } catch {
      return null;
    }
  };
  const taken = new Set<string>([...knownNames, ...SERVER_OWNED_FIELDS, 'id']);
  const unknownKey = fc
    .oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'extra', '', ' id', 'ID', 'Name'),
      anyText,
    )
    .filter((k) => !taken.has(k));
  const json = (value: unknown, contentType = fc.constantFrom(...JSON_TYPES)) =>
    contentType.map((type): Omit<Body, 'kind'> => ({
      bytes: Buffer.from(JSON.stringify(value)),
      contentType: type,
    }));
  const kinds: { kind: string; weight: number; arbitrary: fc.Arbitrary<Omit<Body, 'kind'>> }[] = [
    {
      kind: 'not JSON',
      weight: 3,
      arbitrary: fc
        .oneof(
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          anyText.map((t) => Buffer.from(t)),
        )
        .filter((bytes) => {
          try {
            JSON.parse(bytes.toString('utf8'));
            return false;
          } catch {
            return true;
          }
        })
        .chain((bytes) => fc.constantFrom(...JSON_TYPES).map((contentType) => ({ bytes, contentType }))),
    },
    {
      kind: 'a valid body, not declared as JSON',
      weight: 2,
      arbitrary: wrongContentType.map((contentType) => ({
        bytes: Buffer.from(JSON.stringify(example)),
        contentType,
      })),
    },
    {
      kind: 'JSON that is not an object',
      weight: 3,
      arbitrary: fc
        .jsonValue({ maxDepth: 4 })
        .filter((v) => v === null || typeof v !== 'object' || Array.isArray(v))
        .chain((v) => json(v)),
    },
    {
      kind: 'deep nesting',
      weight: 1,
      arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((depth) => ({
        bytes: Buffer.from(deeplyNested(depth, '[', ']')),
        contentType: 'application/json',
      })),
    },
  ];
  if (method === 'PUT' || method === 'PATCH') {
    // The one valid body here: a replace or patch of an existing item must still write nothing, because
    // every write of this test carries a stale If-Match (412), and another user's item stays 404.
    kinds.push({
      kind: STALE_WRITE,
      weight: 2,
      arbitrary: json(example),
    });
  }
  if (strict) {
    kinds.push(
      {
        kind: 'an unknown field',
        weight: 4,
        arbitrary: fc
          .tuple(
            fc
              .subarray(knownNames)
              .chain((names) =>
                fc.tuple(
                  ...names.map((n) =>
                    fc
                      .oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(knownValue(n)))
                      .map((v) => [n, v] as const),
                  ),
                ),
              ),
            unknownKey,
            fc.jsonValue({ maxDepth: 3 }),
          )
          .chain(([known, key, value]) => {
            const body: JsonObject = { ...example, ...Object.fromEntries(known) };
            Object.defineProperty(body, key, { value, enumerable: true, configurable: true, writable: true });
            return json(body);
          }),
      },
      {
        kind: 'a huge unknown field (around the 1 MiB limit)',
        weight: 1,
        arbitrary: fc.constantFrom(MIB - 200, MIB + 1, 2 * MIB).map((size) => ({
          bytes: Buffer.from(`{"fuzz_padding":"${'x'.repeat(size)}"}`),
          contentType: 'application/json',
        })),
      },
      {
        kind: 'deep nesting in an unknown field',
        weight: 1,
        arbitrary: fc
          .tuple(fc.integer({ min: 1000, max: 100_000 }), fc.constantFrom(['[', ']'], ['{"a":', '}']))
          .map(([depth, [open, close]]) => {
            const fields = JSON.stringify(example).slice(1, -1);
            const nested = `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`;
            return {
              bytes: Buffer.from(`{${fields}${fields ? ',' : ''}"fuzz_nested":${nested}}`),
              contentType: 'application/json',
            };
          }),
      },
      {
        kind: 'invalid UTF-8 inside strings, with an unknown field',
        weight: 2,
        arbitrary: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((garbage) => {
          const bytes = Buffer.from(JSON.stringify({ ...example, fuzz_garbage: '@@' }));
          const at = bytes.indexOf('@@');
          const invalid = Buffer.from(garbage.map((b) => b | 0x80));
          return {
            bytes: Buffer.concat([bytes.subarray(0, at), invalid, bytes.subarray(at + 2)]),
            contentType: 'application/json',
          };
        }),
      },
    );
  }
  // A known field (never id, which item routes drop) set to a JSON type its schema does not admit.
  const retypable = knownNames.filter((n) => n !== 'id' && admittedTypes(properties[n]) !== 'any');
  if (retypable.length) {
    kinds.push({
      kind: 'a known field of the wrong type',
      weight: 4,
      arbitrary: fc.constantFrom(...retypable).chain((name) => {
        const admitted = admittedTypes(properties[name]) as Set<JsonKind>;
        const wrong = JSON_KINDS.filter((k) => !admitted.has(k));
        return fc
          .constantFrom(...wrong)
          .chain((kind) => valueOfKind[kind])
          .chain((value) => json({ ...example, [name]: value }));
      }),
    });
  }
  return fc.oneof(
    ...kinds.map(({ kind, weight, arbitrary }) => ({
      weight,
      arbitrary: arbitrary.map((b) => ({ kind, ...b })),
    })),
  );
}

/** Who calls: mostly the signed-in caller; sometimes nobody, or an identity the dev mode must refuse. */
const identity = fc.oneof(
  { weight: 18, arbitrary: fc.constant<Record<string, string>>({ 'x-ms-client-principal-id': CALLER }) },
  { weight: 1, arbitrary: fc.constant<Record<string, string>>({}) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('', ' ', '../etc', 'a b', '-x', 'x'.repeat(200), 'alice\tbob')
      .map((id) => ({ 'x-ms-client-principal-id': id })),
  },
);

// Never "*" nor empty (both mean "any version"): every write on an existing item carries a stale version.
const staleIfMatch = fc.oneof(
  fc.constant('"stale"'),
  printable({ minLength: 1, maxLength: 60 }).map((s) => `"fuzz-${s}"`),
);

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: Body;
}

function requestFor(route: (typeof routes)[number]): fc.Arbitrary<FuzzRequest> {
  const { located, method } = route;
  const hasBody = Boolean(located.operation.requestBody);
  return fc
    .record({
      path: pathFor(located.path),
      query: method === 'GET' ? queryFor(located) : fc.oneof(fc.constant(''), queryFor(located)),
      identity,
      ifMatch: method === 'GET' ? fc.constant(undefined) : staleIfMatch,
      body: hasBody ? bodyFor(located, method) : fc.constant(undefined),
    })
    .map(({ path, query, identity: who, ifMatch, body }) => ({
      method,
      path,
      query,
      headers: {
        ...who,
        ...(ifMatch ? { 'if-match': ifMatch } : {}),
        ...(body?.contentType === undefined ? {} : { 'content-type': body.contentType }),
      },
      body,
    }));
}

// ---- The property ----

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

async function send(request: FuzzRequest): Promise<Answer> {
  const url = `${api.url}/api${request.path}${request.query ? `?${request.query}` : ''}`;
  try {
    const response = await fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body?.bytes,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      text: await response.text(),
    };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // A timeout (a hang) or a connection the server dropped without answering.
    throw new Error(`No answer (bound ${REQUEST_TIMEOUT_MS} ms): ${reason}`, { cause: error });
  }
}

function describeRequest(request: FuzzRequest): string {
  const body = request.body
    ? ` body(${request.body.kind}, ${request.body.bytes.length} bytes): ${request.body.bytes.subarray(0, 200).toString('utf8')}`
    : '';
  return `${request.method} ${request.path.slice(0, 300)}?${request.query.slice(0, 300)} ${JSON.stringify(request.headers).slice(0, 300)}${body}`;
}

/** What is wrong with an answer to a request that must not succeed (or, for a GET, must not fail on our side). */
function answerProblems(request: FuzzRequest, answer: Answer): string[] {
  const problems: string[] = [];
  const write = request.method !== 'GET';
  if (answer.status >= 500) problems.push(`answered ${answer.status}`);
  const caller = request.headers['x-ms-client-principal-id'] === CALLER;
  const segments = request.path.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  if (caller && segments.some((s) => bystanderIds.has(s)) && [409, 412].includes(answer.status)) {
    problems.push(`another user's item answered ${answer.status}, which reveals that it exists`);
  } else if (write && !(answer.status >= 400 && answer.status < 500))
    problems.push(`a write answered ${answer.status}`);
  // Node answers 431 (request line and headers over its limit) itself, before the runner sees anything.
  if (answer.status >= 400 && answer.status !== 431) {
    if (answer.contentType !== 'application/problem+json') problems.push(`error as ${answer.contentType}`);
    try {
      const body = JSON.parse(answer.text) as { type?: unknown; status?: unknown; code?: unknown };
      if (body.status !== answer.status) problems.push(`problem status ${String(body.status)}`);
      if (typeof body.type === 'string' && body.type.startsWith('urn:lifetracker:')) {
        const parsed = Problem.safeParse(body);
        if (!parsed.success)
          problems.push(`problem does not match the Problem schema: ${parsed.error.message}`);
      } else if (typeof body.code !== 'string') {
        problems.push('problem without a code');
      }
    } catch {
      problems.push(`error body is not JSON: ${answer.text.slice(0, 200)}`);
    }
  }
  return problems;
}

// The body routes' zod schemas, to check that the generators really only make invalid bodies.
function assertInvalid(route: (typeof routes)[number], request: FuzzRequest): void {
  const zodBody = route.definition.description?.body;
  if (
    !zodBody ||
    !request.body ||
    request.body.kind === STALE_WRITE ||
    !request.headers['content-type'] ||
    !isJsonType(request.headers['content-type'])
  )
    return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.bytes.toString('utf8'));
  } catch {
    return;
  }
  for (const variant of [withoutServerFields(parsed), withoutServerFields(parsed, ['id'])]) {
    if (zodBody.safeParse(variant).success)
      throw new Error(`Generator bug: a valid body (${request.body.kind})`);
  }
}

// Test names are fixed when jest collects the file, before the API starts: the table itself does not
// depend on the settings startApi() changes.
const names = buildFunctionTable(getSettings())
  .filter((f): f is HttpFunctionDefinition => f.trigger === 'http')
  .flatMap((f) => f.methods.map((m) => `${m} ${f.route} (${f.name})`));

describe(`fuzz (seed ${SEED}, ${RUNS} runs per route)`, () => {
  test('the seeded store has data of both users in every user-data container the routes write', () => {
    const counts = JSON.parse(baseline) as Record<string, unknown[]>;
    expect(seededIds.length).toBeGreaterThan(0);
    for (const user of USERS) expect(counts[`projects/${user}`]?.length).toBeGreaterThan(0);
  });

  test('every route and method of the function table is fuzzed', () => {
    const table = buildFunctionTable(getSettings()).filter(
      (f): f is HttpFunctionDefinition => f.trigger === 'http',
    );
    expect(routes.length).toBe(table.flatMap((f) => f.methods).length);
    expect(routes.length).toBe(names.length);
  });

  // One property per route and method of the table, so a failure names its route.
  test.each(names)('%s: only 4xx for writes, never 5xx, never a hang, nothing written', async (name) => {
    const route = routes.find((r) => `${r.method} ${r.definition.route} (${r.definition.name})` === name);
    if (!route) throw new Error(`No route ${name}`);
    const property = fc.asyncProperty(requestFor(route), async (request) => {
      assertInvalid(route, request);
      const before = await snapshot();
      const answer = await send(request);
      const after = await snapshot();
      const problems = answerProblems(request, answer);
      if (process.env.FUZZ_STATS) {
        const key = `${answer.status} ${request.body?.kind ?? ''}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
      if (after !== before) problems.push(`the store changed:\n${diffSummary(before, after)}`);
      if (problems.length) {
        throw new Error(
          `${problems.join('; ')}\nrequest: ${describeRequest(request)}\nanswer: ${answer.status} ${answer.text.slice(0, 500)}`,
        );
      }
    });
    const tally = new Map<string, number>();
    // Each route has its own seed (derived from SEED and its place in the table), so routes do not all
    // draw the same sequence of cases.
    const seed = (SEED + names.indexOf(name) * 7919) % 2 ** 31;
    const details = await fc.check(property, { numRuns: RUNS, seed });
    if (process.env.FUZZ_STATS) console.log(name, JSON.stringify(Object.fromEntries([...tally].sort())));
    if (details.failed) {
      const cause =
        details.errorInstance instanceof Error
          ? details.errorInstance.message
          : String(details.errorInstance);
      throw new Error(
        `${fc.defaultReportMessage(details)}\n${cause}\n` +
          `Reproduce: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx jest tests/api/fuzz -t '${route.definition.name}'`,
      );
    }
  });

  test('afterwards, the store holds exactly what was seeded', async () => {
    const after = await snapshot();
    expect(diffSummary(baseline, after)).toBe('');
  });
});
