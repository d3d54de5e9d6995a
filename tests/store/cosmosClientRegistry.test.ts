import { randomUUID } from 'node:crypto';
import {
  Constants,
  HTTPMethod,
  ResourceType,
  setAuthorizationTokenHeaderUsingMasterKey,
  type CosmosHeaders,
} from '@azure/cosmos';
import { cosmosClientRegistryStats, leaseCosmosClient } from '../../shared/data/cosmos/cosmosClientRegistry';
import {
  authFingerprint,
  masterKeyTokenProvider,
  selectCosmosAuth,
} from '../../shared/data/cosmos/cosmosCredentials';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type { CosmosSettings } from '../../shared/data/cosmos/cosmosSettings';
import { buildConnectionPolicy, THROTTLE_RETRY } from '../../shared/data/cosmos/connectionPolicy';
import { KeyVaultKeySource } from '../../shared/data/cosmos/keyVaultKeySource';
import { testCosmosSettings } from '../helpers/cosmosTestSettings';
import { appErrorOf } from '../helpers/appErrorOf';

// One CosmosClient per process: created lazily, shared by every store of equal settings, disposed with the
// last store. Credentials in a fixed order: key, Key Vault, identity.

const database = `registry-${randomUUID()}`;

function settings(overrides: Partial<CosmosSettings> = {}): CosmosSettings {
  return testCosmosSettings(database, overrides);
}

beforeAll(async () => {
  const store = new CosmosDocumentStore(settings());
  await store.initialize();
  await store.dispose();
});

afterEach(() => {
  // Every test gives back what it leased; a leak here would be a leaked client and timer in production.
  expect(cosmosClientRegistryStats()).toMatchObject({ liveClients: 0, leases: 0 });
});

describe('one CosmosClient per process', () => {
  test('constructing a store connects nothing; the client is created on first use', async () => {
    const before = cosmosClientRegistryStats().clientsCreated;
    const store = new CosmosDocumentStore(settings());
    expect(cosmosClientRegistryStats().clientsCreated).toBe(before);
    await store.read('users', 'nobody', 'nobody');
    expect(cosmosClientRegistryStats().clientsCreated).toBe(before + 1);
    await store.dispose();
  });

  test('stores of equal settings share one client, and 50 sequential calls construct no other', async () => {
    const a = new CosmosDocumentStore(settings());
    const b = new CosmosDocumentStore(settings());
    const before = cosmosClientRegistryStats().clientsCreated;
    const client = await a.cosmosClient();
    expect(await b.cosmosClient()).toBe(client);
    const owner = `user-${randomUUID()}`;
    for (let i = 0; i < 50; i++) {
      const store = i % 2 === 0 ? a : b;
      await store.upsert('users', { id: owner, userId: owner, n: i });
      expect(await store.cosmosClient()).toBe(client);
    }
    expect((await a.read('users', owner, owner)).resource).toMatchObject({ n: 49 });
    expect(cosmosClientRegistryStats()).toMatchObject({
      clientsCreated: before + 1,
      liveClients: 1,
      leases: 2,
    });
    await a.dispose();
    await b.dispose();
  });

  test('the client lives until the last store is disposed; a later store gets a new one', async () => {
    const a = new CosmosDocumentStore(settings());
    const b = new CosmosDocumentStore(settings());
    const first = await a.cosmosClient();
    await a.dispose();
    await a.dispose(); // twice is harmless and does not steal b's lease
    expect(cosmosClientRegistryStats()).toMatchObject({ liveClients: 1, leases: 1 });
    expect(await b.cosmosClient()).toBe(first);
    expect((await b.read('users', 'nobody', 'nobody')).resource).toBeUndefined();

    const disposedBefore = cosmosClientRegistryStats().clientsDisposed;
    await b.dispose();
    expect(cosmosClientRegistryStats().clientsDisposed).toBe(disposedBefore + 1);

    const c = new CosmosDocumentStore(settings());
    expect(await c.cosmosClient()).not.toBe(first);
    await c.dispose();
  });

  test('a disposed store refuses calls with STORE_DISPOSED, and its health says so without throwing', async () => {
    const store = new CosmosDocumentStore(settings());
    await store.read('users', 'nobody', 'nobody');
    await store.dispose();
    const error = await appErrorOf(store.read('users', 'nobody', 'nobody'));
    expect(error.code).toBe('STORE_DISPOSED');
    const health = await store.checkHealth();
    expect(health.ok).toBe(false);
    expect(health.error).toContain('disposed');
  });

  test('a lease hands out the created client without a wait, and nothing once it is dropped or given back', async () => {
    const lease = leaseCosmosClient(settings());
    expect(lease.ready()).toBeUndefined(); // nothing connects before the first use
    const client = await lease.client();
    expect(lease.ready()).toBe(client);
    await lease.recycle();
    expect(lease.ready()).toBeUndefined();
    const next = await lease.client();
    expect(next).not.toBe(client);
    expect(lease.ready()).toBe(next);
    await lease.release();
    expect(lease.ready()).toBeUndefined();
  });

  test('a store whose shared client another store rebuilt goes on, on the new client', async () => {
    const a = new CosmosDocumentStore(settings());
    const b = new CosmosDocumentStore(settings());
    const owner = `user-${randomUUID()}`;
    await a.upsert('users', { id: owner, userId: owner, n: 1 });
    expect((await b.read('users', owner, owner)).resource).toMatchObject({ n: 1 }); // b holds references
    const first = await b.cosmosClient();
    await a.reconnect();
    expect((await b.read('users', owner, owner)).resource).toMatchObject({ n: 1 });
    expect(await b.cosmosClient()).not.toBe(first);
    expect(cosmosClientRegistryStats()).toMatchObject({ liveClients: 1, leases: 2 });
    await a.dispose();
    await b.dispose();
  });

  test('settings that shape the client (timeout, TLS, key, regions) get a client of their own', async () => {
    const base = new CosmosDocumentStore(settings());
    const others = [
      new CosmosDocumentStore(settings({ requestTimeoutMs: 1234 })),
      new CosmosDocumentStore(settings({ key: 'another-key' })),
      new CosmosDocumentStore(settings({ preferredRegions: ['West Europe'] })),
    ];
    const client = await base.cosmosClient();
    for (const other of others) expect(await other.cosmosClient()).not.toBe(client);
    await Promise.all([base, ...others].map((s) => s.dispose()));
  });
});

