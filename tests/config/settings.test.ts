import path from 'node:path';
import { loadSettings, SettingsError } from '../../shared/config/settings';

function failure(env: Record<string, string>): SettingsError {
  try {
    loadSettings(env, '/srv/app');
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

test('with nothing set the app runs locally on the embedded store with documented defaults', () => {
  const settings = loadSettings({}, '/srv/app');
  expect(settings).toMatchObject({
    port: 7071,
    dataBackend: 'local',
    dataDir: path.resolve('/srv/app', '.data'),
    authMode: 'dev',
    healthCheckSchedule: '0 */5 * * * *',
    localStore: { sync: 'normal' },
    cosmos: { database: 'lifetracker', provisioning: 'verify', allowInsecureTls: false },
  });
});

test('a Cosmos endpoint alone selects the cosmos backend; DATA_BACKEND wins when set', () => {
  expect(loadSettings({ COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/' }).dataBackend).toBe(
    'cosmos',
  );
  expect(
    loadSettings({ COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/', DATA_BACKEND: 'local' })
      .dataBackend,
  ).toBe('local');
});

test('DATA_BACKEND=cosmos without an endpoint stops start-up instead of falling back', () => {
  expect(failure({ DATA_BACKEND: 'cosmos' }).message).toBe(
    'Missing setting COSMOS_ENDPOINT: DATA_BACKEND=cosmos needs it',
  );
});

test.each([
  [{ PORT: 'abc' }, 'PORT', /^Invalid setting PORT="abc": /],
  [
    { DATA_BACKEND: 'mongo' },
    'DATA_BACKEND',
    /^Invalid setting DATA_BACKEND="mongo": expected "cosmos" or "local"$/,
  ],
  [{ COSMOS_ENDPOINT: 'not a url' }, 'COSMOS_ENDPOINT', /^Invalid setting COSMOS_ENDPOINT="not a url"/],
  [{ AUTH_MODE: 'none' }, 'AUTH_MODE', /^Invalid setting AUTH_MODE="none"/],
  [{ LOCAL_STORE_SYNC: 'off' }, 'LOCAL_STORE_SYNC', /^Invalid setting LOCAL_STORE_SYNC="off"/],
  [{ HEALTH_CHECK_SCHEDULE: '*/5 * * * *' }, 'HEALTH_CHECK_SCHEDULE', /six-field NCRONTAB/],
  [
    { COSMOS_ENDPIONT: 'https://x' },
    'COSMOS_ENDPIONT',
    /^Unknown setting COSMOS_ENDPIONT \(did you mean COSMOS_ENDPOINT\?\)$/,
  ],
  [{ DATA_DIRECTORY: '/x' }, 'DATA_DIRECTORY', /^Unknown setting DATA_DIRECTORY/],
])('a malformed or unknown setting stops start-up with one line naming it: %j', (env, name, message) => {
  const error = failure(env);
  expect(error.setting).toBe(name);
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain('\n');
});

test('insecure TLS is accepted only for a loopback endpoint', () => {
  expect(
    loadSettings({ COSMOS_ENDPOINT: 'https://127.0.0.1:8081/', COSMOS_ALLOW_INSECURE_TLS: 'true' }).cosmos,
  ).toMatchObject({ allowInsecureTls: true, provisioning: 'create' });
  expect(
    failure({ COSMOS_ENDPOINT: 'https://acct.documents.azure.com/', COSMOS_ALLOW_INSECURE_TLS: 'true' })
      .setting,
  ).toBe('COSMOS_ALLOW_INSECURE_TLS');
});

test('in Azure, dev auth and a raw key are refused and AUTH_MODE must be explicit', () => {
  const azure = { WEBSITE_INSTANCE_ID: 'abc', COSMOS_ENDPOINT: 'https://acct.documents.azure.com/' };
  expect(failure(azure).setting).toBe('AUTH_MODE');
  expect(failure({ ...azure, AUTH_MODE: 'dev' }).message).toContain('refused when running in Azure');
  expect(failure({ ...azure, AUTH_MODE: 'easyauth', COSMOS_KEY: 'k' }).setting).toBe('COSMOS_KEY');
  expect(loadSettings({ ...azure, AUTH_MODE: 'easyauth' })).toMatchObject({
    runningInAzure: true,
    dataBackend: 'cosmos',
  });
});

test('Key Vault settings go together', () => {
  expect(failure({ COSMOS_KEY_SECRET_NAME: 'cosmos-key' }).setting).toBe('KEY_VAULT_URI');
  expect(failure({ KEY_VAULT_URI: 'https://kv.vault.azure.net/' }).setting).toBe('COSMOS_KEY_SECRET_NAME');
});

test('a secret value never appears in an error line', () => {
  const secret = 'c2VjcmV0LWtleS12YWx1ZQ==';
  const error = failure({ COSMOS_KEY: secret, WEBSITE_INSTANCE_ID: 'x', AUTH_MODE: 'jwt' });
  expect(error.message).not.toContain(secret);
});

test('AUTH_MODE=jwt needs its issuer, audience and JWKS address', () => {
  expect(failure({ AUTH_MODE: 'jwt' }).message).toBe('Missing setting JWT_ISSUER: AUTH_MODE=jwt needs it');
  expect(
    failure({ AUTH_MODE: 'jwt', JWT_ISSUER: 'https://issuer', JWT_AUDIENCE: 'api://lifetracker' }).setting,
  ).toBe('JWT_JWKS_URI');
  const jwt = {
    AUTH_MODE: 'jwt',
    JWT_ISSUER: 'https://issuer',
    JWT_AUDIENCE: 'api://lifetracker',
    JWT_JWKS_URI: 'https://issuer/keys',
  };
  expect(loadSettings(jwt).jwt).toEqual({
    issuer: 'https://issuer',
    audience: 'api://lifetracker',
    jwksUri: 'https://issuer/keys',
  });
});

describe('names the Functions host reads', () => {
  it('tolerates identity-based host storage settings under the owned prefix, and still catches typos there', () => {
    const env = {
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__accountName: 'acct',
    };
    expect(() => loadSettings(env)).not.toThrow();
    expect(() => loadSettings({ AzureWebJobsStorage__credentail: 'managedidentity' })).toThrow(
      /Unknown setting AzureWebJobsStorage__credentail/,
    );
  });
});
