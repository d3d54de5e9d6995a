import { getSettings } from '../config/settings';
import type { StoreHealth } from '../data/documentStore';
import { getDocumentStore } from '../data/storeFactory';

export type HealthStatus = 'healthy' | 'unhealthy';

/** The health report served by GET /api/health and written by the health-check timer. */
export interface HealthReport {
  status: HealthStatus;
  backend: string;
  checkedAt: string;
  latencyMs: number;
  checks: { store: StoreHealth | { ok: false; error: string } };
}

/** Checks the data store end to end and reports; never throws. */
export async function checkHealth(): Promise<HealthReport> {
  const started = performance.now();
  const backend = getSettings().dataBackend;
  let store: HealthReport['checks']['store'];
  try {
    store = await (await getDocumentStore()).checkHealth();
  } catch (error) {
    store = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  return {
    status: store.ok ? 'healthy' : 'unhealthy',
    backend,
    checkedAt: new Date().toISOString(),
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    checks: { store },
  };
}
