import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { FunctionDefinition, HttpFunctionDefinition } from '../../functions/functionDefinition';
import { parseRouteTemplate, type RouteParameter } from '../../tools/local-runner/routeTemplate';
import type { AuthMode } from '../config/settings';
import type { RouteDescription } from '../http/routeDescription';
import { itemId } from '../models/common';
import { HealthReportSchema } from './healthReport';
import { Problem } from './problem';
import { SECURITY_SCHEMES, securityFor } from './securitySchemes';

/** An OpenAPI 3.1 document as the generator returns it. */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

// The OpenAPI 3.1 document is generated from the function table itself: every HTTP function the Functions
// host registers is one operation, described by the RouteDescription beside it, whose zod schemas are the
// ones that validate requests. Nothing here lists routes or copies a schema.

/** Contract version of the API (architecture: "HTTP API contract (v1)"), not the package version. */
export const API_VERSION = '1.0.0';

/** Where the routes live below the host: host.json's default route prefix, as the contract names it. */
export const API_BASE_PATH = '/api';

/** The function table is not fit to be described: a route without a description, a clash, an odd method. */
export class OpenApiDescriptionError extends Error {
  override readonly name = 'OpenApiDescriptionError';
}

type Method = RouteConfig['method'];
const METHODS = new Set<string>(['get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'trace']);

// Reason phrases as shared/http/problemResponse.ts titles them; the component names are these in PascalCase.
const PROBLEM_RESPONSES: Record<number, { name: string; description: string }> = {
  400: {
    name: 'BadRequest',
    description:
      'The request is not valid: VALIDATION_FAILED (with per-field errors), INVALID_JSON, ' +
      'INVALID_CONTINUATION_TOKEN.',
  },
  401: { name: 'Unauthorized', description: 'No valid identity (UNAUTHENTICATED).' },
  403: { name: 'Forbidden', description: 'Signed in without the role the route needs (FORBIDDEN).' },
  404: { name: 'NotFound', description: "The caller has no such item (another user's item is 404 too)." },
  409: { name: 'Conflict', description: 'An item with this id exists already (CONFLICT).' },
  412: {
    name: 'PreconditionFailed',
    description: 'If-Match names a version that is no longer current (PRECONDITION_FAILED).',
  },
  413: { name: 'PayloadTooLarge', description: 'The body is over 1 MiB (PAYLOAD_TOO_LARGE).' },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The body is not declared as JSON (UNSUPPORTED_MEDIA_TYPE).',
  },
  422: {
    name: 'UnprocessableEntity',
    description: 'The body names something the caller does not have, e.g. a project (PROJECT_NOT_FOUND).',
  },
  429: { name: 'TooManyRequests', description: 'Throttled beyond the retries; retry after Retry-After.' },
  500: { name: 'InternalServerError', description: 'Unexpected failure; the log has the cause.' },
  503: {
    name: 'ServiceUnavailable',
    description:
      'The data store (or, with AUTH_MODE=jwt, the identity provider: AUTH_UNAVAILABLE) is unavailable; ' +
      'retry after Retry-After.',
  },
};

// Statuses that carry Retry-After (problemResponse.ts sets it on exactly these).
const RETRY_AFTER_STATUSES = new Set([429, 503]);

// Responses whose body is not a problem, by function name. Health answers 503 with its own report, since a
// probe wants to see which check failed; it is the one route that does.
const OWN_ERROR_BODIES: Record<string, Record<number, ResponseConfig>> = {
  health: {
    503: {
      description: 'Unhealthy: the same report, naming the check that failed.',
      content: { 'application/json': { schema: HealthReportSchema } },
    },
  },
};

const HEADERS = {
  ETag: {
    description: 'The version of the item; send it back in If-Match to change only this version.',
    schema: { type: 'string', example: '"00000000-0000-0000-0000-000000000000"' },
  },
  Location: { description: 'Where the new item lives.', schema: { type: 'string', format: 'uri-reference' } },
  RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
} as const;

const headerRef = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` });

/** "projects/{id:int}" as an OpenAPI path ("/projects/{id}") and its path parameters. */
export function openApiPath(route: string): { path: string; parameters: RouteParameter[] } {
  const template = parseRouteTemplate(route);
  const parameters: RouteParameter[] = [];
  const segments = template.segments.map((segment) =>
    segment.parts
      .map((part) => {
        if (part.kind === 'literal') return part.text;
        parameters.push(part.parameter);
        // Constraints, defaults, "?" and "*" are routing details; OpenAPI only names the parameter.
        return `{${part.parameter.name}}`;
      })
      .join(''),
  );
  return { path: `/${segments.join('/')}`, parameters };
}

// An item's {id} is validated by routeId() against itemId; other parameters are plain text to the router.
function pathParameterSchema(parameter: RouteParameter): z.ZodType {
  return parameter.name === 'id' ? itemId : z.string().min(1);
}

// A response that is one stored item carries its ETag (responses.ts itemResponse); lists, summaries and
// reports do not. An item is what has an id.
function isItemSchema(schema: z.ZodType | undefined): boolean {
  return schema instanceof z.ZodObject && 'id' in schema.shape;
}

function successResponse(description: RouteDescription): ResponseConfig {
  const { status, schema } = description.success;
  const headers: Record<string, { $ref: string }> = {};
  if ((status === 200 || status === 201) && isItemSchema(schema)) headers.ETag = headerRef('ETag');
  if (status === 201) headers.Location = headerRef('Location');
  return {
    description: description.success.description,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(schema ? { content: { 'application/json': { schema } } } : {}),
  };
}

function errorStatuses(description: RouteDescription): number[] {
  const statuses = new Set(description.errors);
  statuses.add(500);
  if (description.access !== 'anonymous') {
    // Authenticated routes authenticate (401) and reach the store (503); admin routes check the role.
    statuses.add(401);
    statuses.add(503);
    if (description.access === 'admin') statuses.add(403);
  }
  return [...statuses].sort((a, b) => a - b);
}

function problemResponseName(status: number): string {
  return PROBLEM_RESPONSES[status]?.name ?? `Problem${status}`;
}

function registerProblemResponse(registry: OpenAPIRegistry, status: number): void {
  registry.registerComponent('responses', problemResponseName(status), {
    description: PROBLEM_RESPONSES[status]?.description ?? `HTTP ${status}.`,
    ...(RETRY_AFTER_STATUSES.has(status) ? { headers: { 'Retry-After': headerRef('RetryAfter') } } : {}),
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
}

function operation(
  definition: HttpFunctionDefinition,
  description: RouteDescription,
  method: Method,
  authMode: AuthMode,
  usedProblems: Set<number>,
): RouteConfig {
  const { path, parameters } = openApiPath(definition.route);
  const responses: RouteConfig['responses'] = {
    [String(description.success.status)]: successResponse(description),
  };
  for (const status of errorStatuses(description)) {
    const own = OWN_ERROR_BODIES[definition.name]?.[status];
    if (own) {
      responses[String(status)] = own;
    } else {
      usedProblems.add(status);
      responses[String(status)] = { $ref: `#/components/responses/${problemResponseName(status)}` };
    }
  }
  const bodyTypes =
    method === 'patch' ? ['application/json', 'application/merge-patch+json'] : ['application/json'];
  return {
    method,
    path,
    operationId: definition.name,
    summary: description.summary,
    // Grouped by the first path segment ("openapi.json" reads better as "openapi").
    tags: [path.split('/')[1].replace(/\.[a-z]+$/, '')],
    security: securityFor(description.access, authMode),
    request: {
      ...(parameters.length
        ? { params: z.object(Object.fromEntries(parameters.map((p) => [p.name, pathParameterSchema(p)]))) }
        : {}),
      ...(description.query ? { query: description.query } : {}),
      ...(description.body
        ? {
            body: {
              required: true,
              content: Object.fromEntries(bodyTypes.map((type) => [type, { schema: description.body }])),
            },
          }
        : {}),
    },
    responses,
  };
}

