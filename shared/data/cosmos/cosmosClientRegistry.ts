import type https from 'node:https';
import { CosmosClient } from '@azure/cosmos';
import { AppError } from '../../errors/appError';
import { buildConnectionPolicy, insecureLoopbackAgent, USER_AGENT_SUFFIX } from './connectionPolicy';
import { authFingerprint, resolveAuth, selectCosmosAuth, type AuthDependencies } from './cosmosCredentials';
import type { CosmosSettings } from './cosmosSettings';

// One CosmosClient per process (architecture decision 1). A client owns a connection pool, the account's
// region map and a background endpoint-refresh timer; creating one per invocation would pay the TLS and
// metadata round-trips every time and leak timers. Clients live in this module-scoped registry, keyed by
// everything that shapes them, and are shared by every store built from equal settings. Each store holds
// a lease; the client is created on the first call that needs it and disposed when the last lease goes.

interface Entry {
  readonly key: string;
  leases: number;
  client: Promise<CosmosClient> | undefined;
  /** The client once `client` has resolved (and until it is dropped), for callers that need no await. */
  ready: CosmosClient | undefined;
  agent: https.Agent | undefined;
  secrets: () => string[];
}

const entries = new Map<string, Entry>();
let clientsCreated = 0;
let clientsDisposed = 0;

/** Counters of the registry, for tests and the metrics endpoint. */
export interface CosmosClientRegistryStats {
  clientsCreated: number;
  clientsDisposed: number;
  liveClients: number;
  leases: number;
}

/** The registry's counters. */
export function cosmosClientRegistryStats(): CosmosClientRegistryStats {
  let liveClients = 0;
  let leases = 0;
  for (const entry of entries.values()) {
    if (entry.client) liveClients += 1;
    leases += entry.leases;
  }
  return { clientsCreated, clientsDisposed, liveClients, leases };
}

/** Test seams: the Key Vault reader and its cache lifetime. Production passes nothing. */
export type CosmosClientDependencies = AuthDependencies;

function registryKey(settings: CosmosSettings): string {
  // Endpoint + credential + every setting that shapes the client. Two stores that differ in, say,
  // requestTimeoutMs must not silently share the first one's client.
  return JSON.stringify([
    settings.endpoint,
    authFingerprint(selectCosmosAuth(settings)),
    settings.allowInsecureTls,
    settings.requestTimeoutMs,
    settings.preferredRegions,
  ]);
}

async function createClient(entry: Entry, settings: CosmosSettings, deps: CosmosClientDependencies) {
  const auth = await resolveAuth(selectCosmosAuth(settings), deps);
  entry.secrets = auth.secrets;
  entry.agent = insecureLoopbackAgent(settings);
  clientsCreated += 1;
  return new CosmosClient({
    endpoint: settings.endpoint,
    ...auth.options,
    agent: entry.agent,
    connectionPolicy: buildConnectionPolicy(settings),
    userAgentSuffix: USER_AGENT_SUFFIX,
  });
}

async function disposeEntry(entry: Entry): Promise<void> {
  const pending = entry.client;
  entry.client = undefined;
  entry.ready = undefined;
  if (!pending) return;
  const client = await pending.catch(() => undefined);
  // Stops the SDK's background endpoint refresher (a setInterval that would keep the process alive).
  client?.dispose();
  entry.agent?.destroy();
  entry.agent = undefined;
  if (client) clientsDisposed += 1;
}

/** A store's share of the process CosmosClient for its settings. */
export class CosmosClientLease {
  private released = false;

  /** @internal Use leaseCosmosClient(). */
  constructor(
    private readonly entry: Entry,
    private readonly settings: CosmosSettings,
    private readonly deps: CosmosClientDependencies,
  ) {}

  /** The shared client, created on first use; every later call and every other lease gets the same one. */
  client(): Promise<CosmosClient> {
    if (this.released) {
      return Promise.reject(
        new AppError('This Cosmos DB store has been disposed.', {
          code: 'STORE_DISPOSED',
          category: 'DATA',
          status: 500,
        }),
      );
    }
    const existing = this.entry.client;
    if (existing) return existing;
    const entry = this.entry;
    const pending = createClient(entry, this.settings, this.deps);
    // A failed creation (e.g. the identity module failing to load) is not cached: the next call retries.
    pending.then(
      (client) => {
        if (entry.client === pending) entry.ready = client;
      },
      () => {
        if (entry.client === pending) entry.client = undefined;
      },
    );
    entry.client = pending;
    return pending;
  }

  /**
   * The shared client if it exists already, else undefined (then use client()). Lets every call after the
   * first reach the client without waiting a turn for a promise that has long resolved.
   */
  ready(): CosmosClient | undefined {
    return this.released ? undefined : this.entry.ready;
  }

  /** Secrets the client holds (the key), so error text can be scrubbed of them. */
  secrets(): string[] {
    return this.entry.secrets();
  }

  /**
   * Drops the shared client (its connections and cached routing) so the next call builds a fresh one.
   * For repeated connection failures only, never per request: every store on this client shares the rebuild.
   */
  async recycle(): Promise<void> {
    if (this.released) return;
    await disposeEntry(this.entry);
  }

  /** Gives the lease back; the last lease of a client disposes it. Calling it twice is harmless. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.entry.leases -= 1;
    if (this.entry.leases > 0) return;
    entries.delete(this.entry.key);
    await disposeEntry(this.entry);
  }
}

/** Takes a lease on the process client for these settings; no client is created until first use. */
export function leaseCosmosClient(
  settings: CosmosSettings,
  deps: CosmosClientDependencies = {},
): CosmosClientLease {
  const key = registryKey(settings);
  let entry = entries.get(key);
  if (!entry) {
    // Until the client exists, a configured key is still known and scrubbed from any error text.
    const configured = settings.key ? [settings.key] : [];
    entry = {
      key,
      leases: 0,
      client: undefined,
      ready: undefined,
      agent: undefined,
      secrets: () => configured,
    };
    entries.set(key, entry);
  }
  entry.leases += 1;
  return new CosmosClientLease(entry, settings, deps);
}
