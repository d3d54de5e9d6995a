// GET /api/openapi.json: a valid OpenAPI 3.1 document of every route of the function table, whose schemas
// accept what the API accepts and describe what it answers (checked by calling every operation with an
// example built from the document itself).
import fs from 'node:fs';
import path from 'node:path';
import { validate as validateOpenApi } from '@readme/openapi-parser';
import type { HttpFunctionDefinition } from '../../functions/functionDefinition';
import { buildFunctionTable } from '../../functions/functionTable';
import { openApiJson } from '../../functions/openapi';
import { getSettings } from '../../shared/config/settings';
import { AppError } from '../../shared/errors/appError';
import { asAppError, problemResponse } from '../../shared/http/problemResponse';
import { buildOpenApiDocument, openApiPath, OpenApiDescriptionError } from '../../shared/openapi/document';
import { Problem } from '../../shared/openapi/problem';
import { SECURITY_SCHEMES } from '../../shared/openapi/securitySchemes';
import { startApi, type ApiResponse, type ApiUnderTest } from './apiHarness';
import {
  exampleOf,
  fetchOpenApi,
  operationsOf,
  SchemaValidator,
  type JsonObject,
  type LocatedOperation,
  type OpenApiDoc,
} from './openapiSupport';

let api: ApiUnderTest;
let doc: OpenApiDoc;
let validator: SchemaValidator;
let httpFunctions: HttpFunctionDefinition[];

beforeAll(async () => {
  api = await startApi();
  doc = await fetchOpenApi(api);
  validator = new SchemaValidator(doc);
  httpFunctions = buildFunctionTable(getSettings()).filter(
    (f): f is HttpFunctionDefinition => f.trigger === 'http',
  );
});
afterAll(async () => api.close());

// Path parameters other than {id} cannot be described by a RouteDescription yet, so the document gives no
// example for them; these are the values the contract names.
const PATH_PARAMETER_EXAMPLES: Record<string, string> = { entity: 'projects' };

describe('the document', () => {
  test('every HTTP function of the table has a RouteDescription', () => {
    const missing = httpFunctions.filter((f) => !f.description).map((f) => `${f.name} (${f.route})`);
    expect(missing).toEqual([]);
  });

  test('a table with a route that has no description is refused, naming the function', () => {
    const [first] = httpFunctions;
    const undescribed: HttpFunctionDefinition = { ...first, name: 'undescribed', description: undefined };
    expect(() => buildOpenApiDocument([...httpFunctions, undescribed], { authMode: 'dev' })).toThrow(
      OpenApiDescriptionError,
    );
    expect(() => buildOpenApiDocument([undescribed], { authMode: 'dev' })).toThrow(/undescribed/);
  });

  test('is valid OpenAPI 3.1 (@readme/openapi-parser) and every schema compiles as strict JSON Schema 2020-12', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validateOpenApi(
      structuredClone(doc) as unknown as Parameters<typeof validateOpenApi>[0],
    );
    expect(result).toEqual({ valid: true, warnings: [], specification: 'OpenAPI' });
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(() => validator.compile(schema)).not.toThrow();
      expect(name).toMatch(/^[A-Za-z0-9]+$/);
    }
  });

  test('lists every HTTP route of the function table with its methods, and nothing else', () => {
    const expected = httpFunctions
      .flatMap((f) => f.methods.map((m) => `${m.toLowerCase()} ${openApiPath(f.route).path} ${f.name}`))
      .sort();
    const actual = operationsOf(doc)
      .map((o) => `${o.method} ${o.path} ${o.operation.operationId}`)
      .sort();
    expect(actual).toEqual(expected);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/health', '/openapi.json', '/projects/{id}']),
    );
  });

  test('route templates become OpenAPI paths without constraints, defaults or catch-all marks', () => {
    expect(openApiPath('projects/{id}')).toMatchObject({ path: '/projects/{id}' });
    expect(openApiPath('items/{id:int}/parts/{part:regex(^[a-z]{{2}}$)}').path).toBe(
      '/items/{id}/parts/{part}',
    );
    expect(openApiPath('files/{name}.{ext}').path).toBe('/files/{name}.{ext}');
    expect(openApiPath('reports/{kind?}').path).toBe('/reports/{kind}');
    expect(openApiPath('docs/{*rest}').parameters.map((p) => p.name)).toEqual(['rest']);
  });

  test('security: none on anonymous routes, the running AUTH_MODE on the others, every scheme defined', () => {
    const schemes = doc.components.securitySchemes as Record<string, JsonObject>;
    expect(Object.keys(schemes).sort()).toEqual(Object.keys(SECURITY_SCHEMES).sort());
    for (const f of httpFunctions) {
      const { operation } = operationsOf(doc).find(
        (o) => o.operation.operationId === f.name,
      ) as LocatedOperation;
      if (f.description?.access === 'anonymous') expect(operation.security).toEqual([]);
      else
        expect(operation.security).toEqual([
          { devPrincipalId: f.description?.access === 'admin' ? ['admin'] : [] },
        ]);
    }
    const table = buildFunctionTable(getSettings());
    const modes = {
      jwt: [{ bearerJwt: [] }],
      easyauth: [{ appServicePrincipal: [], appServicePrincipalId: [] }],
    } as const;
    for (const [authMode, security] of Object.entries(modes)) {
      const other = buildOpenApiDocument(table, {
        authMode: authMode as keyof typeof modes,
      }) as unknown as OpenApiDoc;
      expect(
        operationsOf(other).find((o) => o.operation.operationId === 'projectsList')?.operation.security,
      ).toEqual(security);
      expect(
        operationsOf(other).find((o) => o.operation.operationId === 'health')?.operation.security,
      ).toEqual([]);
    }
  });

  test('is built once per process and served as the same bytes', async () => {
    const first = openApiJson();
    expect(openApiJson()).toBe(first);
    const served = await api.anonymous.get('openapi.json');
    expect(served.text).toBe(first);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
  });

  test('every route that reads a body documents 400, 413 and 415; every {id} route documents 404', () => {
    const gaps: string[] = [];
    for (const { path, operation } of operationsOf(doc)) {
      const statuses = Object.keys(operation.responses);
      const needed = [
        ...(operation.requestBody ? ['400', '413', '415'] : []),
        ...(path.includes('{id}') ? ['404'] : []),
      ];
      for (const status of needed)
        if (!statuses.includes(status)) gaps.push(`${operation.operationId} ${status}`);
    }
    expect(gaps).toEqual([]);
  });
});

