import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../shared/config/settings';
import type { DocumentStore } from '../../shared/data/documentStore';
import { LOCAL_STORE_FILE } from '../../shared/data/local/sqliteDatabase';
import type { Logger } from '../../shared/telemetry/logger';
import type { StoreSide } from './options';

/** A setup problem a person fixes (a missing setting, no local store where one should be); exit 1. */
export class MigrationSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationSetupError';
  }
}

/** One side of the migration. */
export interface MigrationStore {
  side: StoreSide;
  /** Undefined only in a dry run whose local target does not exist yet (opening it would create it). */
  store: DocumentStore | undefined;
  /** For people: which store this is; never a secret. */
  description: string;
  /** For the checkpoint's name: which store this is, exactly. */
  identity: string;
}

/** The origin of an endpoint URL only: no path, query or credentials, whatever the setting held. */
function endpointOrigin(endpoint: string): string {
  return new URL(endpoint).origin;
}

/**
 * Opens one side as the app would: the embedded store on DATA_DIR, or the Cosmos DB store wrapped in the
 * same resilience policies storeFactory.ts puts around it. Adapters are loaded only when used, so a
 * migration touching one backend never loads the other's SDK.
 */
export async function openMigrationStore(
  side: StoreSide,
  role: 'source' | 'target',
  settings: Settings,
  options: { dryRun: boolean; logger: Logger },
): Promise<MigrationStore> {
  if (side === 'local') {
    const file = path.join(settings.dataDir, LOCAL_STORE_FILE);
    const exists = fs.existsSync(file);
    if (role === 'source' && !exists) {
      // Opening it would create an empty store and "migrate" nothing, which looks like success.
      throw new MigrationSetupError(
        `No local store at ${file}; set DATA_DIR to the folder that holds ${LOCAL_STORE_FILE}.`,
      );
    }
    const description = `local store ${file}`;
    if (options.dryRun && !exists) return { side, store: undefined, description, identity: file };
    const { LocalDocumentStore } = await import('../../shared/data/local/localDocumentStore');
    return {
      side,
      store: new LocalDocumentStore({ dataDir: settings.dataDir, sync: settings.localStore.sync }),
      description,
      identity: file,
    };
  }
  const { endpoint, database } = settings.cosmos;
  if (!endpoint) {
    throw new MigrationSetupError(
      `COSMOS_ENDPOINT is not set: the ${role} of this migration is Cosmos DB (see --help).`,
    );
  }
  const origin = endpointOrigin(endpoint);
  const { CosmosDocumentStore } = await import('../../shared/data/cosmos/cosmosDocumentStore');
  const { ResilientDocumentStore } = await import('../../shared/resilience/resilientDocumentStore');
  return {
    side,
    store: new ResilientDocumentStore(
      new CosmosDocumentStore(settings.cosmos),
      settings.resilience,
      options.logger,
    ),
    description: `Cosmos DB ${origin} database '${database}'`,
    identity: `${origin}|${database}`,
  };
}
