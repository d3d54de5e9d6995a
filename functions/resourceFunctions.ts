import { z } from 'zod';
import { userRoute, type RouteHandler } from '../shared/http/apiRoute';
import { httpFunction, type FunctionDefinition } from './functionDefinition';

/** What a user-owned resource (projects, tasks, fitness) brings: its schemas, handlers and wording. */
export interface ResourceDefinition {
  /** Route segment and function-name prefix, e.g. "tasks" gives /tasks, /tasks/{id}, tasksList... */
  route: string;
  /** The item as the summaries name it, with its article: "a task", "a fitness entry". */
  item: string;
  schemas: {
    item: z.ZodType;
    listQuery: z.ZodObject;
    create: z.ZodType;
    replace: z.ZodType;
    patch: z.ZodType;
  };
  handlers: Record<'list' | 'create' | 'get' | 'replace' | 'patch' | 'delete', RouteHandler>;
  listSummary: string;
  /** Statuses every write may add beyond the common ones (e.g. 422 when a task names a missing project). */
  writeErrors?: number[];
  /** Overrides the DELETE summary when deleting does more (a project takes its tasks with it). */
  deleteSummary?: string;
}

/** The list response schema of a resource: { items, continuationToken }. */
function listSchema(resource: ResourceDefinition): z.ZodType {
  const name = `${resource.route.charAt(0).toUpperCase()}${resource.route.slice(1)}`;
  return z
    .object({ items: z.array(resource.schemas.item), continuationToken: z.string().nullable() })
    .meta({ id: `${name}List` });
}

/**
 * The six routes of a user-owned resource with their OpenAPI descriptions: list and create on /{route},
 * read, replace, merge-patch and delete on /{route}/{id}. One place, so the resources cannot drift apart
 * in status codes or wording.
 */
export function resourceFunctions(resource: ResourceDefinition): FunctionDefinition[] {
  const { route, item, schemas, handlers } = resource;
  const writeErrors = resource.writeErrors ?? [];
  const itemRoute = `${route}/{id}`;
  return [
    httpFunction(`${route}List`, 'GET', route, userRoute(handlers.list), {
      summary: resource.listSummary,
      access: 'user',
      query: schemas.listQuery,
      success: { status: 200, description: 'A page of items.', schema: listSchema(resource) },
      errors: [400],
    }),
    httpFunction(`${route}Create`, 'POST', route, userRoute(handlers.create), {
      summary: `Create ${item} (a client-chosen id makes retries safe)`,
      access: 'user',
      body: schemas.create,
      success: { status: 201, description: 'The new item; Location and ETag headers.', schema: schemas.item },
      errors: [400, 409, 413, 415, ...writeErrors],
    }),
    httpFunction(`${route}Get`, 'GET', itemRoute, userRoute(handlers.get), {
      summary: `Read ${item}`,
      access: 'user',
      success: { status: 200, description: 'The item; ETag header.', schema: schemas.item },
      errors: [400, 404],
    }),
    httpFunction(`${route}Replace`, 'PUT', itemRoute, userRoute(handlers.replace), {
      summary: `Replace ${item} (If-Match honoured)`,
      access: 'user',
      body: schemas.replace,
      success: { status: 200, description: 'The updated item; ETag header.', schema: schemas.item },
      errors: [400, 404, 412, 413, 415, ...writeErrors],
    }),
    httpFunction(`${route}Patch`, 'PATCH', itemRoute, userRoute(handlers.patch), {
      summary: `Change some fields of ${item} (merge patch; If-Match honoured)`,
      access: 'user',
      body: schemas.patch,
      success: { status: 200, description: 'The updated item; ETag header.', schema: schemas.item },
      errors: [400, 404, 412, 413, 415, ...writeErrors],
    }),
    httpFunction(`${route}Delete`, 'DELETE', itemRoute, userRoute(handlers.delete), {
      summary: resource.deleteSummary ?? `Delete ${item} (If-Match honoured)`,
      access: 'user',
      success: { status: 204, description: 'Deleted.' },
      errors: [400, 404, 412],
    }),
  ];
}
