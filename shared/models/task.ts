import { z } from 'zod';
import { calendarDate, itemId, mergePatchOf, timestamp } from './common';

/** A task's states; completedAt follows 'done'. */
export const TASK_STATUSES = ['todo', 'in_progress', 'done'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const required = {
  title: z.string().trim().min(1, 'Must not be empty.').max(200),
  status: z.enum(TASK_STATUSES),
  priority: z.number().int().min(1).max(5).meta({ description: '1 (lowest) to 5 (highest).' }),
  tags: z
    .array(z.string().trim().min(1, 'Must not be empty.').max(50))
    .max(20)
    .meta({ description: 'Up to 20 tags of up to 50 characters.' }),
};
const optional = {
  projectId: itemId.meta({ description: "One of the caller's projects (422 PROJECT_NOT_FOUND otherwise)." }),
  notes: z.string().max(4000),
  dueDate: calendarDate,
};

/** POST /tasks body. */
export const TaskCreate = z
  .strictObject({
    id: itemId.optional(),
    ...required,
    status: required.status.default('todo'),
    priority: required.priority.default(3),
    tags: required.tags.default([]),
    projectId: optional.projectId.optional(),
    notes: optional.notes.optional(),
    dueDate: optional.dueDate.optional(),
  })
  .meta({ id: 'TaskCreate' });

/** PUT /tasks/{id} body: the whole task; optional fields left out are removed. */
export const TaskReplace = z
  .strictObject({
    ...required,
    projectId: optional.projectId.optional(),
    notes: optional.notes.optional(),
    dueDate: optional.dueDate.optional(),
  })
  .meta({ id: 'TaskReplace' });

/** PATCH /tasks/{id} body (merge patch): only the fields to change; null removes an optional field. */
export const TaskPatch = mergePatchOf(required, optional).meta({ id: 'TaskPatch' });

/** A task as the API returns it. */
export const Task = z
  .object({
    id: itemId,
    userId: z.string(),
    ...required,
    projectId: optional.projectId.optional(),
    notes: optional.notes.optional(),
    dueDate: optional.dueDate.optional().meta({
      description:
        'Absent when the task has no due date (never null). Sorting by dueDate puts tasks without one first ' +
        'in ascending order and last in descending order.',
    }),
    createdAt: timestamp,
    updatedAt: timestamp,
    completedAt: timestamp.optional().meta({
      description: 'Set by the server when status becomes done; removed when it leaves done.',
    }),
  })
  .meta({ id: 'Task' });

export type Task = z.infer<typeof Task>;
export type TaskFields = z.infer<typeof TaskReplace>;

/**
 * A task as stored. dueDate is null rather than absent when there is none: Cosmos DB may leave documents
 * without the ORDER BY property out of an ORDER BY c.dueDate query, while null is indexed and sorts first.
 */
export type TaskDocument = Omit<Task, 'dueDate'> & { dueDate: string | null };

/** The server-owned facts a stored task keeps across writes. */
export interface TaskOrigin {
  id: string;
  userId: string;
  createdAt: string;
  /** The version being replaced, if any: its completedAt survives while the task stays done. */
  previous?: Pick<TaskDocument, 'status' | 'completedAt'>;
}

/** The document to store for these fields: dueDate null when absent, completedAt set on entering done. */
export function taskDocument(origin: TaskOrigin, fields: TaskFields, now: string): TaskDocument {
  const { previous } = origin;
  const { dueDate, ...rest } = fields;
  const completedAt =
    fields.status !== 'done' ? undefined : previous?.status === 'done' ? (previous.completedAt ?? now) : now;
  return {
    id: origin.id,
    userId: origin.userId,
    ...rest,
    dueDate: dueDate ?? null,
    createdAt: origin.createdAt,
    updatedAt: now,
    // Leaving done drops the field rather than storing undefined or null, so responses simply omit it.
    ...(completedAt === undefined ? {} : { completedAt }),
  };
}

/** A stored task as the API returns it: system fields dropped, and no dueDate key when there is none. */
export function taskView(stored: TaskDocument): Task {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (key.startsWith('_') || (key === 'dueDate' && value === null)) continue;
    view[key] = value;
  }
  return view as Task;
}