describe('Problem', () => {
  const errors: AppError[] = [
    new AppError('bad', {
      code: 'VALIDATION_FAILED',
      category: 'VALIDATION',
      status: 400,
      errors: [{ field: 'name', message: 'Must not be empty.' }],
    }),
    new AppError('no', { code: 'UNAUTHENTICATED', category: 'AUTH', status: 401 }),
    new AppError('slow down', { code: 'THROTTLED', category: 'THROTTLE', status: 429, retryAfterMs: 1500 }),
    new AppError('down', { code: 'STORE_UNAVAILABLE', category: 'CONNECTION', status: 503 }),
    asAppError(new Error('boom')),
  ];

  test.each(errors.map((e) => [e.status, e.code, e] as const))(
    'describes exactly what problemResponse emits for %s %s',
    (status, _code, error) => {
      const response = problemResponse(error);
      const body = response.jsonBody as unknown;
      expect(Problem.safeParse(body).success).toBe(true);
      expect(validator.errorsOf(doc.components.schemas.Problem, body)).toEqual([]);
      const headers = response.headers as Record<string, string>;
      expect(headers['content-type']).toBe('application/problem+json');
      // The document promises Retry-After on exactly these statuses (next test).
      expect('retry-after' in headers).toBe(status === 429 || status === 503);
    },
  );

  test('Retry-After is documented on 429 and 503 problem responses only', () => {
    const responses = doc.components.responses as Record<string, { headers?: JsonObject }>;
    for (const [name, response] of Object.entries(responses)) {
      const retry = ['TooManyRequests', 'ServiceUnavailable'].includes(name);
      expect([name, Boolean(response.headers?.['Retry-After'])]).toEqual([name, retry]);
    }
  });
});

// ---- Round trips: every operation called with what the document says, answering what it says ----

interface Exchange {
  operation: LocatedOperation;
  response: ApiResponse;
}

function fillPath(path: string, ids: Map<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = name === 'id' ? ids.get(path.slice(0, path.indexOf('/{'))) : PATH_PARAMETER_EXAMPLES[name];
    if (value === undefined) throw new Error(`No value for {${name}} in ${path}`);
    return encodeURIComponent(value);
  });
}

