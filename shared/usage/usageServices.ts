import { IndexAdvisor } from '../advice/indexAdvisor';
import { QueryResultCache } from '../cache/queryResultCache';
import type { Settings } from '../config/settings';
import { newInstanceId } from './usageFlusher';
import { UsageRecorder } from './usageRecorder';

/** The process-wide usage recorder, index advisor and query cache every store of the process shares. */
export interface UsageServices {
  instanceId: string;
  recorder: UsageRecorder;
  advisor: IndexAdvisor;
  cache: QueryResultCache;
}

let services: UsageServices | undefined;

/** This process's usage services, created from the settings on first use. */
export function getUsageServices(settings: Settings): UsageServices {
  services ??= {
    instanceId: newInstanceId(),
    recorder: new UsageRecorder(settings.usage.maxShapes),
    advisor: new IndexAdvisor(settings.usage.maxShapes, settings.indexMetricsSampleIntervalMs),
    cache: new QueryResultCache({
      maxEntries: settings.queryCache.maxEntries,
      maxBytes: settings.queryCache.maxMegabytes * 1024 * 1024,
      defaultTtlMs: settings.queryCache.ttlMs,
    }),
  };
  return services;
}

/** Forgets the process's usage services (tests that start several apps in one process). */
export function resetUsageServices(): void {
  services = undefined;
}
