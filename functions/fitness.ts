import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { validationFailed } from '../shared/errors/requestErrors';
import { userRoute, type RouteContext } from '../shared/http/apiRoute';
import { ifMatchOf } from '../shared/http/conditionalRequest';
import { deleteRoutedItem, mergedReplacement } from '../shared/http/itemRoutes';
import {
  continuationTokenParameter,
  decodeContinuation,
  encodeContinuation,
  limitParameter,
  listFingerprint,
} from '../shared/http/paging';
import { readJson, validate } from '../shared/http/requestBody';
import { itemResponse, json, listResponse } from '../shared/http/responses';
import { queryObject, routeId } from '../shared/http/routeParameters';
import { calendarDate, withoutServerFields } from '../shared/models/common';
import {
  FITNESS_TYPES,
  FitnessCreate,
  FitnessEntry,
  FitnessPatch,
  FitnessReplace,
  FitnessSummary,
  fitnessDocument,
  totalsOf,
  type FitnessOrigin,
} from '../shared/models/fitness';
import { FitnessRepository } from '../shared/repositories/fitnessRepository';
import { publicView } from '../shared/repositories/userItemRepository';
import { httpFunction, type FunctionDefinition } from './functionDefinition';
import { resourceFunctions } from './resourceFunctions';

/** GET /fitness query: an inclusive date range and a type, newest first unless order=asc. */
export const FitnessListQuery = z.object({
  from: calendarDate.optional().meta({ description: 'Entries on or after this date.' }),
  to: calendarDate.optional().meta({ description: 'Entries on or before this date.' }),
  type: z.enum(FITNESS_TYPES).optional(),
  order: z.enum(['asc', 'desc']).default('desc').meta({ description: 'By date (then id); default desc.' }),
  limit: limitParameter,
  continuationToken: continuationTokenParameter,
});

// The summary's default range: the 30 days up to and including `to`.
const SUMMARY_DEFAULT_DAYS = 30;

/** GET /fitness/summary query: an inclusive date range, by default the last 30 days (UTC). */
export const FitnessSummaryQuery = z.object({
  from: calendarDate
    .optional()
    .meta({ description: `First day (inclusive); default ${SUMMARY_DEFAULT_DAYS - 1} days before "to".` }),
  to: calendarDate.optional().meta({ description: 'Last day (inclusive); default today (UTC).' }),
});

const repository = (context: RouteContext) => new FitnessRepository(context.store);
const location = (id: string) => `/api/fitness/${encodeURIComponent(id)}`;

// A range that ends before it starts is a client mistake, not an empty answer. The dates are
// YYYY-MM-DD, so string order is date order.
function requireOrderedRange(from: string | undefined, to: string | undefined): void {
  if (from !== undefined && to !== undefined && from > to) {
    throw validationFailed([{ field: 'from', message: `Must not be after "to" (${to}).` }]);
  }
}

function daysBefore(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

async function listFitness(context: RouteContext) {
  const query = validate(FitnessListQuery, queryObject(context.request));
  const { order, limit, continuationToken, ...filter } = query;
  requireOrderedRange(filter.from, filter.to);
  const fingerprint = listFingerprint([
    'fitness',
    context.principal.userId,
    filter.from,
    filter.to,
    filter.type,
    order,
  ]);
  const page = await repository(context).list(
    context.principal.userId,
    filter,
    order,
    limit,
    decodeContinuation(continuationToken, fingerprint),
  );
  return listResponse(page.items.map(publicView), encodeContinuation(page.continuationToken, fingerprint));
}

async function fitnessSummary(context: RouteContext) {
  const query = validate(FitnessSummaryQuery, queryObject(context.request));
  const to = query.to ?? new Date().toISOString().slice(0, 10);
  const from = query.from ?? daysBefore(to, SUMMARY_DEFAULT_DAYS - 1);
  requireOrderedRange(from, to);
  const types = await repository(context).summary(context.principal.userId, from, to);
  const summary: FitnessSummary = { from, to, types, totals: totalsOf(types) };
  return json(200, summary);
}

async function createFitness(context: RouteContext) {
  const input = validate(FitnessCreate, withoutServerFields(await readJson(context.request)));
  const now = new Date().toISOString();
  const { id = randomUUID(), ...fields } = input;
  const created = await repository(context).create(
    fitnessDocument({ id, userId: context.principal.userId, createdAt: now }, fields, now),
  );
  return itemResponse(201, publicView(created), created._etag, location(id));
}

async function getFitness(context: RouteContext) {
  const entry = await repository(context).get(context.principal.userId, routeId(context.request));
  return itemResponse(200, publicView(entry), entry._etag);
}

// What a stored entry keeps across a PUT or PATCH: its id, owner and creation time.
const originOf = (id: string, current: FitnessEntry): FitnessOrigin => ({
  id,
  userId: current.userId,
  createdAt: current.createdAt,
});

async function replaceFitness(context: RouteContext) {
  const id = routeId(context.request);
  const fields = validate(FitnessReplace, withoutServerFields(await readJson(context.request), ['id']));
  const updated = await repository(context).update(
    context.principal.userId,
    id,
    (current) => fitnessDocument(originOf(id, current), fields, new Date().toISOString()),
    ifMatchOf(context.request),
  );
  return itemResponse(200, publicView(updated), updated._etag);
}

async function patchFitness(context: RouteContext) {
  const id = routeId(context.request);
  const patch = validate(FitnessPatch, withoutServerFields(await readJson(context.request), ['id']));
  const updated = await repository(context).update(
    context.principal.userId,
    id,
    (current) =>
      fitnessDocument(
        originOf(id, current),
        mergedReplacement(FitnessReplace, publicView(current), patch),
        new Date().toISOString(),
      ),
    ifMatchOf(context.request),
  );
  return itemResponse(200, publicView(updated), updated._etag);
}

async function deleteFitness(context: RouteContext) {
  return deleteRoutedItem(context, repository(context));
}

/** The fitness routes: /fitness, /fitness/summary and /fitness/{id}. */
export function fitnessFunctions(): FunctionDefinition[] {
  return [
    ...resourceFunctions({
      route: 'fitness',
      item: 'a fitness entry',
      schemas: {
        item: FitnessEntry,
        listQuery: FitnessListQuery,
        create: FitnessCreate,
        replace: FitnessReplace,
        patch: FitnessPatch,
      },
      handlers: {
        list: listFitness,
        create: createFitness,
        get: getFitness,
        replace: replaceFitness,
        patch: patchFitness,
        delete: deleteFitness,
      },
      listSummary: "List the caller's fitness entries (date range and type; by date, newest first)",
    }),
    // A literal segment outranks {id} in the host's routing (and the local runner's), so this route
    // answers GET /fitness/summary; FitnessCreate refuses "summary" as an id for the same reason.
    httpFunction('fitnessSummary', 'GET', 'fitness/summary', userRoute(fitnessSummary), {
      summary: 'Count, total duration and total calories per activity type over a date range',
      access: 'user',
      query: FitnessSummaryQuery,
      success: { status: 200, description: 'Totals per type and overall.', schema: FitnessSummary },
      errors: [400],
    }),
  ];
}
