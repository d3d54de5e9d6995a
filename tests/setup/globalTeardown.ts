/** Stops the Cosmos test server and the Azurite started by globalSetup. */
export default async function globalTeardown(): Promise<void> {
  await Promise.all([globalThis.__cosmosTestServer?.stop(), globalThis.__testAzurite?.stop()]);
}
