import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startCosmosTestServer, type CosmosTestServer } from '../helpers/cosmosTestServer';

declare global {
  var __cosmosTestServer: CosmosTestServer | undefined;
}

/** Builds dist/ (the runner tests start the built app, as `npm start` does) and starts the Cosmos test server. */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  const server = await startCosmosTestServer();
  globalThis.__cosmosTestServer = server;
  // Workers inherit the environment of this process.
  process.env.LT_TEST_COSMOS_ENDPOINT = server.endpoint;
}
