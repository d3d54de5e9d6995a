import path from 'node:path';
import type { Settings } from '../../shared/config/settings';
import type { DocumentStore } from '../../shared/data/documentStore';
import { LOCAL_STORE_FILE } from '../../shared/data/local/sqliteDatabase';
import type { Logger } from '../../shared/telemetry/logger';

/** One of the two stores a tool can open. */
export type StoreSide = 'local' | 'cosmos';

/** A setup problem a person fixes (a missing setting, no local store where one should be); exit 1. */
export class StoreSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreSetupError';
  }
}

/** Which store a side is, for people (never a secret) and, exactly, for file names (identity). */
export interface StoreDescription {
  description: string;
  identity: string;
}

/** The local store's file under DATA_DIR. */
export function localStoreFile(settings: Settings): string {
  return path.join(settings.dataDir, LOCAL_STORE_FILE);
}

/** Describes a side from the settings; for cosmos only the endpoint's origin and the database are shown. */
export function describeStore(side: StoreSide, settings: Settings): StoreDescription {
  if (side === 'local') {
    const file = localStoreFile(settings);
    return { description: `local store ${file}`, identity: file };
  }
  const { endpoint, database } = settings.cosmos;
  if (!endpoint) {
    throw new StoreSetupError('COSMOS_ENDPOINT is not set: the Cosmos DB side needs it (see --help).');
  }
  // The origin only: no path, query or credentials, whatever the setting held.
  const origin = new URL(endpoint).origin;
  return { description: `Cosmos DB ${origin} database '${database}'`, identity: `${origin}|${database}` };
}

/**
 * Opens a side as the app's storeFactory builds it, without the app's usage recording (a tool's own calls
 * are not app traffic): the embedded store on DATA_DIR, or the Cosmos DB store inside the same resilience
 * policies. Adapters are loaded only when used, so a tool touching one backend never loads the other's SDK.
 */
export async function openStore(side: StoreSide, settings: Settings, logger: Logger): Promise<DocumentStore> {
  if (side === 'local') {
    const { LocalDocumentStore } = await import('../../shared/data/local/localDocumentStore');
    return new LocalDocumentStore({ dataDir: settings.dataDir, sync: settings.localStore.sync });
  }
  describeStore(side, settings);
  const { CosmosDocumentStore } = await import('../../shared/data/cosmos/cosmosDocumentStore');
  const { ResilientDocumentStore } = await import('../../shared/resilience/resilientDocumentStore');
  return new ResilientDocumentStore(new CosmosDocumentStore(settings.cosmos), settings.resilience, logger);
}
