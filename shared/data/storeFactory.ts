import type { Settings } from '../config/settings';
import { getSettings } from '../config/settings';
import type { DocumentStore } from './documentStore';

/** Builds the adapter the settings choose. There is no fallback: a cosmos store that fails stays failed. */
export async function createDocumentStore(settings: Settings): Promise<DocumentStore> {
  // Each adapter is loaded only when chosen, so a local run never loads the Cosmos SDK and vice versa.
  if (settings.dataBackend === 'cosmos') {
    const { CosmosDocumentStore } = await import('./cosmos/cosmosDocumentStore');
    return new CosmosDocumentStore(settings.cosmos);
  }
  const { LocalDocumentStore } = await import('./local/localDocumentStore');
  return new LocalDocumentStore({ dataDir: settings.dataDir, sync: settings.localStore.sync });
}

let processStore: Promise<DocumentStore> | undefined;

/** The one DocumentStore of this process, created and initialised on first use and reused by every invocation. */
export function getDocumentStore(): Promise<DocumentStore> {
  if (!processStore) {
    const pending = (async () => {
      const store = await createDocumentStore(getSettings());
      try {
        await store.initialize();
      } catch (error) {
        await store.dispose().catch(() => undefined);
        throw error;
      }
      return store;
    })();
    // A failed start-up is not cached: the next invocation tries again instead of failing forever.
    pending.catch(() => {
      if (processStore === pending) processStore = undefined;
    });
    processStore = pending;
  }
  return processStore;
}

/** Disposes the process store (on shutdown); the next getDocumentStore() starts a new one. */
export async function disposeDocumentStore(waitForStartMs = 1000): Promise<void> {
  const current = processStore;
  processStore = undefined;
  if (!current) return;
  // A store still starting (say, connecting to an endpoint that does not answer) must not hold up shutdown.
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>(
    (resolve) => (timer = setTimeout(() => resolve(undefined), waitForStartMs)),
  );
  const store = await Promise.race([current.catch(() => undefined), gaveUp]);
  clearTimeout(timer);
  await store?.dispose();
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
