import type { Database } from '@azure/cosmos';
import { listContainers } from '../catalogue';
import type { ContainerHealth, StoreHealth } from '../documentStore';
import type { CosmosErrorContext } from './cosmosErrorMapper';
import { mapCosmosError } from './cosmosErrorMapper';

/** How long the health probe may take and which secrets its error text must not contain. */
export interface HealthProbeOptions {
  /**
   * Upper bound on the whole check. With endpoint discovery on, the SDK retries a request to an endpoint
   * that accepts connections but never answers for about 120 request timeouts; a health check must
   * answer long before that, so it stops waiting at this deadline (the requests themselves run on).
   */
  deadlineMs: number;
  /** Read when an error is described, so a key fetched meanwhile is scrubbed too. */
  secrets: () => readonly string[];
}

class DeadlineExceeded extends Error {}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function describe(error: unknown, context: CosmosErrorContext, deadlineMs: number): string {
  if (error instanceof DeadlineExceeded) return `Cosmos DB did not answer within ${deadlineMs} ms.`;
  // The mapped message: one scrubbed line, no headers, no key.
  return mapCosmosError(error, context).message;
}

/** Reads the database and every catalogue container in parallel; reports, never throws. */
export async function probeHealth(
  database: () => Promise<Database>,
  options: HealthProbeOptions,
): Promise<StoreHealth> {
  const started = performance.now();
  const definitions = listContainers();
  const context = (container?: string): CosmosErrorContext => ({
    operation: 'health check',
    container,
    secrets: options.secrets(),
  });
  let error: string | undefined;
  let containers: ContainerHealth[];
  try {
    const db = await withDeadline(database(), options.deadlineMs);
    const settle = (read: () => Promise<unknown>) => withDeadline(read(), options.deadlineMs);
    const [databaseRead, ...containerReads] = await Promise.allSettled([
      settle(() => db.read()),
      ...definitions.map((d) => settle(() => db.container(d.name).read())),
    ]);
    if (databaseRead.status === 'rejected')
      error = describe(databaseRead.reason, context(), options.deadlineMs);
    containers = containerReads.map((read, i) =>
      read.status === 'fulfilled'
        ? { name: definitions[i].name, ok: true }
        : {
            name: definitions[i].name,
            ok: false,
            error: describe(read.reason, context(definitions[i].name), options.deadlineMs),
          },
    );
  } catch (failure) {
    // The client itself could not be had (credential module, Key Vault): every container is unknown.
    error = describe(failure, context(), options.deadlineMs);
    containers = definitions.map((d) => ({ name: d.name, ok: false, error }));
  }
  const health: StoreHealth = {
    ok: error === undefined && containers.every((c) => c.ok),
    backend: 'cosmos',
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    containers,
  };
  if (error !== undefined) health.error = error;
  return health;
}
