import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { itemId } from '../models/common';
import { validate } from './requestBody';

const idParameters = z.object({ id: itemId });

/** The {id} of an item route, validated (400 for one that cannot name an item). */
export function routeId(request: HttpRequest): string {
  return validate(idParameters, { id: request.params.id }).id;
}

/** The query string as a plain object (the last value wins for a repeated name). */
export function queryObject(request: HttpRequest): Record<string, string> {
  return Object.fromEntries(request.query.entries());
}
