import { z } from 'zod';

// Building blocks shared by every model. Dates are ISO strings: "YYYY-MM-DD" for calendar dates (they
// sort and range-filter correctly as strings in Cosmos SQL) and full UTC timestamps for server times.

/** A client-chosen or server-generated item id: safe in a URL, a Cosmos id and a partition. */
export const itemId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'Must be 1-128 letters, digits, "_", ".", ":" or "-".')
  .meta({
    description: 'Item id; a client may choose it on create to make retries safe.',
    example: 'b3f1c2d4',
  });

/** A calendar date, YYYY-MM-DD, that exists. */
export const calendarDate = z.iso
  .date({ error: 'Must be a date as YYYY-MM-DD.' })
  .meta({ example: '2026-12-01' });

/** A server timestamp (ISO 8601, UTC). */
export const timestamp = z.iso.datetime().meta({ example: '2026-11-27T08:00:00.000Z' });

/** Fields the server owns: ignored when a client sends them back, never taken from a body. */
export const SERVER_OWNED_FIELDS = [
  'userId',
  'createdAt',
  'updatedAt',
  'completedAt',
  '_etag',
  '_ts',
  '_rid',
  '_self',
  '_attachments',
  'etag',
] as const;

/** A copy of a request body without server-owned fields (and without id where the route names the item). */
export function withoutServerFields(body: unknown, alsoDrop: string[] = []): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const name of [...SERVER_OWNED_FIELDS, ...alsoDrop]) delete copy[name];
  return copy;
}

/** A merge-patch body (RFC 7396) for an object: every field optional; null removes an optional field. */
export function mergePatchOf(required: z.ZodRawShape, optional: z.ZodRawShape) {
  const fields: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(required)) fields[key] = (schema as z.ZodType).optional();
  for (const [key, schema] of Object.entries(optional))
    fields[key] = (schema as z.ZodType).nullable().optional();
  return z
    .strictObject(fields)
    .refine((value) => Object.keys(value).length > 0, 'A patch must change at least one field.');
}
