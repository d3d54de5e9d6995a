import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DocumentBody } from '../shared/data/documentStore';
import { AppError, type FieldError } from '../shared/errors/appError';
import { projectNotFound } from '../shared/errors/requestErrors';
import { userRoute, type RouteContext } from '../shared/http/apiRoute';
import { fieldErrorsOf } from '../shared/http/fieldErrors';
import { readJson, validate } from '../shared/http/requestBody';
import { json } from '../shared/http/responses';
import { BulkEnvelope, BulkResponse, bulkRequestOf, type BulkItemResult } from '../shared/models/bulk';
import { withoutServerFields } from '../shared/models/common';
import { FitnessCreate, fitnessDocument } from '../shared/models/fitness';
import { ProjectCreate } from '../shared/models/project';
import { TaskCreate, taskDocument } from '../shared/models/task';
import { createMany, idsAmong } from '../shared/repositories/bulkWriter';
import { httpFunction, type FunctionDefinition } from './functionDefinition';

/** One valid item, ready to store. */
interface Prepared {
  document: DocumentBody & { userId: string };
  /** The project a task names; it must be one of the caller's (422 PROJECT_NOT_FOUND otherwise). */
  projectId?: string;
}

/** An entity POST /bulk/{entity} accepts: where it is stored and how one item becomes a document. */
interface BulkEntity {
  container: string;
  /** The document for a valid item, or the item's field errors. */
  prepare(item: unknown, userId: string, now: string): Prepared | FieldError[];
}

// Each item goes through the very schema and document builder of the entity's single create (POST
// /projects, /tasks, /fitness), so a bulk-created item is indistinguishable from one created alone.
function preparedBy<S extends z.ZodType>(
  schema: S,
  build: (input: z.output<S>, userId: string, now: string) => Prepared,
): BulkEntity['prepare'] {
  return (item, userId, now) => {
    const parsed = schema.safeParse(withoutServerFields(item));
    return parsed.success ? build(parsed.data, userId, now) : fieldErrorsOf(parsed.error);
  };
}

// A Map, not an object literal: an entity named "constructor" or "__proto__" must be unknown, not inherited.
const ENTITIES = new Map<string, BulkEntity>([
  [
    'projects',
    {
      container: 'projects',
      prepare: preparedBy(ProjectCreate, ({ id = randomUUID(), ...fields }, userId, now) => ({
        document: { id, userId, ...fields, createdAt: now, updatedAt: now },
      })),
    },
  ],
  [
    'tasks',
    {
      container: 'tasks',
      prepare: preparedBy(TaskCreate, ({ id = randomUUID(), ...fields }, userId, now) => ({
        document: taskDocument({ id, userId, createdAt: now }, fields, now),
        projectId: fields.projectId,
      })),
    },
  ],
  [
    'fitness',
    {
      container: 'fitness',
      prepare: preparedBy(FitnessCreate, ({ id = randomUUID(), ...fields }, userId, now) => ({
        document: fitnessDocument({ id, userId, createdAt: now }, fields, now),
      })),
    },
  ],
]);

/** The entities POST /bulk/{entity} accepts. */
export const BULK_ENTITIES = [...ENTITIES.keys()];

// The entity is part of the path, so an unknown one names a resource that does not exist: 404, checked
// before the body is read, like any other unknown route.
function unknownEntity(entity: string): AppError {
  return new AppError(`There is no bulk endpoint for '${entity}'; use one of ${BULK_ENTITIES.join(', ')}.`, {
    code: 'UNKNOWN_ENTITY',
    category: 'NOT_FOUND',
    status: 404,
  });
}

const conflict = (index: number, id: string): BulkItemResult => ({
  index,
  status: 409,
  id,
  code: 'CONFLICT',
});

/**
 * POST /bulk/{entity}. The request is rejected as a whole (nothing written) only for what concerns all of
 * it: unknown entity 404, body not JSON / not { items: [1..1000] } 400, over 1 MiB 413, not JSON 415.
 * Otherwise every item gets its own result, in input order, and no item blocks another:
 * 400 invalid, 422 a task naming a project the caller does not have (checked against the projects stored
 * when the request starts: one request carries one entity, so it cannot create the project it names),
 * 409 an id that exists or repeats an earlier item of the same request (the first one wins), 201 created.
 */
async function bulkCreate(context: RouteContext) {
  const name = context.request.params.entity ?? '';
  const entity = ENTITIES.get(name);
  if (!entity) throw unknownEntity(name);
  const { items } = validate(BulkEnvelope, await readJson(context.request));
  const { store, principal } = context;
  const now = new Date().toISOString();

  const results: BulkItemResult[] = new Array<BulkItemResult>(items.length);
  let valid: { index: number; prepared: Prepared }[] = [];
  items.forEach((item, index) => {
    const prepared = entity.prepare(item, principal.userId, now);
    if (Array.isArray(prepared))
      results[index] = { index, status: 400, code: 'VALIDATION_FAILED', errors: prepared };
    else valid.push({ index, prepared });
  });

  const named = valid.map((v) => v.prepared.projectId).filter((id): id is string => id !== undefined);
  if (named.length > 0) {
    const known = await idsAmong(store, 'projects', principal.userId, named);
    valid = valid.filter(({ index, prepared }) => {
      if (prepared.projectId === undefined || known.has(prepared.projectId)) return true;
      const problem = projectNotFound(prepared.projectId);
      results[index] = {
        index,
        status: 422,
        id: prepared.document.id,
        code: problem.code,
        errors: problem.errors,
      };
      return false;
    });
  }

  // Duplicates are decided after the project check, so an id whose first item was refused still gets written.
  const seen = new Set<string>();
  const writes = valid.filter(({ index, prepared }) => {
    const id = prepared.document.id;
    if (seen.has(id)) {
      results[index] = conflict(index, id);
      return false;
    }
    seen.add(id);
    return true;
  });

  const outcomes = await createMany(
    store,
    entity.container,
    principal.userId,
    writes.map((w) => w.prepared.document),
    context.log,
  );
  writes.forEach(
    ({ index, prepared }, i) => (results[index] = { index, id: prepared.document.id, ...outcomes[i] }),
  );
  return json(207, { results });
}

/** The bulk create route: /bulk/{entity}. */
export function bulkFunctions(): FunctionDefinition[] {
  return [
    httpFunction('bulkCreate', 'POST', 'bulk/{entity}', userRoute(bulkCreate), {
      summary: `Create up to 1000 items of one entity (${BULK_ENTITIES.join(' | ')}); one result per item`,
      access: 'user',
      body: bulkRequestOf(z.union([ProjectCreate, TaskCreate, FitnessCreate])).meta({ id: 'BulkRequest' }),
      success: {
        status: 207,
        description: 'One result per item, in input order; invalid items never block valid ones.',
        schema: BulkResponse,
      },
      errors: [400, 404, 413, 415],
    }),
  ];
}
