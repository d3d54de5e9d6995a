import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RouteContext } from '../shared/http/apiRoute';
import { ifMatchOf } from '../shared/http/conditionalRequest';
import { mergedReplacement } from '../shared/http/itemRoutes';
import {
  continuationTokenParameter,
  decodeContinuation,
  encodeContinuation,
  limitParameter,
  listFingerprint,
} from '../shared/http/paging';
import { readJson, validate } from '../shared/http/requestBody';
import { itemResponse, listResponse, noContent } from '../shared/http/responses';
import { queryObject, routeId } from '../shared/http/routeParameters';
import { withoutServerFields } from '../shared/models/common';
import {
  Project,
  ProjectCreate,
  ProjectPatch,
  ProjectReplace,
  type ProjectFields,
} from '../shared/models/project';
import { ProjectRepository } from '../shared/repositories/projectRepository';
import { publicView } from '../shared/repositories/userItemRepository';
import type { FunctionDefinition } from './functionDefinition';
import { resourceFunctions } from './resourceFunctions';

/** GET /projects query: optional archived filter, sort by createdAt (default, newest first) or name. */
export const ProjectListQuery = z.object({
  archived: z.enum(['true', 'false']).optional(),
  sort: z.enum(['createdAt', 'name']).default('createdAt'),
  order: z.enum(['asc', 'desc']).optional(),
  limit: limitParameter,
  continuationToken: continuationTokenParameter,
});

const repository = (context: RouteContext) => new ProjectRepository(context.store);
const location = (id: string) => `/api/projects/${encodeURIComponent(id)}`;

async function listProjects(context: RouteContext) {
  const query = validate(ProjectListQuery, queryObject(context.request));
  const order = (query.order ?? (query.sort === 'name' ? 'asc' : 'desc')).toUpperCase();
  const fingerprint = listFingerprint([
    'projects',
    context.principal.userId,
    query.archived,
    query.sort,
    order,
  ]);
  const where: string[] = [];
  const parameters = [];
  if (query.archived !== undefined) {
    where.push('c.archived = @archived');
    parameters.push({ name: '@archived', value: query.archived === 'true' });
  }
  // The sort column comes from the enum above, never from request text; id breaks ties for a stable order.
  const page = await repository(context).page(
    context.principal.userId,
    { where, parameters, orderBy: `c.${query.sort} ${order}, c.id ${order}` },
    query.limit,
    decodeContinuation(query.continuationToken, fingerprint),
  );
  return listResponse(page.items.map(publicView), encodeContinuation(page.continuationToken, fingerprint));
}

async function createProject(context: RouteContext) {
  const input = validate(ProjectCreate, withoutServerFields(await readJson(context.request)));
  const now = new Date().toISOString();
  const { id = randomUUID(), ...fields } = input;
  const created = await repository(context).create({
    id,
    userId: context.principal.userId,
    ...fields,
    createdAt: now,
    updatedAt: now,
  });
  return itemResponse(201, publicView(created), created._etag, location(id));
}

async function getProject(context: RouteContext) {
  const project = await repository(context).get(context.principal.userId, routeId(context.request));
  return itemResponse(200, publicView(project), project._etag);
}

// A PUT or PATCH keeps the project's id, owner and creation time; everything else comes from the request.
function nextVersion(current: Project, fields: ProjectFields): Project {
  return {
    id: current.id,
    userId: current.userId,
    ...fields,
    createdAt: current.createdAt,
    updatedAt: new Date().toISOString(),
  };
}

async function replaceProject(context: RouteContext) {
  const id = routeId(context.request);
  const fields = validate(ProjectReplace, withoutServerFields(await readJson(context.request), ['id']));
  const updated = await repository(context).update(
    context.principal.userId,
    id,
    (current) => nextVersion(current, fields),
    ifMatchOf(context.request),
  );
  return itemResponse(200, publicView(updated), updated._etag);
}

async function patchProject(context: RouteContext) {
  const id = routeId(context.request);
  const patch = validate(ProjectPatch, withoutServerFields(await readJson(context.request), ['id']));
  const updated = await repository(context).update(
    context.principal.userId,
    id,
    (current) => nextVersion(current, mergedReplacement(ProjectReplace, publicView(current), patch)),
    ifMatchOf(context.request),
  );
  return itemResponse(200, publicView(updated), updated._etag);
}

async function deleteProject(context: RouteContext) {
  await repository(context).deleteWithTasks(
    context.principal.userId,
    routeId(context.request),
    ifMatchOf(context.request),
  );
  return noContent();
}

/** The project routes: /projects and /projects/{id}; deleting a project deletes its tasks. */
export function projectFunctions(): FunctionDefinition[] {
  return resourceFunctions({
    route: 'projects',
    item: 'a project',
    schemas: {
      item: Project,
      listQuery: ProjectListQuery,
      create: ProjectCreate,
      replace: ProjectReplace,
      patch: ProjectPatch,
    },
    handlers: {
      list: listProjects,
      create: createProject,
      get: getProject,
      replace: replaceProject,
      patch: patchProject,
      delete: deleteProject,
    },
    listSummary: "List the caller's projects",
    deleteSummary: 'Delete a project and its tasks (If-Match honoured)',
  });
}
