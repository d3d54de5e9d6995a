import { z } from 'zod';

// The error body of every API route, as shared/http/problemResponse.ts writes it. The schemas are strict
// (no other members) because tests parse real error responses with them: a field added to the responses
// without being added here fails those tests instead of going undocumented.

/** One problem with one field of a rejected request (FieldError in shared/errors/appError.ts). */
export const ProblemFieldError = z
  .strictObject({
    field: z.string().meta({
      description: 'Dotted path of the field ("title", "items.3.priority"); empty for the body as a whole.',
      example: 'title',
    }),
    message: z.string().meta({ example: 'Must not be empty.' }),
  })
  .meta({ id: 'ProblemFieldError' });

/** An error response body: application/problem+json (RFC 9457) with the API's stable code. */
export const Problem = z
  .strictObject({
    type: z
      .string()
      .regex(/^urn:lifetracker:problem:[a-z0-9]+(-[a-z0-9]+)*$/)
      .meta({
        description: 'URN naming the kind of problem: the code in lower case with "-" for "_".',
        example: 'urn:lifetracker:problem:validation-failed',
      }),
    title: z.string().meta({ description: 'The HTTP reason phrase of the status.', example: 'Bad Request' }),
    status: z.number().int().min(400).max(599).meta({ example: 400 }),
    detail: z.string().meta({
      description: 'What went wrong, for a human. 5xx answers carry a generic text; the log has the cause.',
      example: 'The request is not valid.',
    }),
    code: z
      .string()
      .regex(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/)
      .meta({
        description: 'Stable UPPER_SNAKE code for programs to act on (VALIDATION_FAILED, NOT_FOUND, ...).',
        example: 'VALIDATION_FAILED',
      }),
    errors: z.array(ProblemFieldError).optional().meta({
      description:
        'Per-field problems, when the problem lies with particular fields (e.g. 400 VALIDATION_FAILED, 422 PROJECT_NOT_FOUND).',
    }),
  })
  .meta({ id: 'Problem', description: 'An error, as application/problem+json.' });

export type Problem = z.infer<typeof Problem>;
