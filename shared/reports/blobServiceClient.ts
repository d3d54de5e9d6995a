import type { BlobServiceClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { Settings } from '../config/settings';
import { reportsStorageNotConfigured } from './reportStoreErrors';

/** Where report blobs go, as the settings describe it. The connection string is a secret: never log it. */
export type BlobStorageTarget =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; blobServiceUri: string; clientId: string | undefined }
  | { kind: 'none' };

/**
 * Picks the storage from the settings: AzureWebJobsStorage as a connection string when set
 * (UseDevelopmentStorage=true is Azurite at 127.0.0.1:10000), else identity-based access to
 * AzureWebJobsStorage__blobServiceUri (Azure), else none.
 */
export function blobStorageTarget(
  settings: Pick<Settings, 'azureWebJobsStorage' | 'storageIdentity'>,
): BlobStorageTarget {
  if (settings.azureWebJobsStorage) {
    return { kind: 'connectionString', connectionString: settings.azureWebJobsStorage };
  }
  if (settings.storageIdentity.blobServiceUri) {
    return {
      kind: 'identity',
      blobServiceUri: settings.storageIdentity.blobServiceUri,
      clientId: settings.storageIdentity.clientId,
    };
  }
  return { kind: 'none' };
}

// The SDK's defaults wait 4 s and more between four tries: a report route would hang for half a minute on
// a stopped Azurite. Reports are small and not urgent, so fail fast and let the caller retry later.
const PIPELINE_OPTIONS: StoragePipelineOptions = {
  retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2_000, tryTimeoutInMs: 15_000 },
  userAgentOptions: { userAgentPrefix: 'lifetracker-reports' },
};

/**
 * A BlobServiceClient for the target. The storage and identity SDKs are loaded here, on first use, not
 * when the app starts (loading them costs more than the whole start-up of the local runner). Throws
 * REPORTS_STORAGE_NOT_CONFIGURED when there is no target or the connection string cannot be used.
 */
export async function createBlobServiceClient(target: BlobStorageTarget): Promise<BlobServiceClient> {
  switch (target.kind) {
    case 'none':
      throw reportsStorageNotConfigured();
    case 'connectionString': {
      const { BlobServiceClient } = await import('@azure/storage-blob');
      try {
        return BlobServiceClient.fromConnectionString(target.connectionString, PIPELINE_OPTIONS);
      } catch {
        // The SDK's message may quote the connection string; only say which setting is wrong.
        throw reportsStorageNotConfigured('AzureWebJobsStorage is not a usable storage connection string');
      }
    }
    case 'identity': {
      const [{ BlobServiceClient }, { DefaultAzureCredential }] = await Promise.all([
        import('@azure/storage-blob'),
        import('@azure/identity'),
      ]);
      const credential = new DefaultAzureCredential(
        target.clientId ? { managedIdentityClientId: target.clientId } : {},
      );
      return new BlobServiceClient(target.blobServiceUri, credential, PIPELINE_OPTIONS);
    }
  }
}
