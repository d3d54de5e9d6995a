import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadSettings } from '../../shared/config/settings';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type { CosmosSettings } from '../../shared/data/cosmos/cosmosSettings';
import { freePort } from '../helpers/freePort';
import { testCosmosEndpoint } from '../helpers/cosmosTestSettings';
import { appErrorOf } from '../helpers/appErrorOf';

// Failure behaviour: an unreachable store fails fast with a typed error and an honest health report, the
// self-signed certificate is accepted only when allowed, and the key never appears in any text.

const KEY = `not-a-real-key-${randomUUID()}`;

function settings(endpoint: string, overrides: Partial<CosmosSettings> = {}): CosmosSettings {
  const env = {
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: endpoint,
    COSMOS_KEY: KEY,
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: `failures-${randomUUID()}`,
    COSMOS_REQUEST_TIMEOUT_MS: '300',
  };
  return { ...loadSettings(env).cosmos, ...overrides };
}

describe('a store pointed at a closed port', () => {
  let store: CosmosDocumentStore;
  let closedEndpoint: string;
  beforeAll(async () => {
    closedEndpoint = `https://127.0.0.1:${await freePort()}/`; // free a moment ago, and nobody listens on it
    store = new CosmosDocumentStore(settings(closedEndpoint));
  });
  afterAll(async () => store.dispose());

  test('fails fast with a retryable CONNECTION AppError (503)', async () => {
    const started = performance.now();
    const error = await appErrorOf(store.read('tasks', 'x', 'u'));
    expect(performance.now() - started).toBeLessThan(3000);
    expect({
      category: error.category,
      code: error.code,
      status: error.status,
      retryable: error.retryable,
    }).toEqual({
      category: 'CONNECTION',
      code: 'STORE_UNAVAILABLE',
      status: 503,
      retryable: true,
    });
    // One call at a time, so none rejects before it is awaited (an unhandled rejection).
    for (const call of [
      () => store.create('tasks', { id: 'x', userId: 'u' }),
      () => store.query('tasks', { query: 'SELECT * FROM c' }),
      () => store.batch('tasks', 'u', [{ operationType: 'Read', id: 'x' }]),
    ]) {
      expect((await appErrorOf(call())).category).toBe('CONNECTION');
    }
  });

  test('initialize() reports the connection failure, not a provisioning problem', async () => {
    const verifying = new CosmosDocumentStore({ ...settings(closedEndpoint), provisioning: 'verify' });
    try {
      expect((await appErrorOf(verifying.initialize())).category).toBe('CONNECTION');
    } finally {
      await verifying.dispose();
    }
  });

  test('health says not ok for the database and every container, and does not throw', async () => {
    const health = await store.checkHealth();
    expect(health.ok).toBe(false);
    expect(health.backend).toBe('cosmos');
    expect(health.error).toMatch(/could not be reached/);
    expect(health.containers).toHaveLength(5);
    for (const container of health.containers) {
      expect(container.ok).toBe(false);
      expect(container.error).toMatch(/ECONNREFUSED/);
    }
  });
});

describe('a store pointed at an endpoint that accepts connections and never answers', () => {
  let server: net.Server;
  let store: CosmosDocumentStore;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    store = new CosmosDocumentStore(settings(`https://127.0.0.1:${port}/`));
  });
  afterAll(async () => {
    // Closing the listener and the sockets turns the SDK's pending retries into fast ECONNREFUSED failures.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    await store.dispose();
  });

  test('health answers by its deadline (2 x requestTimeoutMs) with ok false, never throws', async () => {
    const started = performance.now();
    const health = await store.checkHealth();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(2000);
    expect(health.ok).toBe(false);
    expect(health.error).toMatch(/did not answer within 600 ms/);
  });
});

describe('TLS', () => {
  test("the test server's self-signed certificate is refused unless insecure TLS is allowed", async () => {
    const strict = new CosmosDocumentStore(settings(testCosmosEndpoint(), { allowInsecureTls: false }));
    try {
      const error = await appErrorOf(strict.read('tasks', 'x', 'u'));
      expect({ code: error.code, category: error.category, retryable: error.retryable }).toEqual({
        code: 'STORE_TLS_FAILED',
        category: 'CONNECTION',
        retryable: false,
      });
    } finally {
      await strict.dispose();
    }
  });
});

describe('the key never appears in an error message or in health output', () => {
  test('across not-found, conflict, bad query, bad batch and an unreachable endpoint', async () => {
    const live = new CosmosDocumentStore(settings(testCosmosEndpoint(), { requestTimeoutMs: 5000 }));
    const port = await freePort();
    const dead = new CosmosDocumentStore(settings(`https://127.0.0.1:${port}/`));
    try {
      await live.initialize();
      const user = `user-${randomUUID()}`;
      const created = await live.create('tasks', { id: randomUUID(), userId: user });
      const errors = await Promise.all([
        appErrorOf(live.replace('tasks', { id: 'missing', userId: user })),
        appErrorOf(live.create('tasks', { id: created.resource.id, userId: user })),
        appErrorOf(live.query('tasks', { query: 'SELEC broken' })),
        appErrorOf(
          live.batch('tasks', user, [
            {
              operationType: 'Patch',
              id: created.resource.id,
              operations: [{ op: 'set', path: '/a', value: 1 }],
            },
          ]),
        ),
        appErrorOf(dead.read('tasks', 'x', 'u')),
        appErrorOf(dead.initialize()),
      ]);
      const texts = [
        ...errors.map((e) => `${e.message} ${JSON.stringify(e)} ${e.stack ?? ''}`),
        JSON.stringify(await live.checkHealth()),
        JSON.stringify(await dead.checkHealth()),
      ];
      for (const text of texts) expect(text).not.toContain(KEY);
    } finally {
      await live.dispose();
      await dead.dispose();
    }
  });
});

describe('identity auth (the production default) without an identity available', () => {
  // DefaultAzureCredential is narrowed to EnvironmentCredential with no variables set, so the outcome does
  // not depend on the machine (an Azure CLI login or a VM's managed identity would otherwise answer).
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.AZURE_TOKEN_CREDENTIALS = 'EnvironmentCredential';
    for (const name of [
      'AZURE_TENANT_ID',
      'AZURE_CLIENT_ID',
      'AZURE_CLIENT_SECRET',
      'AZURE_CLIENT_CERTIFICATE_PATH',
      'AZURE_USERNAME',
    ]) {
      delete process.env[name];
    }
  });
  afterAll(() => {
    process.env = saved;
  });

  test('fails as AUTH with a typed error instead of hanging or crashing', async () => {
    const store = new CosmosDocumentStore(
      settings(testCosmosEndpoint(), { key: undefined, requestTimeoutMs: 5000 }),
    );
    try {
      const error = await appErrorOf(store.read('tasks', 'x', 'u'));
      expect({ category: error.category, code: error.code, status: error.status }).toEqual({
        category: 'AUTH',
        code: 'STORE_AUTH_FAILED',
        status: 503,
      });
      expect(error.message).toMatch(/credentials/);
    } finally {
      await store.dispose();
    }
  });
});
