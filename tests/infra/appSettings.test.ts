// The three lists of settings stay in step: what the code reads (SETTING_NAMES), what the sample documents
// (local.settings.sample.json) and what Azure gets (the function app's appsettings in infra/modules/api.bicep),
// and the app starts with what Azure gets.
import fs from 'node:fs';
import path from 'node:path';
import { loadSettings, SETTING_NAMES, SettingsError } from '../../shared/config/settings';
import { childObject, readBicep, resources, topLevelEntries } from './bicepSource';

// Read by the app but deliberately not set in Azure; each would be wrong or meaningless there.
const LOCAL_ONLY = new Map<string, string>([
  ['PORT', 'the local runner only; the Functions host owns the port in Azure'],
  ['DATA_DIR', 'the embedded local store only; Azure runs on Cosmos DB (DATA_BACKEND=cosmos)'],
  ['LOCAL_STORE_SYNC', 'the embedded local store only'],
  ['COSMOS_KEY', 'refused by the app in Azure; the managed identity reaches Cosmos DB (local auth is off)'],
  ['COSMOS_ALLOW_INSECURE_TLS', 'accepted only for a loopback endpoint (emulators)'],
  [
    'AzureWebJobsStorage',
    'a connection string needs a shared key, which the storage account refuses; identity-based __ settings instead',
  ],
  // Documented in the sample as a host setting, not read by the app.
  [
    'FUNCTIONS_WORKER_RUNTIME',
    'Flex Consumption takes the language from functionAppConfig.runtime and refuses it',
  ],
]);

// Set in Azure for the Functions host or an SDK, not read through shared/config/settings.ts.
const HOST_AND_SDK = new Map<string, string>([
  ['AzureWebJobsStorage__credential', 'Functions host: use the managed identity named by __clientId'],
  ['AZURE_CLIENT_ID', '@azure/identity: which user-assigned identity DefaultAzureCredential uses'],
]);

// Where Azure deliberately differs from the sample's (laptop) value.
const AZURE_VALUES = new Map<string, string>([
  ['DATA_BACKEND', 'cosmos, never the embedded store'],
  ['COSMOS_PROVISIONING', 'verify: Bicep owns the containers'],
]);

// Stand-ins for settings whose Bicep value is an expression (a parameter or another resource's property).
const EXPRESSION_VALUES: Record<string, string> = {
  AzureWebJobsStorage__blobServiceUri: 'https://stexample.blob.core.windows.net/',
  AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000002',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
    'Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000001',
  AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
  COSMOS_ENDPOINT: 'https://cosmos-example.documents.azure.com:443/',
  COSMOS_DATABASE: 'lifetracker',
  COSMOS_THROUGHPUT_MODE: 'serverless',
  COSMOS_THROUGHPUT_RU: '',
};

const sample = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'local.settings.sample.json'), 'utf8'),
) as { Values: Record<string, string> };

const api = readBicep('modules/api.bicep');
const appSettingsResource = resources(api).find(
  (r) => topLevelEntries(r.body).get('name') === "'appsettings'",
);
const bicepSettings = topLevelEntries(childObject(appSettingsResource!.body, 'properties')!);
const authModes =
  /@allowed\(\[([^\]]*)\]\)\nparam authMode/.exec(api.withStrings)?.[1].match(/'(\w+)'/g) ?? [];

/** The value Azure gets: the literal, or for an expression its stand-in; `mode` fills AUTH_MODE and JWT_*. */
function azureEnvironment(mode: string): Record<string, string> {
  const env: Record<string, string> = { WEBSITE_INSTANCE_ID: 'stand-in-for-azure' };
  for (const [name, source] of bicepSettings) {
    const literal = /^'([^'$]*)'$/.exec(source);
    if (literal) env[name] = literal[1];
    else if (name === 'AUTH_MODE') env[name] = mode;
    else if (name.startsWith('JWT_')) env[name] = mode === 'jwt' ? `https://login.example.com/${name}` : '';
    else if (name in EXPRESSION_VALUES) env[name] = EXPRESSION_VALUES[name];
    else throw new Error(`${name} = ${source}: add a stand-in value to EXPRESSION_VALUES`);
  }
  return env;
}

