/** Stops the Cosmos test server started by globalSetup. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__cosmosTestServer?.stop();
}
