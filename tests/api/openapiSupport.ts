// Reading the served OpenAPI document in tests: its operations, a JSON Schema validator over its
// components, and a known-valid example for any of its schemas. Shared by openapi.test.ts (round trips) and
// fuzz.test.ts (which starts from valid bodies and breaks them).
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { HttpFunctionDefinition } from '../../functions/functionDefinition';
import type { ApiUnderTest } from './apiHarness';

/** A JSON Schema (or OpenAPI object) as plain JSON. */
export type JsonObject = { [key: string]: unknown };

/** The parts of the document these tests read. */
export interface OpenApiDoc extends JsonObject {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonObject> } & JsonObject;
}

/** One operation of the document. */
export interface OpenApiOperation extends JsonObject {
  operationId: string;
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean; schema: JsonObject }[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonObject }> };
  responses: Record<string, JsonObject>;
}

/** An operation with where it lives. */
export interface LocatedOperation {
  method: string;
  path: string;
  operation: OpenApiOperation;
}

/** Fetches /api/openapi.json from a running API. */
export async function fetchOpenApi(api: ApiUnderTest): Promise<OpenApiDoc> {
  const response = await api.anonymous.get('openapi.json');
  if (response.status !== 200) throw new Error(`GET /api/openapi.json: ${response.status} ${response.text}`);
  return JSON.parse(response.text) as OpenApiDoc;
}

/** Every operation of the document, in document order. */
export function operationsOf(doc: OpenApiDoc): LocatedOperation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );
}

/** The operation the document has for one HTTP function of the table (by operationId). */
export function operationFor(doc: OpenApiDoc, definition: HttpFunctionDefinition): LocatedOperation {
  const found = operationsOf(doc).find((o) => o.operation.operationId === definition.name);
  if (!found) throw new Error(`The document has no operation ${definition.name}`);
  return found;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A schema with a top-level $ref replaced by what it points at (components.schemas only). */
export function resolveSchema(doc: OpenApiDoc, schema: JsonObject): JsonObject {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    const match = /^#\/components\/schemas\/(.+)$/.exec(current.$ref);
    if (!match || hops > 20) throw new Error(`Cannot resolve ${current.$ref}`);
    const target = doc.components.schemas[match[1]];
    if (!target) throw new Error(`Dangling $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

// OpenAPI 3.1 schemas are JSON Schema 2020-12 plus a few annotation keywords of OpenAPI's own.
const OPENAPI_KEYWORDS = ['example', 'discriminator', 'xml', 'externalDocs'];

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string'
        ? inner.replace('#/components/schemas/', '#/$defs/')
        : rewriteRefs(inner),
    ]),
  );
}

/**
 * A strict JSON Schema 2020-12 validator over the document's schemas. Strict mode refuses unknown keywords
 * and malformed schemas, so compiling every component also checks the schemas themselves, which the
 * OpenAPI validator leaves alone.
 */
export class SchemaValidator {
  private readonly ajv: Ajv2020;
  private readonly defs: JsonObject;
  private readonly cache = new Map<JsonObject, ValidateFunction>();

  constructor(doc: OpenApiDoc) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addVocabulary(OPENAPI_KEYWORDS);
    this.defs = rewriteRefs(doc.components.schemas) as JsonObject;
  }

  /** Compiles a schema of the document (a component or an inline schema that may $ref components). */
  compile(schema: JsonObject): ValidateFunction {
    let validate = this.cache.get(schema);
    if (!validate) {
      validate = this.ajv.compile({ $defs: this.defs, ...(rewriteRefs(schema) as JsonObject) });
      this.cache.set(schema, validate);
    }
    return validate;
  }

  /** The validation errors of a value, as readable lines; empty when it is valid. */
  errorsOf(schema: JsonObject, value: unknown): string[] {
    const validate = this.compile(schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`);
  }
}

const FORMAT_EXAMPLES: Record<string, string> = {
  date: '2026-12-01',
  'date-time': '2026-11-27T08:00:00.000Z',
  email: 'alice@example.com',
  uri: 'https://example.com/',
  'uri-reference': '/api/example',
  uuid: '00000000-0000-4000-8000-000000000000',
};

/**
 * A small valid instance of a schema of the document: its example or default where it has one, otherwise
 * built from the constraints (required properties only; an object with none gets its first property, since
 * a merge patch must change something). Throws when a string has a pattern and no example: such a schema
 * should carry an example, for documentation as much as for this.
 */
export function exampleOf(doc: OpenApiDoc, schema: JsonObject, where = 'schema'): unknown {
  const s = resolveSchema(doc, schema);
  if ('example' in s) return s.example;
  if ('default' in s) return s.default;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const branches = (s.anyOf ?? s.oneOf) as JsonObject[] | undefined;
  if (branches) {
    const branch = branches.find((b) => resolveSchema(doc, b).type !== 'null') ?? branches[0];
    return exampleOf(doc, branch, where);
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, JsonObject>;
      let names = (s.required as string[] | undefined) ?? [];
      if (names.length === 0) names = Object.keys(properties).slice(0, 1);
      return Object.fromEntries(names.map((n) => [n, exampleOf(doc, properties[n], `${where}.${n}`)]));
    }
    case 'array': {
      const count = typeof s.minItems === 'number' ? s.minItems : 0;
      return Array.from({ length: count }, (_, i) => exampleOf(doc, s.items as JsonObject, `${where}[${i}]`));
    }
    case 'string': {
      if (typeof s.format === 'string' && FORMAT_EXAMPLES[s.format]) return FORMAT_EXAMPLES[s.format];
      if (s.pattern) throw new Error(`${where}: a string with a pattern needs an example in its schema`);
      return 'x'.repeat(typeof s.minLength === 'number' ? Math.max(1, s.minLength) : 1);
    }
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number'
        ? s.minimum
        : typeof s.maximum === 'number'
          ? Math.min(1, s.maximum)
          : 1;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      throw new Error(`${where}: cannot build an example for ${JSON.stringify(s).slice(0, 200)}`);
  }
}
