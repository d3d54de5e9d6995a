import { z } from 'zod';
import type { HealthReport } from '../health/checkHealth';

// GET /api/health's body as a schema for the OpenAPI document. checkHealth.ts declares the report as a
// TypeScript interface (the timer logs it too); the type check at the bottom ties the two together, so a
// field added to one and not the other fails the build instead of leaving the document wrong.

const ContainerHealth = z
  .object({ name: z.string(), ok: z.boolean(), error: z.string().optional() })
  .meta({ id: 'ContainerHealth' });

const StoreHealth = z
  .object({
    ok: z.boolean(),
    backend: z.enum(['cosmos', 'local']),
    latencyMs: z.number(),
    containers: z.array(ContainerHealth),
    error: z.string().optional(),
    breaker: z
      .object({
        state: z.enum(['closed', 'open', 'half-open']),
        lastFailure: z.object({ code: z.string(), at: z.string() }).optional(),
      })
      .optional()
      .meta({
        description: 'The circuit breaker guarding the Cosmos DB store, and its last connection failure.',
      }),
  })
  .meta({ id: 'StoreHealth', description: "The store's own check: every catalogue container answers." });

/** The health report: 200 when healthy or degraded, 503 (same body) when unhealthy. */
export const HealthReportSchema = z
  .object({
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    backend: z.string().meta({ example: 'local' }),
    checkedAt: z.iso.datetime(),
    latencyMs: z.number(),
    checks: z.object({
      store: z.union([
        StoreHealth,
        z
          .object({ ok: z.literal(false), error: z.string() })
          .meta({ description: 'The store could not be opened or did not answer in time.' }),
      ]),
    }),
  })
  .meta({ id: 'HealthReport' });

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

/** Compile-time proof that the schema describes exactly checkHealth's HealthReport type. */
export type HealthReportSchemaMatches = Assert<Equals<z.infer<typeof HealthReportSchema>, HealthReport>>;
