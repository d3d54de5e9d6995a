import type { HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { withoutServerFields } from '../models/common';
import type { UserItem, UserItemRepository } from '../repositories/userItemRepository';
import type { RouteContext } from './apiRoute';
import { ifMatchOf } from './conditionalRequest';
import { applyMergePatch } from './mergePatch';
import { validate } from './requestBody';
import { noContent } from './responses';
import { routeId } from './routeParameters';

// Steps that every item route of the user-data resources takes the same way, so tasks and fitness
// (and any resource after them) cannot drift apart on them.

/** A merge patch applied to the current item's public view, validated as a whole replacement (400 otherwise). */
export function mergedReplacement<S extends z.ZodType>(
  replaceSchema: S,
  currentView: Record<string, unknown>,
  patch: Record<string, unknown>,
): z.output<S> {
  // Validating the merged item, not only the patch, stops e.g. a required field from being nulled.
  return validate(replaceSchema, withoutServerFields(applyMergePatch(currentView, patch), ['id']));
}

/** DELETE of the caller's item named by the route: 204; 404 when absent; 412 when If-Match is stale. */
export async function deleteRoutedItem<T extends UserItem>(
  context: RouteContext,
  repository: UserItemRepository<T>,
): Promise<HttpResponseInit> {
  await repository.delete(context.principal.userId, routeId(context.request), ifMatchOf(context.request));
  return noContent();
}
