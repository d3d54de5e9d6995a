import fs from 'node:fs';
import type { Settings } from '../../shared/config/settings';
import type { DocumentStore } from '../../shared/data/documentStore';
import { LOCAL_STORE_FILE } from '../../shared/data/local/sqliteDatabase';
import type { Logger } from '../../shared/telemetry/logger';
import { describeStore, localStoreFile, openStore, StoreSetupError, type StoreSide } from '../cli/openStore';

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

/** Opens one side of a migration; a local source must exist, and a dry run creates nothing. */
export async function openMigrationStore(
  side: StoreSide,
  role: 'source' | 'target',
  settings: Settings,
  options: { dryRun: boolean; logger: Logger },
): Promise<MigrationStore> {
  const described = describeStore(side, settings);
  if (side === 'local') {
    const file = localStoreFile(settings);
    const exists = fs.existsSync(file);
    if (role === 'source' && !exists) {
      // Opening it would create an empty store and "migrate" nothing, which looks like success.
      throw new StoreSetupError(
        `No local store at ${file}; set DATA_DIR to the folder that holds ${LOCAL_STORE_FILE}.`,
      );
    }
    if (options.dryRun && !exists) return { side, store: undefined, ...described };
  }
  return { side, store: await openStore(side, settings, options.logger), ...described };
}
