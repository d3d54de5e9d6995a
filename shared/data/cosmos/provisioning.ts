import {
  type ContainerRequest,
  type Database,
  type CosmosClient,
  type IndexingMode,
  type PartitionKeyDefinitionVersion,
  type PartitionKeyKind,
} from '@azure/cosmos';
import { listContainers, type ContainerDefinition } from '../catalogue';
import { AppError } from '../../errors/appError';

// Provisioning belongs to Bicep (architecture decision 2): with Entra ID data-plane RBAC the app cannot
// create databases or containers in Azure, so there it only verifies. Against an emulator or the test
// server it creates them. Both read every definition from the one catalogue (infra/containers.json).

/** The SDK's container request for a catalogue entry; the index policy is passed through, never restated. */
export function toContainerRequest(definition: ContainerDefinition): ContainerRequest {
  const request: ContainerRequest = {
    id: definition.name,
    partitionKey: {
      paths: [...definition.partitionKey.paths],
      // The catalogue's values are Cosmos's own literals ("Hash", 2, "consistent"), which the SDK types
      // as enums; catalogue.ts validates the file, so these casts only restate the type.
      kind: definition.partitionKey.kind as PartitionKeyKind,
      version: definition.partitionKey.version as PartitionKeyDefinitionVersion,
    },
    // A copy: the SDK may decorate the request object, and the catalogue is shared by the whole process.
    indexingPolicy: {
      ...structuredClone(definition.indexingPolicy),
      indexingMode: definition.indexingPolicy.indexingMode as IndexingMode,
    },
  };
  if (definition.defaultTtl !== undefined) request.defaultTtl = definition.defaultTtl;
  return request;
}

/** Creates the database and then every catalogue container, the containers in parallel. */
export async function createCatalogue(client: CosmosClient, databaseId: string): Promise<void> {
  const { database } = await client.databases.createIfNotExists({ id: databaseId });
  // createIfNotExists leaves an existing container's index policy as it is: on an emulator, delete the
  // container (or the database) to pick up a catalogue change; in Azure, Bicep applies it.
  await Promise.all(
    listContainers().map((definition) =>
      database.containers.createIfNotExists(toContainerRequest(definition)),
    ),
  );
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 404;
}

/** The error for a database that lacks catalogue containers (or has them with the wrong partition key). */
export function notProvisioned(databaseId: string, problems: string[]): AppError {
  return new AppError(
    `Cosmos DB database '${databaseId}' is not provisioned as infra/containers.json requires: ${problems.join('; ')}. ` +
      'The app does not create resources in Azure; deploy the infrastructure (azd provision) and restart.',
    { code: 'STORE_NOT_PROVISIONED', category: 'DATA', status: 503 },
  );
}

/**
 * Reads the database and every catalogue container in parallel and creates nothing. Throws one
 * STORE_NOT_PROVISIONED error listing everything that is missing or mis-partitioned; any other failure
 * (unreachable, unauthorised) is rethrown as it is, for the caller to map.
 */
export async function verifyCatalogue(database: Database): Promise<void> {
  const definitions = listContainers();
  const [databaseRead, ...containerReads] = await Promise.allSettled([
    database.read(),
    ...definitions.map((definition) => database.container(definition.name).read()),
  ]);
  const failures = [databaseRead, ...containerReads].filter((r) => r.status === 'rejected');
  const other = failures.find((r) => !isNotFound(r.reason));
  if (other) throw other.reason;

  const problems: string[] = [];
  if (databaseRead.status === 'rejected') problems.push(`database '${database.id}' is missing`);
  const missing: string[] = [];
  containerReads.forEach((read, i) => {
    const definition = definitions[i];
    if (read.status === 'rejected') {
      missing.push(definition.name);
      return;
    }
    const actual = read.value.resource?.partitionKey?.paths ?? [];
    if (actual.join(',') !== definition.partitionKey.paths.join(',')) {
      problems.push(
        `container '${definition.name}' is partitioned by ${actual.join(',') || '(none)'}, ` +
          `the catalogue says ${definition.partitionKey.paths.join(',')}`,
      );
    }
  });
  if (missing.length > 0) problems.push(`missing container(s): ${missing.join(', ')}`);
  if (problems.length > 0) throw notProvisioned(database.id, problems);
}
