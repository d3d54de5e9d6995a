import https from 'node:https';
import type { ConnectionPolicy } from '@azure/cosmos';
import type { CosmosSettings } from './cosmosSettings';

/**
 * Throttling (429) retries the SDK performs before a 429 reaches the caller. Kept well under the SDK
 * defaults (9 attempts, 30 s): a user is waiting on an HTTP request, so throttling that outlives ~10 s
 * is better answered with 429 + Retry-After (the API contract) than with a request held open. The SDK
 * is the only retry layer around a call: no second loop is wrapped around it (architecture decision 6).
 */
export const THROTTLE_RETRY = {
  maxRetryAttemptCount: 5,
  // 0 means "no fixed interval": the SDK then waits exactly what the service asked for in
  // x-ms-retry-after-ms, which is the only figure that knows the partition's actual RU budget.
  fixedRetryIntervalInMilliseconds: 0,
  // Kept below the resilience wrapper's per-attempt timeout (STORE_OPERATION_TIMEOUT_MS / (1 + retries),
  // 5 s by default): a throttle the SDK is still waiting out must surface as 429 THROTTLED, not be cut off
  // as a 503 timeout that the breaker would count as an outage. A user is waiting, too.
  maxWaitTimeInSeconds: 4,
} as const;

/** The user agent suffix; lets the account's diagnostic logs tell this app's traffic from tools'. */
export const USER_AGENT_SUFFIX = 'lifetracker-api';

/** The connection policy of the process CosmosClient; every value is set on purpose, not left to defaults. */
export function buildConnectionPolicy(settings: CosmosSettings): ConnectionPolicy {
  return {
    // Per network attempt. The SDK default (60 s) outlives an HTTP request's useful life; the setting
    // (COSMOS_REQUEST_TIMEOUT_MS, default 10 s) keeps a slow gateway from pinning function instances.
    requestTimeout: settings.requestTimeoutMs,
    // Learn the account's regions from the gateway and fail reads over to another region when one is
    // down; this is how the SDK, not our code, handles regional outages.
    enableEndpointDiscovery: true,
    // Read from the regions closest to the function app first (COSMOS_PREFERRED_REGIONS). Empty means
    // the account's write region, which is right for a single-region account.
    preferredLocations: [...settings.preferredRegions],
    retryOptions: { ...THROTTLE_RETRY },
    // The Bicep account has a single write region. The SDK default (true) would route writes to any
    // region of a multi-write account, which changes conflict semantics; opt in only when needed.
    useMultipleWriteLocations: false,
  };
}

/**
 * The https.Agent for an emulator/test server with a self-signed certificate. Only when the settings
 * allow insecure TLS, which they accept for loopback endpoints only; everywhere else the SDK's own
 * agent (full certificate validation) is used.
 */
export function insecureLoopbackAgent(settings: CosmosSettings): https.Agent | undefined {
  if (!settings.allowInsecureTls) return undefined;
  // keepAlive as the SDK's default agent does: one TLS handshake per socket, not per request.
  return new https.Agent({ rejectUnauthorized: false, keepAlive: true });
}