/** What is wrong with a response, measured against the operation's documented responses. */
function conformanceProblems({ operation, response }: Exchange): string[] {
  const { operationId, responses } = operation.operation;
  const where = `${operationId} answered ${response.status}`;
  const documented = responses[String(response.status)];
  if (!documented) return [`${where}, which the document does not list (${response.text.slice(0, 200)})`];
  const resolved = (
    typeof documented.$ref === 'string'
      ? (doc.components.responses as Record<string, JsonObject>)[documented.$ref.split('/').pop() as string]
      : documented
  ) as { headers?: JsonObject; content?: Record<string, { schema: JsonObject }> };
  const problems: string[] = [];
  for (const header of Object.keys(resolved.headers ?? {})) {
    if (!response.headers.has(header)) problems.push(`${where} without the documented ${header} header`);
  }
  const [mediaType, media] = Object.entries(resolved.content ?? {})[0] ?? [];
  if (!media) {
    if (response.text !== '') problems.push(`${where} with a body the document does not describe`);
    return problems;
  }
  if (!response.headers.get('content-type')?.startsWith(mediaType as string)) {
    problems.push(`${where} as ${response.headers.get('content-type')}, documented ${mediaType}`);
  }
  const errors = validator.errorsOf(media.schema, JSON.parse(response.text) as unknown);
  if (errors.length) problems.push(`${where} with a body the schema refuses: ${errors.join('; ')}`);
  return problems;
}

describe('round trips', () => {
  test('every request schema accepts an example built from it, and the API accepts that example too', async () => {
    const alice = api.as('openapi-alice');
    const table = new Map(httpFunctions.map((f) => [f.name, f]));
    const ids = new Map<string, string>();
    const exchanges: Exchange[] = [];
    const problems: string[] = [];
    const call = async (operation: LocatedOperation, body?: unknown, mediaType = 'application/json') => {
      const response = await alice.request(
        operation.method.toUpperCase(),
        fillPath(operation.path, ids).slice(1),
        {
          ...(body === undefined
            ? {}
            : { raw: JSON.stringify(body), headers: { 'content-type': mediaType } }),
        },
      );
      exchanges.push({ operation, response });
      return response;
    };

    const withBody = operationsOf(doc).filter((o) => o.operation.requestBody);
    const byMethod = (m: string) => withBody.filter((o) => o.method === m);
    // Creates first, so the item routes have an item; a singleton (PUT /me) is created before it is replaced.
    for (const singleton of byMethod('put').filter((o) => !o.path.includes('{'))) {
      const example = exampleOf(
        doc,
        singleton.operation.requestBody?.content['application/json'].schema as JsonObject,
      );
      await alice.put(singleton.path.slice(1), example);
    }
    for (const operation of [...byMethod('post'), ...byMethod('put'), ...byMethod('patch')]) {
      const { operationId, requestBody } = operation.operation;
      const content = requestBody?.content ?? {};
      const example = exampleOf(doc, content['application/json'].schema, operationId);
      for (const [mediaType, { schema }] of Object.entries(content)) {
        const refused = validator.errorsOf(schema, example);
        if (refused.length)
          problems.push(`${operationId}: ${mediaType} schema refuses its example: ${refused.join('; ')}`);
      }
      const zodBody = table.get(operationId)?.description?.body;
      if (!zodBody?.safeParse(example).success)
        problems.push(`${operationId}: the zod schema refuses the document's example`);
      const mediaType = operation.method === 'patch' ? 'application/merge-patch+json' : 'application/json';
      const response = await call(operation, example, mediaType);
      const expected = Object.keys(operation.operation.responses).find((s) => s.startsWith('2'));
      if (String(response.status) !== expected) {
        problems.push(
          `${operationId}: expected ${expected}, got ${response.status} ${response.text.slice(0, 300)}`,
        );
      }
      if (operation.method === 'post' && response.status === 201)
        ids.set(operation.path, String(response.body.id));
      if (response.status === 207) {
        const results = response.body.results as { status: number }[];
        if (!results.every((r) => r.status === 201))
          problems.push(`${operationId}: items not created: ${response.text}`);
      }
    }

    // Every read, then every delete (items before the account), against what the writes created.
    for (const operation of operationsOf(doc).filter((o) => o.method === 'get')) await call(operation);
    const deletes = operationsOf(doc).filter((o) => o.method === 'delete');
    for (const operation of deletes.sort((a, b) => b.path.length - a.path.length)) {
      const response = await call(operation);
      if (response.status >= 300)
        problems.push(`${operation.operation.operationId}: ${response.status} ${response.text}`);
    }

    // Errors too: no identity (401) and a body of the wrong shape (400) answer documented problems.
    for (const operation of withBody) {
      const response = await api.anonymous.request(
        operation.method.toUpperCase(),
        fillPath(operation.path, ids).slice(1),
        {
          raw: '{}',
          headers: { 'content-type': 'application/json' },
        },
      );
      exchanges.push({ operation, response });
      exchanges.push({
        operation,
        response: await alice.request(
          operation.method.toUpperCase(),
          fillPath(operation.path, ids).slice(1),
          { raw: '[]', headers: { 'content-type': 'application/json' } },
        ),
      });
    }

    for (const exchange of exchanges) problems.push(...conformanceProblems(exchange));
    expect(problems).toEqual([]);
    expect(exchanges.length).toBeGreaterThan(operationsOf(doc).length);
  });
});

