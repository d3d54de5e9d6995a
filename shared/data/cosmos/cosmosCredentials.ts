import { createHash } from 'node:crypto';
import { Constants, setAuthorizationTokenHeaderUsingMasterKey } from '@azure/cosmos';
import type { CosmosClientOptions, TokenProvider } from '@azure/cosmos';
import { KeyVaultKeySource, type SecretFetcher } from './keyVaultKeySource';
import type { CosmosSettings } from './cosmosSettings';

/** How the app authenticates to Cosmos DB, chosen from the settings in a fixed order. */
export type CosmosAuth =
  | { kind: 'key'; key: string }
  | { kind: 'keyVault'; vaultUri: string; secretName: string }
  | { kind: 'identity' };

/**
 * Picks the credential: COSMOS_KEY (emulator/test server only; settings refuse it in Azure), else a key
 * from Key Vault (where identity data-plane access is not available), else Entra ID identity (managed
 * identity in Azure) — the production default, which needs no secret at all.
 */
export function selectCosmosAuth(settings: CosmosSettings): CosmosAuth {
  if (settings.key) return { kind: 'key', key: settings.key };
  if (settings.keyVaultUri && settings.keySecretName) {
    return { kind: 'keyVault', vaultUri: settings.keyVaultUri, secretName: settings.keySecretName };
  }
  return { kind: 'identity' };
}

/** A stable label of the credential for keying the client registry; a key is represented by a hash prefix. */
export function authFingerprint(auth: CosmosAuth): string {
  switch (auth.kind) {
    case 'key':
      // Two stores with the same key share a client; the key itself never becomes part of a map key.
      return `key:${createHash('sha256').update(auth.key).digest('hex').slice(0, 16)}`;
    case 'keyVault':
      return `keyVault:${auth.vaultUri}#${auth.secretName}`;
    case 'identity':
      return 'identity';
  }
}

/** The CosmosClient options that carry the credential, plus the secrets that must never appear in text. */
export interface ResolvedAuth {
  options: Pick<CosmosClientOptions, 'key' | 'tokenProvider' | 'aadCredentials'>;
  secrets: () => string[];
}

/** Test seams of credential resolution: a fake Key Vault reader and its cache lifetime. */
export interface AuthDependencies {
  fetchSecret?: SecretFetcher;
  /** Key Vault cache lifetime override (tests). */
  keyVaultFreshForMs?: number;
}

/** Turns the chosen credential into client options; identity and Key Vault SDKs are loaded only when used. */
export async function resolveAuth(auth: CosmosAuth, deps: AuthDependencies = {}): Promise<ResolvedAuth> {
  switch (auth.kind) {
    case 'key':
      return { options: { key: auth.key }, secrets: () => [auth.key] };
    case 'keyVault': {
      const source = new KeyVaultKeySource(auth.vaultUri, auth.secretName, {
        fetchSecret: deps.fetchSecret,
        freshForMs: deps.keyVaultFreshForMs,
      });
      return {
        options: { tokenProvider: masterKeyTokenProvider(() => source.getKey()) },
        secrets: () => {
          const held = source.heldKey();
          return held ? [held] : [];
        },
      };
    }
    case 'identity': {
      const { DefaultAzureCredential } = await import('@azure/identity');
      return { options: { aadCredentials: new DefaultAzureCredential() }, secrets: () => [] };
    }
  }
}

/**
 * Signs each request with a master key obtained per request from `getKey`, instead of fixing the key at
 * client construction. With a Key Vault key this is what lets a rotated key be picked up by the one
 * long-lived client. The signature is computed by the SDK's own exported helper (same as `key` auth);
 * the SDK URL-encodes whatever a token provider returns, so the already-encoded header is decoded once.
 */
export function masterKeyTokenProvider(getKey: () => Promise<string>): TokenProvider {
  return async ({ verb, resourceId, resourceType, headers }) => {
    await setAuthorizationTokenHeaderUsingMasterKey(verb, resourceId, resourceType, headers, await getKey());
    return decodeURIComponent(String(headers[Constants.HttpHeaders.Authorization]));
  };
}
