import { z } from 'zod';
import { itemId, mergePatchOf, timestamp } from './common';

const required = {
  name: z.string().trim().min(1, 'Must not be empty.').max(200),
  archived: z.boolean(),
};
const optional = {
  description: z.string().max(4000),
  color: z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'Must be a colour as #RRGGBB.'),
};

/** POST /projects body. */
export const ProjectCreate = z
  .strictObject({
    id: itemId.optional(),
    ...required,
    archived: required.archived.default(false),
    description: optional.description.optional(),
    color: optional.color.optional(),
  })
  .meta({ id: 'ProjectCreate' });

/** PUT /projects/{id} body: the whole project; optional fields left out are removed. */
export const ProjectReplace = z
  .strictObject({
    ...required,
    description: optional.description.optional(),
    color: optional.color.optional(),
  })
  .meta({ id: 'ProjectReplace' });

/** PATCH /projects/{id} body (merge patch): only the fields to change; null removes an optional field. */
export const ProjectPatch = mergePatchOf(required, optional).meta({ id: 'ProjectPatch' });

/** A project as the API returns it. */
export const Project = z
  .object({
    id: itemId,
    userId: z.string(),
    ...required,
    description: optional.description.optional(),
    color: optional.color.optional(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Project' });

export type Project = z.infer<typeof Project>;
export type ProjectFields = z.infer<typeof ProjectReplace>;
