import path from 'node:path';
import { z } from 'zod';

/** Which DocumentStore adapter the app runs on. */
export type DataBackend = 'cosmos' | 'local';
export type AuthMode = 'easyauth' | 'jwt' | 'dev';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Every setting the app reads, parsed and validated. Names of the environment variables are in SETTING_NAMES. */
export interface Settings {
  port: number;
  dataBackend: DataBackend;
  dataDir: string;
  authMode: AuthMode;
  /** Bearer-token validation, only when authMode is jwt. */
  jwt: { issuer: string; audience: string; jwksUri: string } | undefined;
  logLevel: LogLevel;
  runningInAzure: boolean;
  healthCheckSchedule: string;
  localStore: { sync: 'normal' | 'full' };
  cosmos: {
    endpoint: string | undefined;
    database: string;
    key: string | undefined;
    keySecretName: string | undefined;
    keyVaultUri: string | undefined;
    allowInsecureTls: boolean;
    preferredRegions: string[];
    requestTimeoutMs: number;
    provisioning: 'create' | 'verify';
  };
  /** Resilience policies around the Cosmos DB store (the local store needs none). */
  resilience: {
    operationTimeoutMs: number;
    breakerThreshold: number;
    breakerHalfOpenMs: number;
    maxConcurrency: number;
    maxQueue: number;
    retryAttempts: number;
  };
  /** Per-query-shape usage recording (RU, duration, items) and its flush to the usage container. */
  usage: { flushIntervalMs: number; maxShapes: number };
  /** The partition-scoped query result cache; ttlMs 0 turns it off. */
  queryCache: { ttlMs: number; maxEntries: number; maxMegabytes: number };
  /** How often one query shape is re-run with Cosmos DB index metrics; 0 never. */
  indexMetricsSampleIntervalMs: number;
  costReportSchedule: string;
  /** Prices the cost report multiplies RU by (USD). */
  costRates: {
    serverlessPerMillionRu: number;
    provisionedPer100RuHour: number;
    autoscalePer100RuHour: number;
  };
  /** The account's capacity mode, and its RU/s (max RU/s for autoscale) when it cannot be read from Cosmos DB. */
  throughput: { mode: 'serverless' | 'provisioned' | 'autoscale'; ruPerSecond: number | undefined };
  applicationInsightsConnectionString: string | undefined;
  /** Entra ID ingestion for Application Insights (Authorization=AAD[;ClientId=...]); absent: key-based. */
  applicationInsightsAuthenticationString: string | undefined;
  azureWebJobsStorage: string | undefined;
  /** Identity-based storage for the reports (Azure): the blob endpoint and the user-assigned identity's client id. */
  storageIdentity: { blobServiceUri: string | undefined; clientId: string | undefined };
}

/** A setting that is malformed, unknown or contradicts another; its message is one line naming the setting. */
export class SettingsError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

// Values of these are never echoed in an error line.
const SECRET_SETTINGS = new Set([
  'COSMOS_KEY',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'AzureWebJobsStorage',
]);

/** Every setting name the app reads; local.settings.sample.json documents exactly these. */
export const SETTING_NAMES = [
  'PORT',
  'DATA_BACKEND',
  'DATA_DIR',
  'AUTH_MODE',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'JWT_JWKS_URI',
  'LOG_LEVEL',
  'HEALTH_CHECK_SCHEDULE',
  'LOCAL_STORE_SYNC',
  'COSMOS_ENDPOINT',
  'COSMOS_DATABASE',
  'COSMOS_KEY',
  'COSMOS_KEY_SECRET_NAME',
  'KEY_VAULT_URI',
  'COSMOS_ALLOW_INSECURE_TLS',
  'COSMOS_PREFERRED_REGIONS',
  'COSMOS_REQUEST_TIMEOUT_MS',
  'COSMOS_PROVISIONING',
  'STORE_OPERATION_TIMEOUT_MS',
  'STORE_BREAKER_THRESHOLD',
  'STORE_BREAKER_HALF_OPEN_MS',
  'STORE_MAX_CONCURRENCY',
  'STORE_MAX_QUEUE',
  'STORE_RETRY_ATTEMPTS',
  'USAGE_FLUSH_INTERVAL_MS',
  'USAGE_MAX_SHAPES',
  'QUERY_CACHE_TTL_MS',
  'QUERY_CACHE_MAX_ENTRIES',
  'QUERY_CACHE_MAX_MB',
  'INDEX_METRICS_SAMPLE_INTERVAL_MS',
  'COST_REPORT_SCHEDULE',
  'COST_USD_PER_MILLION_RU',
  'COST_USD_PER_100_RU_PER_HOUR',
  'COST_USD_PER_100_AUTOSCALE_RU_PER_HOUR',
  'COSMOS_THROUGHPUT_MODE',
  'COSMOS_THROUGHPUT_RU',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'AzureWebJobsStorage',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__clientId',
] as const;