describe('credentials', () => {
  test('order: COSMOS_KEY, then Key Vault, then identity (the production default)', () => {
    const none = { key: undefined, keyVaultUri: undefined, keySecretName: undefined };
    expect(selectCosmosAuth(settings({ ...none, key: 'k' })).kind).toBe('key');
    expect(
      selectCosmosAuth(
        settings({ ...none, keyVaultUri: 'https://v.vault.azure.net', keySecretName: 'cosmos-key' }),
      ),
    ).toEqual({ kind: 'keyVault', vaultUri: 'https://v.vault.azure.net', secretName: 'cosmos-key' });
    expect(
      selectCosmosAuth(
        settings({ key: 'k', keyVaultUri: 'https://v.vault.azure.net', keySecretName: 'cosmos-key' }),
      ).kind,
    ).toBe('key');
    expect(selectCosmosAuth(settings(none)).kind).toBe('identity');
  });

  test('a key is represented in the registry only by a hash prefix', () => {
    const fingerprint = authFingerprint({ kind: 'key', key: 'super-secret-key-value' });
    expect(fingerprint).toMatch(/^key:[0-9a-f]{16}$/);
    expect(fingerprint).not.toContain('super-secret');
  });

  test('the Key Vault token provider signs exactly as key auth does', async () => {
    const key = Buffer.from('a-test-master-key').toString('base64');
    const provider = masterKeyTokenProvider(async () => key);
    // The signature covers the current second; retry in the rare case the two calls straddle one.
    for (let attempt = 0; attempt < 3; attempt++) {
      const viaKey: CosmosHeaders = {};
      await setAuthorizationTokenHeaderUsingMasterKey(
        HTTPMethod.get,
        'dbs/x',
        ResourceType.database,
        viaKey,
        key,
      );
      const viaProviderHeaders: CosmosHeaders = {};
      const token = await provider({
        verb: HTTPMethod.get,
        path: '/dbs/x',
        resourceId: 'dbs/x',
        resourceType: ResourceType.database,
        headers: viaProviderHeaders,
      });
      if (viaKey[Constants.HttpHeaders.XDate] !== viaProviderHeaders[Constants.HttpHeaders.XDate]) continue;
      // The SDK URL-encodes what a token provider returns, which must give back the key-auth header.
      expect(encodeURIComponent(token)).toBe(viaKey[Constants.HttpHeaders.Authorization]);
      return;
    }
    throw new Error('could not sign twice within one second');
  });

  test('a store on a Key Vault key works through the one client and reads Key Vault once while fresh', async () => {
    const fetchSecret = jest.fn(async () => 'key-from-key-vault');
    const kvSettings = settings({
      key: undefined,
      keyVaultUri: 'https://lt-test.vault.azure.net',
      keySecretName: 'cosmos-key',
    });
    const store = new CosmosDocumentStore(kvSettings, { fetchSecret });
    const owner = `user-${randomUUID()}`;
    await store.create('users', { id: owner, userId: owner });
    for (let i = 0; i < 20; i++) await store.read('users', owner, owner);
    // The test server does not check signatures; what is asserted is the path: every request was signed
    // through the token provider with the cached key, fetched once.
    expect(fetchSecret).toHaveBeenCalledTimes(1);
    expect(fetchSecret).toHaveBeenCalledWith('https://lt-test.vault.azure.net', 'cosmos-key');
    await store.dispose();
  });

  test('Key Vault: a rotated key is picked up after the cache lifetime; a failed refresh keeps the held key for a while', async () => {
    let now = 0;
    let value = 'key-1';
    let failing = false;
    const source = new KeyVaultKeySource('https://v.vault.azure.net', 'cosmos-key', {
      freshForMs: 1000,
      usableStaleForMs: 5000,
      now: () => now,
      fetchSecret: async () => {
        if (failing) throw new Error('vault unreachable');
        return value;
      },
    });
    const [first, second] = await Promise.all([source.getKey(), source.getKey()]);
    expect([first, second, source.fetches]).toEqual(['key-1', 'key-1', 1]);
    value = 'key-2';
    now = 999;
    expect(await source.getKey()).toBe('key-1');
    now = 1000;
    expect(await source.getKey()).toBe('key-2');
    failing = true;
    now = 3000;
    expect(await source.getKey()).toBe('key-2'); // stale but within the 5 s window
    now = 7000;
    const error = await appErrorOf(source.getKey());
    expect({ code: error.code, category: error.category }).toEqual({
      code: 'COSMOS_KEY_UNAVAILABLE',
      category: 'AUTH',
    });
    expect(error.message).toContain("secret 'cosmos-key'");
    expect(error.message).not.toContain('key-2');
  });

  test('Key Vault unavailable on first use: every call fails with COSMOS_KEY_UNAVAILABLE, health says why', async () => {
    const kvSettings = settings({
      key: undefined,
      keyVaultUri: 'https://lt-test.vault.azure.net',
      keySecretName: 'missing',
    });
    const store = new CosmosDocumentStore(kvSettings, {
      fetchSecret: async () => {
        throw Object.assign(new Error('SecretNotFound'), { statusCode: 404 });
      },
    });
    const error = await appErrorOf(store.read('users', 'x', 'x'));
    // Not NOT_FOUND: a missing secret is a credential problem, not a missing document.
    expect({ code: error.code, category: error.category, status: error.status }).toEqual({
      code: 'COSMOS_KEY_UNAVAILABLE',
      category: 'AUTH',
      status: 503,
    });
    const health = await store.checkHealth();
    expect(health.ok).toBe(false);
    expect(health.error).toContain('Key Vault');
    await store.dispose();
  });
});

describe('connection policy', () => {
  test('is set deliberately from the settings', () => {
    const policy = buildConnectionPolicy(
      settings({ requestTimeoutMs: 4321, preferredRegions: ['North Europe', 'West Europe'] }),
    );
    expect(policy).toEqual({
      requestTimeout: 4321,
      enableEndpointDiscovery: true,
      preferredLocations: ['North Europe', 'West Europe'],
      retryOptions: THROTTLE_RETRY,
      useMultipleWriteLocations: false,
    });
    // 0 = wait what the service says in x-ms-retry-after-ms, not a fixed interval.
    expect(THROTTLE_RETRY.fixedRetryIntervalInMilliseconds).toBe(0);
  });
});
