import { z } from 'zod';
import { HealthReportSchema } from '../openapi/healthReport';
import type { StoredHealthReport } from './healthReport';

/** GET /api/reports/health/latest's JSON: the health report as the timer stored it. */
export const StoredHealthReportSchema = HealthReportSchema.extend({
  reportedAt: z.iso.datetime().meta({
    description: 'When the health-check timer stored the report (UTC); the report blob is named after it.',
    example: '2026-11-27T09:45:00.000Z',
  }),
}).meta({ id: 'StoredHealthReport', description: 'A health report stored by the health-check timer.' });

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

/** Compile-time proof that the schema describes exactly what the timer stores. */
export type StoredHealthReportSchemaMatches = Assert<
  Equals<z.infer<typeof StoredHealthReportSchema>, StoredHealthReport>
>;