/**
 * Names under an owned prefix that the Functions host (not the app) reads: identity-based host storage.
 * The app tolerates them without reading them, so the typo guard below does not stop start-up in Azure.
 */
export const HOST_SETTING_NAMES = [
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
] as const;

// A variable under one of these prefixes that is not a known setting is almost always a typo
// (COSMOS_ENDPIONT) that would otherwise silently fall back to a default.
const OWNED_PREFIXES = [
  'COSMOS_',
  'DATA_',
  'LOCAL_STORE_',
  'AUTH_',
  'HEALTH_CHECK_',
  'KEY_VAULT_',
  'JWT_',
  'STORE_',
  'USAGE_',
  'QUERY_CACHE_',
  'INDEX_METRICS_',
  'COST_',
  'AzureWebJobsStorage__',
];

const wholeNumber = (min: number, max: number) => {
  const message = `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
};
const price = z.coerce
  .number({ error: 'expected a price in USD, e.g. 0.25' })
  .min(0, 'expected a price in USD, e.g. 0.25')
  .max(1000, 'expected a price in USD, e.g. 0.25');
const boolText = z.enum(['true', 'false']).transform((v) => v === 'true');
const ncrontab = z
  .string()
  .regex(/^\S+( \S+){5}$/, 'expected a six-field NCRONTAB expression, e.g. "0 */5 * * * *"');

function field<T>(env: Env, name: string, schema: z.ZodType<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const result = schema.safeParse(raw.trim());
  if (result.success) return result.data;
  const shown = SECRET_SETTINGS.has(name) ? '' : `=${JSON.stringify(raw)}`;
  const reason = result.error.issues[0]?.message ?? 'invalid value';
  throw new SettingsError(name, `Invalid setting ${name}${shown}: ${reason}`);
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function closestSetting(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of SETTING_NAMES) {
    const distance = editDistance(name.toUpperCase(), candidate.toUpperCase());
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= 3 ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** Parses and validates every setting from the environment; throws SettingsError on the first bad one. */
export function loadSettings(env: Env = process.env, cwd: string = process.cwd()): Settings {
  const known = new Set<string>([...SETTING_NAMES, ...HOST_SETTING_NAMES]);
  for (const name of Object.keys(env).sort()) {
    if (!known.has(name) && OWNED_PREFIXES.some((p) => name.startsWith(p))) {
      const hint = closestSetting(name);
      throw new SettingsError(name, `Unknown setting ${name}${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
  }

  // The Functions host sets WEBSITE_INSTANCE_ID on every instance it runs in Azure; nowhere else does.
  const runningInAzure = Boolean(env.WEBSITE_INSTANCE_ID);

  const endpoint = field(
    env,
    'COSMOS_ENDPOINT',
    z.url({ protocol: /^https?$/, error: 'expected an https:// URL' }),
  );
  const dataBackend =
    field(env, 'DATA_BACKEND', z.enum(['cosmos', 'local'], { error: 'expected "cosmos" or "local"' })) ??
    (endpoint ? 'cosmos' : 'local');
  if (dataBackend === 'cosmos' && !endpoint) {
    throw new SettingsError(
      'COSMOS_ENDPOINT',
      'Missing setting COSMOS_ENDPOINT: DATA_BACKEND=cosmos needs it',
    );
  }

  const authMode =
    field(env, 'AUTH_MODE', z.enum(['easyauth', 'jwt', 'dev'], { error: 'expected easyauth, jwt or dev' })) ??
    (runningInAzure ? undefined : 'dev');
  if (!authMode) {
    throw new SettingsError(
      'AUTH_MODE',
      'Missing setting AUTH_MODE: set easyauth or jwt when running in Azure',
    );
  }
  if (authMode === 'dev' && runningInAzure) {
    throw new SettingsError(
      'AUTH_MODE',
      'Invalid setting AUTH_MODE="dev": dev mode is refused when running in Azure',
    );
  }

  const jwtIssuer = field(env, 'JWT_ISSUER', z.string().min(1));
  const jwtAudience = field(env, 'JWT_AUDIENCE', z.string().min(1));
  const jwtJwksUri = field(
    env,
    'JWT_JWKS_URI',
    z.url({ protocol: /^https?$/, error: 'expected an https:// URL' }),
  );
  let jwt: Settings['jwt'];
  if (authMode === 'jwt') {
    for (const [name, value] of [
      ['JWT_ISSUER', jwtIssuer],
      ['JWT_AUDIENCE', jwtAudience],
      ['JWT_JWKS_URI', jwtJwksUri],
    ] as const) {
      if (!value) throw new SettingsError(name, `Missing setting ${name}: AUTH_MODE=jwt needs it`);
    }
    jwt = { issuer: jwtIssuer as string, audience: jwtAudience as string, jwksUri: jwtJwksUri as string };
  }

  const key = field(env, 'COSMOS_KEY', z.string().min(1));
  if (key && runningInAzure) {
    throw new SettingsError(
      'COSMOS_KEY',
      'Invalid setting COSMOS_KEY: in Azure the app uses its managed identity (or KEY_VAULT_URI + COSMOS_KEY_SECRET_NAME)',
    );
  }
  const keySecretName = field(env, 'COSMOS_KEY_SECRET_NAME', z.string().regex(/^[0-9a-zA-Z-]{1,127}$/));
  const keyVaultUri = field(
    env,
    'KEY_VAULT_URI',
    z.url({ protocol: /^https$/, error: 'expected an https:// URL' }),
  );
  if (Boolean(keySecretName) !== Boolean(keyVaultUri)) {
    const missing = keySecretName ? 'KEY_VAULT_URI' : 'COSMOS_KEY_SECRET_NAME';
    throw new SettingsError(
      missing,
      `Missing setting ${missing}: KEY_VAULT_URI and COSMOS_KEY_SECRET_NAME go together`,
    );
  }

  const allowInsecureTls = field(env, 'COSMOS_ALLOW_INSECURE_TLS', boolText) ?? false;
  if (allowInsecureTls && !(endpoint && isLoopbackUrl(endpoint))) {
    throw new SettingsError(
      'COSMOS_ALLOW_INSECURE_TLS',
      'Invalid setting COSMOS_ALLOW_INSECURE_TLS="true": accepted only when COSMOS_ENDPOINT is a loopback address',
    );
  }

  const dataDir = field(env, 'DATA_DIR', z.string()) ?? '.data';

  return {
    port:
      field(env, 'PORT', z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535)) ??
      7071,
    dataBackend,
    dataDir: path.resolve(cwd, dataDir),
    authMode,
    jwt,
    logLevel: field(env, 'LOG_LEVEL', z.enum(['debug', 'info', 'warn', 'error'])) ?? 'info',
    runningInAzure,
    healthCheckSchedule: field(env, 'HEALTH_CHECK_SCHEDULE', ncrontab) ?? '0 */5 * * * *',
    localStore: {
      sync:
        field(
          env,
          'LOCAL_STORE_SYNC',
          z.enum(['normal', 'full'], { error: 'expected "normal" or "full"' }),
        ) ?? 'normal',
    },
    cosmos: {
      endpoint,
      database: field(env, 'COSMOS_DATABASE', z.string().regex(/^[^/\\#?]{1,255}$/)) ?? 'lifetracker',
      key,
      keySecretName,
      keyVaultUri,
      allowInsecureTls,
      preferredRegions: (field(env, 'COSMOS_PREFERRED_REGIONS', z.string()) ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
      requestTimeoutMs:
        field(env, 'COSMOS_REQUEST_TIMEOUT_MS', z.coerce.number().int().min(100).max(120000)) ?? 10000,
      provisioning:
        field(
          env,
          'COSMOS_PROVISIONING',
          z.enum(['create', 'verify'], { error: 'expected "create" or "verify"' }),
        ) ?? (endpoint && isLoopbackUrl(endpoint) ? 'create' : 'verify'),
    },
    resilience: {
      operationTimeoutMs: field(env, 'STORE_OPERATION_TIMEOUT_MS', wholeNumber(100, 120_000)) ?? 15_000,
      breakerThreshold: field(env, 'STORE_BREAKER_THRESHOLD', wholeNumber(1, 1000)) ?? 5,
      breakerHalfOpenMs: field(env, 'STORE_BREAKER_HALF_OPEN_MS', wholeNumber(100, 600_000)) ?? 5_000,
      maxConcurrency: field(env, 'STORE_MAX_CONCURRENCY', wholeNumber(1, 10_000)) ?? 64,
      maxQueue: field(env, 'STORE_MAX_QUEUE', wholeNumber(0, 100_000)) ?? 512,
      retryAttempts: field(env, 'STORE_RETRY_ATTEMPTS', wholeNumber(0, 10)) ?? 2,
    },
    usage: {
      flushIntervalMs: field(env, 'USAGE_FLUSH_INTERVAL_MS', wholeNumber(1_000, 3_600_000)) ?? 60_000,
      maxShapes: field(env, 'USAGE_MAX_SHAPES', wholeNumber(10, 100_000)) ?? 500,
    },
    queryCache: {
      ttlMs: field(env, 'QUERY_CACHE_TTL_MS', wholeNumber(0, 3_600_000)) ?? 10_000,
      maxEntries: field(env, 'QUERY_CACHE_MAX_ENTRIES', wholeNumber(1, 1_000_000)) ?? 5_000,
      maxMegabytes: field(env, 'QUERY_CACHE_MAX_MB', wholeNumber(1, 4_096)) ?? 64,
    },
    indexMetricsSampleIntervalMs:
      field(env, 'INDEX_METRICS_SAMPLE_INTERVAL_MS', wholeNumber(0, 86_400_000)) ?? 3_600_000,
    costReportSchedule: field(env, 'COST_REPORT_SCHEDULE', ncrontab) ?? '0 30 0 * * *',
    costRates: {
      serverlessPerMillionRu: field(env, 'COST_USD_PER_MILLION_RU', price) ?? 0.25,
      provisionedPer100RuHour: field(env, 'COST_USD_PER_100_RU_PER_HOUR', price) ?? 0.008,
      autoscalePer100RuHour: field(env, 'COST_USD_PER_100_AUTOSCALE_RU_PER_HOUR', price) ?? 0.012,
    },
    throughput: {
      mode:
        field(
          env,
          'COSMOS_THROUGHPUT_MODE',
          z.enum(['serverless', 'provisioned', 'autoscale'], {
            error: 'expected serverless, provisioned or autoscale',
          }),
        ) ?? 'serverless',
      ruPerSecond: field(env, 'COSMOS_THROUGHPUT_RU', wholeNumber(100, 10_000_000)),
    },
    applicationInsightsConnectionString: field(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING', z.string()),
    applicationInsightsAuthenticationString: field(
      env,
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
      z.string().regex(/^Authorization=AAD(;ClientId=[0-9a-fA-F-]{36})?$/i, {
        error: 'expected Authorization=AAD or Authorization=AAD;ClientId=<client id>',
      }),
    ),
    azureWebJobsStorage: field(env, 'AzureWebJobsStorage', z.string()),
    storageIdentity: {
      blobServiceUri: field(
        env,
        'AzureWebJobsStorage__blobServiceUri',
        z.url({ protocol: /^https?$/, error: 'expected an https:// URL' }),
      ),
      clientId: field(env, 'AzureWebJobsStorage__clientId', z.string().min(1)),
    },
  };
}

let processSettings: Settings | undefined;

/** The settings of this process, parsed once from process.env on first use. */
export function getSettings(): Settings {
  processSettings ??= loadSettings();
  return processSettings;
}

/** Forgets the parsed process settings so the next getSettings() reads process.env again (tests, runner restarts). */
export function resetSettings(): void {
  processSettings = undefined;
}
