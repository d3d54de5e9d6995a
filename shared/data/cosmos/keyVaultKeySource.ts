import { AppError } from '../../errors/appError';

/** Reads one secret's current value from Key Vault. Injected in tests; the default uses the Azure SDKs. */
export type SecretFetcher = (vaultUri: string, secretName: string) => Promise<string>;

/** Tuning and test seams of KeyVaultKeySource; production uses the defaults. */
export interface KeyVaultKeySourceOptions {
  /** How long a fetched key is used before Key Vault is asked again (picks up a rotated key). */
  freshForMs?: number;
  /** How long a key may still be used when Key Vault cannot be reached for a refresh. */
  usableStaleForMs?: number;
  fetchSecret?: SecretFetcher;
  now?: () => number;
}

// Five minutes: a rotated key is picked up quickly, while Key Vault sees one read per process per five
// minutes instead of one per request (its own throttling limits are per vault, shared by every app).
const DEFAULT_FRESH_MS = 5 * 60_000;
// A Key Vault blip must not take the API down while the key we hold is, in all likelihood, still valid.
const DEFAULT_STALE_MS = 60 * 60_000;

/** Fetches a secret with SecretClient + DefaultAzureCredential (managed identity in Azure). */
export const defaultSecretFetcher: SecretFetcher = async (vaultUri, secretName) => {
  // Loaded on demand: most processes (identity or key auth) never need these modules.
  const [{ SecretClient }, { DefaultAzureCredential }] = await Promise.all([
    import('@azure/keyvault-secrets'),
    import('@azure/identity'),
  ]);
  const client = new SecretClient(vaultUri, new DefaultAzureCredential());
  const secret = await client.getSecret(secretName);
  if (!secret.value) throw new Error(`secret '${secretName}' has no value`);
  return secret.value;
};

/** The Cosmos account key held in Key Vault, cached briefly so a rotation is picked up without a restart. */
export class KeyVaultKeySource {
  private readonly freshForMs: number;
  private readonly usableStaleForMs: number;
  private readonly fetchSecret: SecretFetcher;
  private readonly now: () => number;
  private cached: { key: string; fetchedAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private fetchCount = 0;

  constructor(
    readonly vaultUri: string,
    readonly secretName: string,
    options: KeyVaultKeySourceOptions = {},
  ) {
    this.freshForMs = options.freshForMs ?? DEFAULT_FRESH_MS;
    this.usableStaleForMs = options.usableStaleForMs ?? DEFAULT_STALE_MS;
    this.fetchSecret = options.fetchSecret ?? defaultSecretFetcher;
    this.now = options.now ?? Date.now;
  }

  /** How many times Key Vault was asked; for tests and diagnostics. */
  get fetches(): number {
    return this.fetchCount;
  }

  /** The key currently held, if any; used only to scrub it from error text. */
  heldKey(): string | undefined {
    return this.cached?.key;
  }

  /** The account key: the cached one while fresh, else a new read (one at a time, shared by all callers). */
  async getKey(): Promise<string> {
    const cached = this.cached;
    if (cached && this.now() - cached.fetchedAt < this.freshForMs) return cached.key;
    this.pending ??= this.refresh().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async refresh(): Promise<string> {
    this.fetchCount += 1;
    try {
      const key = await this.fetchSecret(this.vaultUri, this.secretName);
      this.cached = { key, fetchedAt: this.now() };
      return key;
    } catch (error) {
      const stale = this.cached;
      if (stale && this.now() - stale.fetchedAt < this.usableStaleForMs) return stale.key;
      // The message names the vault and the secret, never a value; the Key Vault error stays as cause.
      // Not retryable: a blip is already absorbed by the stale window above, so what remains is a missing
      // secret or role assignment, which a retry does not fix.
      throw new AppError(
        `The Cosmos DB key could not be read from Key Vault (secret '${this.secretName}' in ${this.vaultUri}).`,
        { code: 'COSMOS_KEY_UNAVAILABLE', category: 'AUTH', status: 503, cause: error },
      );
    }
  }
}
