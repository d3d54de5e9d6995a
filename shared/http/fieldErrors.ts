import type { z } from 'zod';
import type { FieldError } from '../errors/appError';

/** A zod error as the API's per-field errors: one entry per issue, the field as a dotted path. */
export function fieldErrorsOf(error: z.ZodError): FieldError[] {
  return error.issues
    .map((issue) => {
      // An unknown key is reported on the object that holds it; name the key itself so a client can act.
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      return keys.map((key) => ({
        field: [...issue.path, ...(key === undefined ? [] : [key])].map(String).join('.'),
        message: issue.code === 'unrecognized_keys' ? 'Unknown field.' : issue.message,
      }));
    })
    .flat();
}
