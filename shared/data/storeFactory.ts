import type { Settings } from '../config/settings';
import { getSettings } from '../config/settings';
import type { DocumentStore } from './documentStore';
import { CachingDocumentStore } from '../cache/cachingDocumentStore';
import { createJsonLogger } from '../telemetry/logger';
import { InstrumentedDocumentStore } from '../usage/instrumentedDocumentStore';
import { getUsageServices, resetUsageServices } from '../usage/usageServices';

/** Builds the adapter the settings choose. There is no fallback: a cosmos store that fails stays failed. */
async function createAdapter(settings: Settings): Promise<DocumentStore> {
  // Each adapter is loaded only when chosen, so a local run never loads the Cosmos SDK and vice versa.
  if (settings.dataBackend === 'cosmos') {
    const { CosmosDocumentStore } = await import('./cosmos/cosmosDocumentStore');
    const { ResilientDocumentStore } = await import('../resilience/resilientDocumentStore');
    // Only the remote store is guarded: the embedded one has no network to fail and no breaker to open.
    return new ResilientDocumentStore(
      new CosmosDocumentStore(settings.cosmos),
      settings.resilience,
      createJsonLogger(settings.logLevel),
    );
  }
  const { LocalDocumentStore } = await import('./local/localDocumentStore');
  return new LocalDocumentStore({ dataDir: settings.dataDir, sync: settings.localStore.sync });
}

/**
 * The store the app uses: the adapter, every call recorded (RU, duration, items per query shape, index
 * advice sampled) with the totals flushed to the usage container, and repeated partition-scoped queries
 * answered from the query cache. Request path: repository -> cache -> usage recording -> resilience -> adapter.
 */
export async function createDocumentStore(settings: Settings): Promise<DocumentStore> {
  const usage = getUsageServices(settings);
  const instrumented = new InstrumentedDocumentStore(
    await createAdapter(settings),
    usage.recorder,
    usage.advisor,
    {
      intervalMs: settings.usage.flushIntervalMs,
      instanceId: usage.instanceId,
      log: createJsonLogger(settings.logLevel),
    },
  );
  return new CachingDocumentStore(instrumented, usage.cache, usage.recorder);
}

// The store object lives as long as the process (its client, its circuit breaker); only its
// initialisation is retried. Re-creating the store after a failed start-up would forget the breaker's
// state, so a dead backend would be dialled again by every request instead of failing fast.
let processStore: Promise<DocumentStore> | undefined;
let initialised: Promise<void> | undefined;

/** The one DocumentStore of this process, created on first use, initialised until that succeeds, reused by every invocation. */
export async function getDocumentStore(): Promise<DocumentStore> {
  if (!processStore) {
    const creating = createDocumentStore(getSettings());
    // A store that cannot even be created (a corrupt local file) is not cached: the next call reports it again.
    creating.catch(() => {
      if (processStore === creating) processStore = undefined;
    });
    processStore = creating;
  }
  const store = await processStore;
  if (!initialised) {
    const starting = store.initialize();
    starting.catch(() => {
      if (initialised === starting) initialised = undefined;
    });
    initialised = starting;
  }
  await initialised;
  return store;
}

/** Disposes the process store (on shutdown); the next getDocumentStore() starts a new one. */
export async function disposeDocumentStore(): Promise<void> {
  const current = processStore;
  processStore = undefined;
  initialised = undefined;
  // Creation does no I/O on the network, so this never waits on a backend that does not answer.
  const store = await current?.catch(() => undefined);
  await store?.dispose();
  // The next process store (a runner restarted in the same process, as tests do) starts with fresh
  // counters, an empty cache and the settings of that moment.
  resetUsageServices();
}

/** Opens the process store ahead of the first request (start-up verification); resolves to the failure, if any. */
export async function warmUpDocumentStore(): Promise<Error | undefined> {
  try {
    await getDocumentStore();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
