import { z } from 'zod';
import { calendarDate, itemId, mergePatchOf, timestamp } from './common';

/** Activity types; the summary reports them in this order. */
export const FITNESS_TYPES = ['run', 'walk', 'cycle', 'swim', 'strength', 'yoga', 'other'] as const;
export type FitnessType = (typeof FITNESS_TYPES)[number];

const required = {
  type: z.enum(FITNESS_TYPES),
  date: calendarDate,
  durationMinutes: z.number().int().min(1).max(1440),
};
const optional = {
  calories: z.number().min(0).max(20000),
  distanceKm: z.number().min(0).max(1000),
  heartRateAvg: z
    .number()
    .int()
    .min(20)
    .max(250)
    .meta({ description: 'Average heart rate, beats per minute.' }),
  notes: z.string().max(2000),
};

// GET /fitness/summary is a literal route beside /fitness/{id}: an entry with this id could never be read.
const RESERVED_ID = 'summary';

/** POST /fitness body. */
export const FitnessCreate = z
  .strictObject({
    id: itemId
      .refine((id) => id !== RESERVED_ID, `"${RESERVED_ID}" is reserved (GET /fitness/summary).`)
      .meta({
        description: `Entry id; a client may choose it on create to make retries safe ("${RESERVED_ID}" excepted).`,
      })
      .optional(),
    ...required,
    calories: optional.calories.optional(),
    distanceKm: optional.distanceKm.optional(),
    heartRateAvg: optional.heartRateAvg.optional(),
    notes: optional.notes.optional(),
  })
  .meta({ id: 'FitnessCreate' });

/** PUT /fitness/{id} body: the whole entry; optional fields left out are removed. */
export const FitnessReplace = z
  .strictObject({
    ...required,
    calories: optional.calories.optional(),
    distanceKm: optional.distanceKm.optional(),
    heartRateAvg: optional.heartRateAvg.optional(),
    notes: optional.notes.optional(),
  })
  .meta({ id: 'FitnessReplace' });

/** PATCH /fitness/{id} body (merge patch): only the fields to change; null removes an optional field. */
export const FitnessPatch = mergePatchOf(required, optional).meta({ id: 'FitnessPatch' });

/** A fitness entry as the API returns it (and as it is stored, plus system fields). */
export const FitnessEntry = z
  .object({
    id: itemId,
    userId: z.string(),
    ...required,
    calories: optional.calories.optional(),
    distanceKm: optional.distanceKm.optional(),
    heartRateAvg: optional.heartRateAvg.optional(),
    notes: optional.notes.optional(),
    createdAt: timestamp,
    updatedAt: timestamp.meta({
      description: 'Last change (PUT or PATCH); equals createdAt until the entry is first changed.',
    }),
  })
  .meta({ id: 'FitnessEntry' });

export type FitnessEntry = z.infer<typeof FitnessEntry>;
export type FitnessFields = z.infer<typeof FitnessReplace>;

/** One activity type's totals over a date range. */
export const FitnessTypeTotals = z
  .object({
    type: z.enum(FITNESS_TYPES),
    count: z.number().int(),
    totalDurationMinutes: z.number(),
    totalCalories: z
      .number()
      .meta({ description: 'Entries without calories count as 0; rounded to 2 decimals.' }),
  })
  .meta({ id: 'FitnessTypeTotals' });

export type FitnessTypeTotals = z.infer<typeof FitnessTypeTotals>;

/** GET /fitness/summary response. */
export const FitnessSummary = z
  .object({
    from: calendarDate,
    to: calendarDate,
    types: z.array(FitnessTypeTotals).meta({
      description: 'One row per type that has entries in the range, in the order of the type enum.',
    }),
    totals: FitnessTypeTotals.omit({ type: true }).meta({
      id: 'FitnessTotals',
      description: 'Sums over every type.',
    }),
  })
  .meta({ id: 'FitnessSummary' });

export type FitnessSummary = z.infer<typeof FitnessSummary>;
export type FitnessTotals = FitnessSummary['totals'];

/**
 * A calorie sum rounded to 2 decimals. Each store adds fractional values in its own order, which changes
 * the last bits of the sum (measured: 5912.61 on one adapter, 5912.610000000001 on the other); the
 * rounded figure is the same everywhere.
 */
export function roundedCalories(sum: number): number {
  return Math.round(sum * 100) / 100;
}

/** The totals over every type of a summary. */
export function totalsOf(types: FitnessTypeTotals[]): FitnessTotals {
  const total = (field: keyof FitnessTotals) => types.reduce((sum, row) => sum + row[field], 0);
  return {
    count: total('count'),
    totalDurationMinutes: total('totalDurationMinutes'),
    totalCalories: roundedCalories(total('totalCalories')),
  };
}

/** The server-owned facts a stored entry keeps across writes. */
export interface FitnessOrigin {
  id: string;
  userId: string;
  createdAt: string;
}

/** The document to store for these fields. */
export function fitnessDocument(origin: FitnessOrigin, fields: FitnessFields, now: string): FitnessEntry {
  return { id: origin.id, userId: origin.userId, ...fields, createdAt: origin.createdAt, updatedAt: now };
}
