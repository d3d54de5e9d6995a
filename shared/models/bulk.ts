import { z } from 'zod';
import { itemId } from './common';

/** Most items one bulk request takes (contract v1). */
export const MAX_BULK_ITEMS = 1000;

/**
 * POST /bulk/{entity} body for items of the given schema. The route parses the envelope with unknown items
 * and then each item on its own, so one bad item is reported in its result instead of failing the request.
 */
export function bulkRequestOf<S extends z.ZodType>(item: S) {
  return z.strictObject({
    items: z
      .array(item)
      .min(1)
      .max(MAX_BULK_ITEMS)
      .meta({
        description: `1 to ${MAX_BULK_ITEMS} items, each validated like the body of a single create.`,
      }),
  });
}

/** The envelope as the route parses it: over 1000 items, or items that is not an array, is 400 as a whole. */
export const BulkEnvelope = bulkRequestOf(z.unknown());

/** The outcome of one item of a bulk request. */
export const BulkItemResult = z
  .object({
    index: z.number().int().min(0).meta({ description: 'Position of the item in the request.' }),
    status: z.number().int().meta({
      description:
        '201 created; 400 invalid; 409 id exists (or repeats an earlier item); 422 unknown projectId.',
    }),
    id: itemId.optional().meta({ description: 'The id of the item, when it has one (always when created).' }),
    etag: z.string().optional().meta({ description: 'The new ETag of a created item.' }),
    code: z
      .string()
      .optional()
      .meta({ description: 'Stable code of a failure (VALIDATION_FAILED, CONFLICT, ...).' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Per-field problems; field paths are relative to the item.' }),
  })
  .meta({ id: 'BulkItemResult' });

export type BulkItemResult = z.infer<typeof BulkItemResult>;

/** The 207 response of POST /bulk/{entity}: one result per item, in the order of the request. */
export const BulkResponse = z.object({ results: z.array(BulkItemResult) }).meta({ id: 'BulkResponse' });
