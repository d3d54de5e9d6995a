import { randomUUID } from 'node:crypto';
import { loadSettings } from '../../shared/config/settings';
import { cosmosClientRegistryStats } from '../../shared/data/cosmos/cosmosClientRegistry';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import { ResilientDocumentStore } from '../../shared/resilience/resilientDocumentStore';
import { createJsonLogger } from '../../shared/telemetry/logger';
import { appErrorOf } from '../helpers/appErrorOf';
import { freePort } from '../helpers/freePort';

// The one CosmosClient is rebuilt after repeated connection failures (when the breaker opens), never per
// request: through an outage of many calls, exactly one client is dropped per open breaker, and a new one
// is built only when a probe goes out. Real SDK, against a loopback port nobody listens on.

test('repeated connection failures rebuild the client once per breaker opening, never per request', async () => {
  const cosmos = loadSettings({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: `https://127.0.0.1:${await freePort()}/`,
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_REQUEST_TIMEOUT_MS: '300',
    COSMOS_DATABASE: `rebuild-${randomUUID()}`,
  }).cosmos;
  const lines: Record<string, unknown>[] = [];
  const store = new ResilientDocumentStore(
    new CosmosDocumentStore(cosmos),
    {
      operationTimeoutMs: 2000,
      breakerThreshold: 2,
      breakerHalfOpenMs: 400,
      maxConcurrency: 8,
      maxQueue: 8,
      retryAttempts: 0,
    },
    createJsonLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
  );
  try {
    const before = cosmosClientRegistryStats();
    for (let i = 0; i < 2; i++)
      expect((await appErrorOf(store.read('tasks', 'x', 'u'))).category).toBe('CONNECTION');
    expect(store.breakerState()).toBe('open');
    await new Promise((r) => setTimeout(r, 50)); // the rebuild runs in the background
    const afterOpen = cosmosClientRegistryStats();
    expect(afterOpen.clientsCreated - before.clientsCreated).toBe(1);
    expect(afterOpen.clientsDisposed - before.clientsDisposed).toBe(1);
    expect(lines.some((l) => l.message === 'store reconnect')).toBe(true);

    // While the breaker is open, calls fail fast and no client is built for them.
    for (let i = 0; i < 30; i++)
      expect((await appErrorOf(store.read('tasks', 'x', 'u'))).code).toBe('STORE_CIRCUIT_OPEN');
    expect(cosmosClientRegistryStats().clientsCreated).toBe(afterOpen.clientsCreated);

    // The half-open probe goes out on a fresh client; it fails (nobody listens), and the breaker reopens.
    await new Promise((r) => setTimeout(r, 450));
    expect((await appErrorOf(store.read('tasks', 'x', 'u'))).category).toBe('CONNECTION');
    expect(cosmosClientRegistryStats().clientsCreated - before.clientsCreated).toBe(2);
  } finally {
    await store.dispose();
  }
});