test('the checker found the function app settings', () => {
  expect(appSettingsResource).toBeDefined();
  expect(bicepSettings.size).toBeGreaterThan(30);
  expect(bicepSettings.get('DATA_BACKEND')).toBe("'cosmos'");
});

test('every setting the app reads is set in Azure, unless it is local-only (listed with the reason)', () => {
  const missing = SETTING_NAMES.filter((name) => !bicepSettings.has(name) && !LOCAL_ONLY.has(name));
  expect(missing).toEqual([]);
});

test('every setting Azure gets is one the app reads, or one the host or an SDK reads (listed with the reason)', () => {
  const known = new Set<string>(SETTING_NAMES);
  const unread = [...bicepSettings.keys()].filter((name) => !known.has(name) && !HOST_AND_SDK.has(name));
  expect(unread).toEqual([]);
});

test('every setting the sample documents is set in Azure, unless it is local-only', () => {
  const missing = Object.keys(sample.Values).filter(
    (name) => !bicepSettings.has(name) && !LOCAL_ONLY.has(name),
  );
  expect(missing).toEqual([]);
});

test('the exception lists are exact: no stale entry hides a setting', () => {
  const known = new Set<string>([...SETTING_NAMES, ...Object.keys(sample.Values)]);
  for (const name of LOCAL_ONLY.keys()) {
    expect({ name, inCodeOrSample: known.has(name), inAzure: bicepSettings.has(name) }).toEqual({
      name,
      inCodeOrSample: true,
      inAzure: false,
    });
  }
  for (const name of HOST_AND_SDK.keys()) {
    expect({ name, readByApp: known.has(name), inAzure: bicepSettings.has(name) }).toEqual({
      name,
      readByApp: false,
      inAzure: true,
    });
  }
});

test('fixed values in Azure are the sample defaults, except the documented Azure choices', () => {
  for (const [name, source] of bicepSettings) {
    const literal = /^'([^'$]*)'$/.exec(source)?.[1];
    if (literal === undefined || !(name in sample.Values)) continue;
    if (AZURE_VALUES.has(name))
      expect({ name, differs: literal !== sample.Values[name] }).toEqual({ name, differs: true });
    else expect({ name, value: literal }).toEqual({ name, value: sample.Values[name] });
  }
});

test('AUTH_MODE in Azure is easyauth or jwt, never dev', () => {
  expect(bicepSettings.get('AUTH_MODE')).toBe('authMode');
  expect(authModes.map((m) => m.replace(/'/g, '')).sort()).toEqual(['easyauth', 'jwt']);
});

// A Bicep setting name under the app's own prefixes (AzureWebJobsStorage__, COSMOS_, ...) that is not in
// SETTING_NAMES stops the app at start-up ("Unknown setting", the typo guard), unless it is one the host
// reads (HOST_SETTING_NAMES, e.g. AzureWebJobsStorage__credential=managedidentity for a user-assigned
// identity). Nothing the templates set may be refused: the list stays empty.
const REFUSED_UNTIL_SETTINGS_ACCEPT_HOST_NAMES: string[] = [];

function startUpRefusals(env: Record<string, string>): string[] {
  const refused: string[] = [];
  const remaining = { ...env };
  for (;;) {
    try {
      loadSettings(remaining);
      return refused;
    } catch (error) {
      if (!(error instanceof SettingsError) || refused.includes(error.setting)) throw error;
      refused.push(error.setting);
      delete remaining[error.setting];
    }
  }
}

test.each(['easyauth', 'jwt'])(
  'the app starts with the Azure settings in %s mode (but for the known blocker)',
  (mode) => {
    const env = azureEnvironment(mode);
    expect(startUpRefusals(env)).toEqual(REFUSED_UNTIL_SETTINGS_ACCEPT_HOST_NAMES);
    for (const name of REFUSED_UNTIL_SETTINGS_ACCEPT_HOST_NAMES) delete env[name];
    const settings = loadSettings(env);
    expect(settings).toMatchObject({
      runningInAzure: true,
      dataBackend: 'cosmos',
      authMode: mode,
      cosmos: { provisioning: 'verify', key: undefined, keyVaultUri: undefined },
      storageIdentity: { blobServiceUri: EXPRESSION_VALUES.AzureWebJobsStorage__blobServiceUri },
    });
    expect(settings.jwt === undefined).toBe(mode !== 'jwt');
  },
);