// ---- api.http: the requests file of the README, run as written ----

interface HttpFileRequest {
  title: string;
  expected: number;
  name?: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Parses a .http file (REST Client / JetBrains syntax, the subset api.http uses). */
function parseHttpFile(text: string): { variables: Map<string, string>; requests: HttpFileRequest[] } {
  const [preamble, ...blocks] = text.split(/^###/m);
  const variables = new Map<string, string>();
  for (const match of preamble.matchAll(/^@(\w+)\s*=\s*(.*)$/gm)) variables.set(match[1], match[2].trim());
  const requests = blocks.map((block) => {
    const [title, ...lines] = block.split('\n');
    const expected = /→ (\d{3})/.exec(title);
    if (!expected) throw new Error(`api.http: "${title.trim()}" names no expected status (→ NNN)`);
    const name = lines.map((l) => /^#\s*@name\s+(\w+)/.exec(l)?.[1]).find(Boolean);
    const rest = lines.filter((l) => !/^\s*(#|\/\/)/.test(l));
    while (rest.length && rest[0].trim() === '') rest.shift();
    const [method, url] = (rest.shift() ?? '').trim().split(/\s+/);
    const headers: Record<string, string> = {};
    while (rest.length && rest[0].trim() !== '') {
      const line = rest.shift() as string;
      headers[line.slice(0, line.indexOf(':')).trim()] = line.slice(line.indexOf(':') + 1).trim();
    }
    return {
      title: title.trim(),
      expected: Number(expected[1]),
      name,
      method,
      url,
      headers,
      body: rest.join('\n').trim(),
    };
  });
  return { variables, requests };
}

describe('api.http', () => {
  test('every request answers the status its title names, in file order, and every route has one', async () => {
    const file = fs.readFileSync(path.join(__dirname, '..', '..', 'api.http'), 'utf8');
    const { variables, requests } = parseHttpFile(file);
    variables.set('baseUrl', `${api.url}/api`);
    const named = new Map<string, { headers: Headers; body: unknown }>();
    const substitute = (text: string) =>
      text.replace(/\{\{([^}]+)\}\}/g, (_, reference: string) => {
        const [name, kind, part, ...rest] = reference.split('.');
        if (kind === undefined) return variables.get(name) ?? `{{${name}}}`;
        const response = named.get(name);
        if (part === 'headers') return response?.headers.get(rest.join('.')) ?? '';
        // {{name.response.body.$.a.b}}: a JSONPath into the JSON body.
        let value: unknown = response?.body;
        for (const key of rest.slice(1)) value = (value as Record<string, unknown> | undefined)?.[key];
        return String(value);
      });
    const outcomes: string[] = [];
    for (const request of requests) {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, substitute(v)]));
      const response = await fetch(substitute(request.url), {
        method: request.method,
        headers,
        body: request.body ? substitute(request.body) : undefined,
      });
      const text = await response.text();
      if (request.name)
        named.set(request.name, {
          headers: response.headers,
          body: text ? (JSON.parse(text) as unknown) : {},
        });
      if (response.status !== request.expected)
        outcomes.push(`"${request.title}": ${response.status} ${text.slice(0, 300)}`);
    }
    expect(outcomes).toEqual([]);

    const uncovered = operationsOf(doc).filter(({ method, path: template }) => {
      const pattern = new RegExp(`^\\{\\{baseUrl\\}\\}${template.replace(/\{[^}]+\}/g, '[^/?]+')}(\\?|$)`);
      return !requests.some((r) => r.method.toLowerCase() === method && pattern.test(r.url));
    });
    expect(uncovered.map((o) => `${o.method.toUpperCase()} ${o.path}`)).toEqual([]);
  });
});