/** The HTTP functions of a table; throws OpenApiDescriptionError naming every one without a description. */
export function describedHttpFunctions(
  functions: readonly FunctionDefinition[],
): { definition: HttpFunctionDefinition; description: RouteDescription }[] {
  const http = functions.filter((f): f is HttpFunctionDefinition => f.trigger === 'http');
  const undescribed = http.filter((f) => !f.description).map((f) => `${f.name} (${f.route})`);
  if (undescribed.length) {
    // Every route must be in the document; a missing description is a bug in the function's module.
    throw new OpenApiDescriptionError(
      `HTTP functions without a RouteDescription (pass one to httpFunction): ${undescribed.join(', ')}`,
    );
  }
  return http.map((definition) => ({ definition, description: definition.description as RouteDescription }));
}

/** Builds the OpenAPI 3.1 document of every HTTP function of a function table. */
export function buildOpenApiDocument(
  functions: readonly FunctionDefinition[],
  options: { authMode: AuthMode },
): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    registry.registerComponent('securitySchemes', name, scheme);
  }
  for (const [name, header] of Object.entries(HEADERS)) registry.registerComponent('headers', name, header);

  const usedProblems = new Set<number>();
  const seen = new Map<string, string>();
  for (const { definition, description } of describedHttpFunctions(functions)) {
    for (const httpMethod of definition.methods) {
      const method = httpMethod.toLowerCase();
      if (!METHODS.has(method)) {
        throw new OpenApiDescriptionError(`${definition.name}: OpenAPI cannot describe method ${httpMethod}`);
      }
      const config = operation(definition, description, method as Method, options.authMode, usedProblems);
      const key = `${method.toUpperCase()} ${config.path}`;
      const clash = seen.get(key);
      if (clash) throw new OpenApiDescriptionError(`${clash} and ${definition.name} both serve ${key}`);
      seen.set(key, definition.name);
      registry.registerPath(config);
    }
  }
  for (const status of [...usedProblems].sort((a, b) => a - b)) registerProblemResponse(registry, status);

  // Problem as a schema definition (its .meta id names the component), for the problem responses to $ref. Not
  // as a bare zod schema: the generator takes anything with a "type" member for a definition, and zod 4
  // schemas have one.
  const definitions = [...registry.definitions, { type: 'schema' as const, schema: Problem }];
  return new OpenApiGeneratorV31(definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'LifeTracker Pro data API',
      version: API_VERSION,
      description:
        'The data backend of LifeTracker Pro: profiles, projects, tasks and fitness entries, each scoped ' +
        "to the caller (another user's item is 404). JSON in and out; every error is " +
        'application/problem+json (Problem) with a stable UPPER_SNAKE code. Reads and writes of an item ' +
        'return its ETag; PUT, PATCH and DELETE honour If-Match (412 on a stale one). Lists return ' +
        '{ items, continuationToken }. ' +
        `This deployment authenticates with AUTH_MODE=${options.authMode}; the security schemes of every ` +
        'mode are listed, and each operation requires the running one.',
    },
    servers: [{ url: API_BASE_PATH }],
  });
}
