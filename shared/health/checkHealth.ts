import { getSettings } from '../config/settings';
import type { StoreHealth } from '../data/documentStore';
import { getDocumentStore } from '../data/storeFactory';

/** healthy: all checks pass; degraded: the store answers but its breaker is not closed; unhealthy: it does not answer. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** The health report served by GET /api/health and written by the health-check timer. */
export interface HealthReport {
  status: HealthStatus;
  backend: string;
  checkedAt: string;
  latencyMs: number;
  checks: { store: StoreHealth | { ok: false; error: string } };
}

function statusOf(store: HealthReport['checks']['store']): HealthStatus {
  if (!store.ok) return 'unhealthy';
  // Answering, but recently failing: the breaker is open or probing.
  return 'breaker' in store && store.breaker && store.breaker.state !== 'closed' ? 'degraded' : 'healthy';
}

/** Receives every finished health check (live metrics' health history). Must not throw or block. */
export type HealthCheckObserver = (report: HealthReport) => void;

const healthObservers = new Set<HealthCheckObserver>();

/** Adds an observer of every health check (GET /api/health and the timer alike); returns its remover. */
export function observeHealthChecks(observer: HealthCheckObserver): () => void {
  healthObservers.add(observer);
  return () => healthObservers.delete(observer);
}

/** Checks the data store end to end and reports within a bounded time; never throws. */
export async function checkHealth(): Promise<HealthReport> {
  const started = performance.now();
  const settings = getSettings();
  // Opening the store may mean connecting to Cosmos DB for the first time; a health probe must answer
  // even when that hangs, so the whole check is bounded (the adapter bounds its own reads too).
  const boundMs = 2 * settings.cosmos.requestTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${boundMs} ms`)), boundMs);
  });
  let store: HealthReport['checks']['store'];
  try {
    store = await Promise.race([getDocumentStore().then((s) => s.checkHealth()), timeout]);
  } catch (error) {
    store = { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
  const report: HealthReport = {
    status: statusOf(store),
    backend: settings.dataBackend,
    checkedAt: new Date().toISOString(),
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    checks: { store },
  };
  for (const observer of healthObservers) {
    try {
      observer(report);
    } catch {
      // An observer's bug must never fail (or hide) the health check it observes.
    }
  }
  return report;
}
