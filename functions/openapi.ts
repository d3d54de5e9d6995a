import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { getSettings, type Settings } from '../shared/config/settings';
import { problemFor } from '../shared/http/apiRoute';
import { buildOpenApiDocument } from '../shared/openapi/document';
import { invocationLogger } from '../shared/telemetry/logger';
import type { FunctionDefinition } from './functionDefinition';
// A cycle (functionTable lists this module) that is safe: the table is only read inside the handler, long
// after both modules have loaded.
import { buildFunctionTable } from './functionTable';

let cached: { settings: Settings; json: string } | undefined;

/**
 * The OpenAPI document of this process's function table, as JSON. Built on first use and kept: the table
 * cannot change while the process runs. Keyed by the settings object, which is per process in production
 * and replaced by tests that switch AUTH_MODE. A failure is not cached, so it is reported on every call.
 */
export function openApiJson(): string {
  const settings = getSettings();
  if (cached?.settings !== settings) {
    const document = buildOpenApiDocument(buildFunctionTable(settings), { authMode: settings.authMode });
    cached = { settings, json: JSON.stringify(document) };
  }
  return cached.json;
}

/** GET /api/openapi.json: anonymous, so tools can read the contract before anyone signs in. */
async function getOpenApiDocument(
  _request: HttpRequest,
  invocation: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: openApiJson(),
    };
  } catch (error) {
    // A route without a description, say: a bug, logged with its cause and answered as a problem.
    return problemFor(error, invocationLogger(invocation));
  }
}

// What the route returns, for the document itself: an OpenAPI object, not described further here.
const OpenApiDocumentSchema = z
  .looseObject({
    openapi: z.string().meta({ example: '3.1.0' }),
    info: z.looseObject({}),
    paths: z.looseObject({}),
  })
  .meta({ id: 'OpenApiDocument', description: 'This document (OpenAPI 3.1).' });

/** The OpenAPI route: GET /openapi.json. */
export function openApiFunctions(): FunctionDefinition[] {
  return [
    {
      trigger: 'http',
      name: 'openapi',
      route: 'openapi.json',
      methods: ['GET'],
      authLevel: 'anonymous',
      handler: getOpenApiDocument,
      description: {
        summary: 'This API as an OpenAPI 3.1 document, generated from the function table and its schemas',
        access: 'anonymous',
        success: { status: 200, description: 'The document.', schema: OpenApiDocumentSchema },
        errors: [],
      },
    },
  ];
}
