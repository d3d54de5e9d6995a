import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { CosmosClient, Database } from '@azure/cosmos';
import { listContainers } from '../../shared/data/catalogue';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import type { CosmosSettings } from '../../shared/data/cosmos/cosmosSettings';
import { createCatalogue, toContainerRequest, verifyCatalogue } from '../../shared/data/cosmos/provisioning';
import { testCosmosSettings } from '../helpers/cosmosTestSettings';
import { appErrorOf } from '../helpers/appErrorOf';

// initialize(): 'create' builds the catalogue (emulator/test server); 'verify' (Azure, where Entra RBAC
// cannot create) only reads, and reports everything missing in one STORE_NOT_PROVISIONED error.

function settings(database: string, overrides: Partial<CosmosSettings> = {}): CosmosSettings {
  return testCosmosSettings(database, overrides);
}

interface CatalogueFile {
  containers: {
    name: string;
    partitionKey: { paths: string[]; kind: string; version: number };
    indexingPolicy: {
      compositeIndexes?: { path: string; order: string }[][];
      excludedPaths: { path: string }[];
    };
    defaultTtl?: number;
  }[];
}

// Read from disk on purpose, not through catalogue.ts: the test compares the server with the file Bicep reads.
const catalogueFile = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '..', '..', 'infra', 'containers.json'), 'utf8'),
) as CatalogueFile;

async function containerIds(client: CosmosClient, database: string): Promise<string[]> {
  const { resources } = await client.database(database).containers.readAll().fetchAll();
  return resources.map((c) => c.id).sort();
}

const stores: CosmosDocumentStore[] = [];
function open(database: string, provisioning: 'create' | 'verify'): CosmosDocumentStore {
  const store = new CosmosDocumentStore(settings(database, { provisioning }));
  stores.push(store);
  return store;
}
afterAll(async () => {
  await Promise.all(stores.map((s) => s.dispose()));
});

describe('CosmosDocumentStore.initialize()', () => {
  const prefix = `provisioning-${randomUUID().slice(0, 8)}`;

  test("'create' creates every catalogue container with the catalogue's partition key, indexes and TTL", async () => {
    const database = `${prefix}-create`;
    const store = open(database, 'create');
    await store.initialize();
    const client = await store.cosmosClient();
    expect(await containerIds(client, database)).toEqual(catalogueFile.containers.map((c) => c.name).sort());

    for (const expected of catalogueFile.containers) {
      const { resource } = await client.database(database).container(expected.name).read();
      expect(resource?.partitionKey).toEqual(expected.partitionKey);
      expect(resource?.indexingPolicy?.compositeIndexes).toEqual(expected.indexingPolicy.compositeIndexes);
      expect(resource?.indexingPolicy?.excludedPaths).toEqual(expected.indexingPolicy.excludedPaths);
      expect(resource?.defaultTtl).toEqual(expected.defaultTtl);
    }
  });

  test("'create' is idempotent: a second start against the same database succeeds and keeps the data", async () => {
    const database = `${prefix}-twice`;
    const first = open(database, 'create');
    await first.initialize();
    await first.create('users', { id: 'u1', userId: 'u1', displayName: 'Ann' });
    const second = open(database, 'create');
    await second.initialize();
    expect((await second.read('users', 'u1', 'u1')).resource).toMatchObject({ displayName: 'Ann' });
  });

  test("'verify' passes on a fully provisioned database", async () => {
    const database = `${prefix}-complete`;
    await open(database, 'create').initialize();
    await expect(open(database, 'verify').initialize()).resolves.toBeUndefined();
  });

  test("'verify' with a container missing throws one STORE_NOT_PROVISIONED naming it and creates nothing", async () => {
    const database = `${prefix}-partial`;
    // Provision everything but 'usage' and 'fitness', the way a half-applied deployment would leave it.
    const seed = open(database, 'create');
    const client = await seed.cosmosClient();
    const { database: db } = await client.databases.createIfNotExists({ id: database });
    const present = listContainers().filter((c) => c.name !== 'usage' && c.name !== 'fitness');
    for (const definition of present) await db.containers.createIfNotExists(toContainerRequest(definition));

    const error = await appErrorOf(open(database, 'verify').initialize());
    expect({ code: error.code, category: error.category, status: error.status }).toEqual({
      code: 'STORE_NOT_PROVISIONED',
      category: 'DATA',
      status: 503,
    });
    expect(error.message).toContain('missing container(s): fitness, usage');
    expect(error.message).not.toContain("'users'");
    expect(await containerIds(client, database)).toEqual(present.map((c) => c.name).sort());
  });

  test("'verify' against a missing database reports the database and every container, and creates nothing", async () => {
    const database = `${prefix}-absent`;
    const store = open(database, 'verify');
    const error = await appErrorOf(store.initialize());
    expect(error.code).toBe('STORE_NOT_PROVISIONED');
    expect(error.message).toContain(`database '${database}' is missing`);
    for (const c of listContainers()) expect(error.message).toContain(c.name);
    const client = await store.cosmosClient();
    const { resources } = await client.databases.readAll().fetchAll();
    expect(resources.map((d) => d.id)).not.toContain(database);
  });

  test("'verify' reports a container partitioned differently from the catalogue", async () => {
    const database = `${prefix}-wrong-pk`;
    const seed = open(database, 'create');
    const client = await seed.cosmosClient();
    const { database: db } = await client.databases.createIfNotExists({ id: database });
    for (const definition of listContainers()) {
      const request = toContainerRequest(definition);
      if (definition.name === 'tasks') request.partitionKey = { paths: ['/id'] };
      await db.containers.createIfNotExists(request);
    }
    const error = await appErrorOf(open(database, 'verify').initialize());
    expect(error.code).toBe('STORE_NOT_PROVISIONED');
    expect(error.message).toContain("container 'tasks' is partitioned by /id, the catalogue says /userId");
  });
});

describe('provisioning runs the containers in parallel', () => {
  // A fake database that counts requests in flight: sequential code would never exceed 1.
  function recorder() {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = async <T>(value: T): Promise<T> => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight -= 1;
      return value;
    };
    const database = {
      id: 'fake',
      read: () => slow({ resource: { id: 'fake' } }),
      container: (name: string) => ({
        read: () =>
          slow({
            resource: { id: name, partitionKey: listContainers().find((c) => c.name === name)?.partitionKey },
          }),
      }),
      containers: { createIfNotExists: () => slow({}) },
    };
    const client = { databases: { createIfNotExists: () => Promise.resolve({ database }) } };
    return { database, client, max: () => maxInFlight };
  }

  test("'create' creates every container concurrently", async () => {
    const fake = recorder();
    await createCatalogue(fake.client as unknown as CosmosClient, 'fake');
    expect(fake.max()).toBe(listContainers().length);
  });

  test("'verify' reads the database and every container concurrently", async () => {
    const fake = recorder();
    await verifyCatalogue(fake.database as unknown as Database);
    expect(fake.max()).toBe(listContainers().length + 1);
  });
});
