import type { Settings } from '../config/settings';
import { observeHealthChecks } from '../health/checkHealth';
import { observeInvocations } from '../telemetry/invocationTelemetry';
import { observeStoreCalls } from '../usage/usageRecorder';
import { getUsageServices } from '../usage/usageServices';
import { buildMetricsSnapshot } from './buildMetricsSnapshot';
import { MetricsCollector } from './metricsCollector';
import type { MetricsSnapshot } from './metricsSnapshot';

// The process's one collector and the removers of its observers. Started from the function table (the
// metrics route's module), so the host and the local runner both collect from their first request.
let collector: MetricsCollector | undefined;
let removers: (() => void)[] = [];
let observingResilience = false;
// The settings of the latest start (a runner restarted in the same process brings new ones).
let latestSettings: Settings | undefined;

/** Starts collecting this process's live metrics, once: later calls return the same collector. */
export function startMetricsCollection(settings: Settings): MetricsCollector {
  latestSettings = settings;
  let current = collector;
  if (!current) {
    const created = new MetricsCollector({
      // Read at each store query, never held: disposeDocumentStore() replaces the usage services.
      cacheMisses: () => getUsageServices(latestSettings ?? settings).cache.stats().misses,
    });
    removers = [
      observeInvocations((record) => created.onInvocation(record)),
      observeStoreCalls((event, at) => created.onStoreCall(event, at)),
      observeHealthChecks((report) => created.onHealthCheck(report)),
    ];
    collector = current = created;
  }
  if (settings.dataBackend === 'cosmos' && !observingResilience) observeResilience(current);
  return current;
}

// Only the Cosmos store has a resilience layer, and its module (with cockatiel) is loaded only when that
// store is created, so a local run does not load it for metrics either. The store factory loads it before
// the store exists, so the observer is in place before the first event.
function observeResilience(target: MetricsCollector): void {
  observingResilience = true;
  void import('../resilience/resilientDocumentStore').then(({ observeResilienceEvents }) => {
    if (collector !== target) return; // reset meanwhile
    removers.push(observeResilienceEvents((event, at) => target.onResilienceEvent(event, at)));
  });
}

/** Stops collecting and forgets every figure (tests that start several apps in one process). */
export function resetMetricsCollection(): void {
  for (const remove of removers) remove();
  removers = [];
  collector = undefined;
  observingResilience = false;
  latestSettings = undefined;
}

/** This instance's live figures now, from the collector and the process's current usage services. */
export async function metricsSnapshot(settings: Settings): Promise<MetricsSnapshot> {
  const current = startMetricsCollection(settings);
  const services = getUsageServices(settings);
  const resilienceCounters =
    settings.dataBackend === 'cosmos'
      ? (await import('../resilience/resilientDocumentStore')).resilienceCounters
      : new Map<string, number>();
  return buildMetricsSnapshot(current, {
    instanceId: services.instanceId,
    backend: settings.dataBackend,
    usageRows: services.recorder.snapshot(services.recorder.today()).rows,
    cache: services.cache.stats(),
    resilienceCounters,
  });
}
