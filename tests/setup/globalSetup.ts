import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startCosmosTestServer, type CosmosTestServer } from '../helpers/cosmosTestServer';
import { startTestAzurite, TEST_AZURITE_ENV, type TestAzurite } from '../helpers/azurite';

declare global {
  var __cosmosTestServer: CosmosTestServer | undefined;
  var __testAzurite: TestAzurite | undefined;
}

/**
 * Builds dist/ (the runner tests start the built app, as `npm start` does), then starts the Cosmos test
 * server and Azurite's blob service (report storage) side by side, each on a free port.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  const [server, azurite] = await Promise.all([startCosmosTestServer(), startTestAzurite()]);
  globalThis.__cosmosTestServer = server;
  globalThis.__testAzurite = azurite;
  // Workers inherit the environment of this process.
  process.env.LT_TEST_COSMOS_ENDPOINT = server.endpoint;
  process.env[TEST_AZURITE_ENV] = azurite.connectionString;
}
