import { loadSettings } from '../../shared/config/settings';
import type { CosmosSettings } from '../../shared/data/cosmos/cosmosSettings';

/** The endpoint of the Cosmos-protocol test server that jest's globalSetup started. */
export function testCosmosEndpoint(): string {
  const endpoint = process.env.LT_TEST_COSMOS_ENDPOINT;
  if (!endpoint)
    throw new Error('LT_TEST_COSMOS_ENDPOINT is not set: run through jest (globalSetup starts the server).');
  return endpoint;
}

/** Cosmos settings for the test server, parsed by the app's own settings code; one database per test file. */
export function testCosmosSettings(
  database: string,
  overrides: Partial<CosmosSettings> = {},
  env: Record<string, string> = {},
): CosmosSettings {
  const parsed = loadSettings({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: testCosmosEndpoint(),
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: database,
    ...env,
  });
  return { ...parsed.cosmos, ...overrides };
}

/**
 * Cosmos settings for another loopback endpoint in front of the test server (the fault proxy), parsed by
 * the app's settings code so COSMOS_ALLOW_INSECURE_TLS is validated against that endpoint.
 */
export function testCosmosSettingsAt(
  endpoint: string,
  database: string,
  env: Record<string, string> = {},
): CosmosSettings {
  return loadSettings({
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: endpoint,
    COSMOS_KEY: 'test-key',
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_DATABASE: database,
    ...env,
  }).cosmos;
}
