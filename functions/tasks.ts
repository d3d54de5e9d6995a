import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { projectNotFound } from '../shared/errors/requestErrors';
import type { RouteContext } from '../shared/http/apiRoute';
import { ifMatchOf } from '../shared/http/conditionalRequest';
import { deleteRoutedItem, mergedReplacement } from '../shared/http/itemRoutes';
import {
  continuationTokenParameter,
  decodeContinuation,
  encodeContinuation,
  limitParameter,
  listFingerprint,
} from '../shared/http/paging';
import { readJson, validate } from '../shared/http/requestBody';
import { itemResponse, listResponse } from '../shared/http/responses';
import { queryObject, routeId } from '../shared/http/routeParameters';
import { calendarDate, itemId, withoutServerFields } from '../shared/models/common';
import {
  TASK_STATUSES,
  Task,
  TaskCreate,
  TaskPatch,
  TaskReplace,
  taskDocument,
  taskView,
  type TaskDocument,
  type TaskOrigin,
} from '../shared/models/task';
import { ProjectRepository } from '../shared/repositories/projectRepository';
import type { SortOrder } from '../shared/repositories/queryFilters';
import { TASK_SORTS, TaskRepository, type TaskSort } from '../shared/repositories/taskRepository';
import type { FunctionDefinition } from './functionDefinition';
import { resourceFunctions } from './resourceFunctions';

/** GET /tasks query: filters, a sort with its order, and paging. */
export const TaskListQuery = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  projectId: itemId.optional(),
  priority: z.coerce.number().int().min(1).max(5).optional(),
  dueBefore: calendarDate
    .optional()
    .meta({ description: 'Tasks due strictly before this date; tasks without a due date are left out.' }),
  sort: z.enum(TASK_SORTS).default('createdAt'),
  order: z
    .enum(['asc', 'desc'])
    .optional()
    .meta({ description: 'Default: asc for dueDate (soonest first), desc for priority and createdAt.' }),
  limit: limitParameter,
  continuationToken: continuationTokenParameter,
});

// Soonest due first; highest priority first; newest first.
const DEFAULT_ORDER: Record<TaskSort, SortOrder> = { dueDate: 'asc', priority: 'desc', createdAt: 'desc' };

const repository = (context: RouteContext) => new TaskRepository(context.store);
const location = (id: string) => `/api/tasks/${encodeURIComponent(id)}`;

// 422 unless the caller has the project a body names (a string; absent or null names none). It runs
// before the write, so a rejected request writes nothing.
async function requireProject(context: RouteContext, projectId: unknown): Promise<void> {
  if (typeof projectId !== 'string') return;
  const exists = await new ProjectRepository(context.store).exists(context.principal.userId, projectId);
  if (!exists) throw projectNotFound(projectId);
}

async function listTasks(context: RouteContext) {
  const query = validate(TaskListQuery, queryObject(context.request));
  const { sort, order: requestedOrder, limit, continuationToken, ...filter } = query;
  const order = requestedOrder ?? DEFAULT_ORDER[sort];
  const fingerprint = listFingerprint([
    'tasks',
    context.principal.userId,
    filter.status,
    filter.projectId,
    filter.priority,
    filter.dueBefore,
    sort,
    order,
  ]);
  const page = await repository(context).list(
    context.principal.userId,
    filter,
    { by: sort, order },
    limit,
    decodeContinuation(continuationToken, fingerprint),
  );
  return listResponse(page.items.map(taskView), encodeContinuation(page.continuationToken, fingerprint));
}

async function createTask(context: RouteContext) {
  const input = validate(TaskCreate, withoutServerFields(await readJson(context.request)));
  await requireProject(context, input.projectId);
  const now = new Date().toISOString();
  const { id = randomUUID(), ...fields } = input;
  const created = await repository(context).create(
    taskDocument({ id, userId: context.principal.userId, createdAt: now }, fields, now),
  );
  return itemResponse(201, taskView(created), created._etag, location(id));
}

async function getTask(context: RouteContext) {
  const task = await repository(context).get(context.principal.userId, routeId(context.request));
  return itemResponse(200, taskView(task), task._etag);
}

// What a stored task keeps across a PUT or PATCH: its id, owner, creation time, and (while it stays
// done) its completedAt.
const originOf = (id: string, current: TaskDocument): TaskOrigin => ({
  id,
  userId: current.userId,
  createdAt: current.createdAt,
  previous: current,
});

async function replaceTask(context: RouteContext) {
  const id = routeId(context.request);
  const fields = validate(TaskReplace, withoutServerFields(await readJson(context.request), ['id']));
  await requireProject(context, fields.projectId);
  const updated = await repository(context).update(
    context.principal.userId,
    id,
    (current) => taskDocument(originOf(id, current), fields, new Date().toISOString()),
    ifMatchOf(context.request),
  );
  return itemResponse(200, taskView(updated), updated._etag);
}

async function patchTask(context: RouteContext) {
  const id = routeId(context.request);
  const patch = validate(TaskPatch, withoutServerFields(await readJson(context.request), ['id']));
  // Only a projectId the patch sets is checked; one the task already has was checked when it was set.
  await requireProject(context, patch.projectId);
  const updated = await repository(context).update(
    context.principal.userId,
    id,
    (current) =>
      taskDocument(
        originOf(id, current),
        mergedReplacement(TaskReplace, taskView(current), patch),
        new Date().toISOString(),
      ),
    ifMatchOf(context.request),
  );
  return itemResponse(200, taskView(updated), updated._etag);
}

async function deleteTask(context: RouteContext) {
  return deleteRoutedItem(context, repository(context));
}

/** The task routes: /tasks and /tasks/{id}. */
export function taskFunctions(): FunctionDefinition[] {
  return resourceFunctions({
    route: 'tasks',
    item: 'a task',
    schemas: {
      item: Task,
      listQuery: TaskListQuery,
      create: TaskCreate,
      replace: TaskReplace,
      patch: TaskPatch,
    },
    handlers: {
      list: listTasks,
      create: createTask,
      get: getTask,
      replace: replaceTask,
      patch: patchTask,
      delete: deleteTask,
    },
    listSummary: "List the caller's tasks (filter by status, project, priority, due date; sort and page)",
    writeErrors: [422],
  });
}
