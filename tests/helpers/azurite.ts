// Azurite for the tests: globalSetup starts one blob service on a free port (never 10000, where a
// developer's own Azurite may run) and exports its connection string; tests read it from here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AZURITE_ACCOUNT, spawnAzurite, type AzuriteProcess } from '../../tools/local-runner/azurite';
import { freePort } from './freePort';

/** Azurite's well-known development account key (public, the same for every Azurite). */
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The environment variable globalSetup puts the test Azurite's connection string in. */
export const TEST_AZURITE_ENV = 'LT_TEST_AZURITE_CONNECTION_STRING';

const repoRoot = path.resolve(__dirname, '..', '..');

/** A connection string for Azurite's default account on a loopback port (key: the well-known one unless given). */
export function azuriteConnectionString(port: number, accountKey = AZURITE_ACCOUNT_KEY): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${accountKey};` +
    `BlobEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`
  );
}

/** The connection string of the Azurite globalSetup started; throws when the tests run without it. */
export function testAzuriteConnectionString(): string {
  const value = process.env[TEST_AZURITE_ENV];
  if (!value)
    throw new Error(
      `${TEST_AZURITE_ENV} is not set: run the tests through jest (tests/setup/globalSetup.ts)`,
    );
  return value;
}

/** An Azurite blob service started for tests, in a temporary workspace removed by stop(). */
export interface TestAzurite {
  port: number;
  connectionString: string;
  location: string;
  process: AzuriteProcess;
  stop(): Promise<void>;
}

/**
 * Starts Azurite's blob service on a free port with a temporary --location (and --skipApiVersionCheck, as
 * npm start runs it) and waits until it listens. Uses the compiled runner module in dist/ for its
 * parent watch, so dist/ must be built (globalSetup builds it first).
 */
export async function startTestAzurite(): Promise<TestAzurite> {
  const port = await freePort();
  const location = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-azurite-'));
  const azurite = spawnAzurite({
    port,
    location,
    logFile: path.join(location, 'azurite.log'),
    parentWatchScript: path.join(repoRoot, 'dist', 'tools', 'local-runner', 'azuriteParentWatch.js'),
  });
  try {
    await azurite.ready();
  } catch (error) {
    await azurite.stop();
    fs.rmSync(location, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    connectionString: azuriteConnectionString(port),
    location,
    process: azurite,
    stop: async () => {
      await azurite.stop();
      fs.rmSync(location, { recursive: true, force: true });
    },
  };
}
