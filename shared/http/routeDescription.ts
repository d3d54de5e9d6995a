import type { z } from 'zod';

/** Who may call a route. */
export type RouteAccess = 'anonymous' | 'user' | 'admin';

/**
 * What the OpenAPI document says about one HTTP function. It is declared next to the function in the
 * function table and points at the same zod schemas that validate requests, so the document cannot drift
 * from the code.
 */
export interface RouteDescription {
  summary: string;
  access: RouteAccess;
  /** Query parameters, as the zod object that parses them. */
  query?: z.ZodObject;
  /** Request body schema (JSON; PATCH bodies are merge patches). */
  body?: z.ZodType;
  /** The success response: status, and the body schema when there is one. */
  success: { status: 200 | 201 | 202 | 204 | 207; description: string; schema?: z.ZodType };
  /** Error statuses the route can answer with, beyond the ones every route may give (401, 500, 503). */
  errors: number[];
}
