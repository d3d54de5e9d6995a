import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  applyLocalSettings,
  LocalSettingsError,
  readRoutePrefix,
} from '../../tools/local-runner/localSettings';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-localsettings-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: unknown): void =>
  fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));

describe('local.settings.json', () => {
  it('copies Values into the environment without overriding what is already set', () => {
    write('local.settings.json', {
      IsEncrypted: false,
      Values: {
        PORT: '7999',
        DATA_BACKEND: 'local',
        LOG_LEVEL: 'debug',
        FUNCTIONS_WORKER_RUNTIME: 'node',
        RETRIES: 3,
      },
      Host: { LocalHttpPort: 7071 },
    });
    const env: Record<string, string | undefined> = { PORT: '0' };
    const applied = applyLocalSettings(dir, env);
    expect(env).toEqual({
      PORT: '0',
      DATA_BACKEND: 'local',
      LOG_LEVEL: 'debug',
      FUNCTIONS_WORKER_RUNTIME: 'node',
      RETRIES: '3',
    });
    expect(applied.sort()).toEqual(['DATA_BACKEND', 'FUNCTIONS_WORKER_RUNTIME', 'LOG_LEVEL', 'RETRIES']);
  });

  it('is optional', () => {
    const env = {};
    expect(applyLocalSettings(dir, env)).toEqual([]);
    expect(env).toEqual({});
  });

  it.each([
    ['{ "Values": { "PORT": "1" ', /local\.settings\.json is not valid JSON/],
    [{ IsEncrypted: true, Values: {} }, /encrypted/],
    [{ Values: ['PORT=1'] }, /"Values" must be an object/],
    [{ Values: { NESTED: { a: 1 } } }, /"Values\.NESTED" must be a string/],
    ['[1]', /must be a JSON object/],
  ])('refuses a malformed file with one clear message (%#)', (content, message) => {
    write('local.settings.json', content);
    expect(() => applyLocalSettings(dir, {})).toThrow(LocalSettingsError);
    expect(() => applyLocalSettings(dir, {})).toThrow(message);
  });
});

describe('host.json route prefix', () => {
  it('defaults to "api" and reads extensions.http.routePrefix', () => {
    expect(readRoutePrefix(dir)).toBe('api');
    write('host.json', { version: '2.0' });
    expect(readRoutePrefix(dir)).toBe('api');
    write('host.json', { version: '2.0', extensions: { http: { routePrefix: '/v1/' } } });
    expect(readRoutePrefix(dir)).toBe('v1');
    write('host.json', { version: '2.0', extensions: { http: { routePrefix: '' } } });
    expect(readRoutePrefix(dir)).toBe('');
  });

  it("matches the repository's host.json", () => {
    expect(readRoutePrefix(path.resolve(__dirname, '..', '..'))).toBe('api');
  });
});
