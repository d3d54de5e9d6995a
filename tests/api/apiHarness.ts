// The API end to end: the real function table served by the local runner in this process, over real
// HTTP, on a fresh embedded store. Callers pick who they are with the dev-mode identity headers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resetSettings } from '../../shared/config/settings';
import { loadEntryModule, type LoadedEntry } from '../../tools/local-runner/entryModule';
import { startLocalRunner, type LocalRunner } from '../../tools/local-runner/runner';
import { bundledEntry } from '../../tools/package/packageLayout';
import { jestEntryLoader } from '../helpers/jestEntryLoader';

export type Body = Record<string, unknown>;

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body ({} when there is none). */
  body: Body;
  text: string;
}

export interface RequestOptions {
  /** Sent as JSON unless `raw` is given. */
  json?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ApiClient {
  request(method: string, pathAndQuery: string, options?: RequestOptions): Promise<ApiResponse>;
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<ApiResponse>;
  post(pathAndQuery: string, json?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  put(pathAndQuery: string, json?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  patch(pathAndQuery: string, json?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  delete(pathAndQuery: string, headers?: Record<string, string>): Promise<ApiResponse>;
}

export interface ApiUnderTest {
  url: string;
  dataDir: string;
  /** A client calling as this user (dev-mode identity headers). */
  as(userId: string, roles?: string[]): ApiClient;
  /** A client with no identity. */
  anonymous: ApiClient;
  close(): Promise<void>;
}

const OWNED = /^(COSMOS_|DATA_|AUTH_|JWT_|LOCAL_STORE_|HEALTH_CHECK_|KEY_VAULT_|WEBSITE_INSTANCE_ID$)/;

/**
 * With LT_TEST_FUNCTION_TABLE=bundle (npm run test:bundle) the runner serves the deployment bundle's
 * functions instead of the source table: the bundle is loaded fresh, registering through the Functions
 * worker's API as under the host, and its appStart/appTerminate hooks run as the host runs them.
 * LT_TEST_BUNDLE names another bundle.
 */
function bundleUnderTest(): LoadedEntry | undefined {
  if (process.env.LT_TEST_FUNCTION_TABLE !== 'bundle') return undefined;
  const bundle = process.env.LT_TEST_BUNDLE ?? bundledEntry(path.resolve(__dirname, '..', '..'));
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} does not exist: build it with npm run package`);
  return loadEntryModule(bundle, jestEntryLoader);
}

function client(url: string, identity: Record<string, string>): ApiClient {
  const request = async (method: string, pathAndQuery: string, options: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...identity, ...options.headers };
    let body: string | Buffer | undefined = options.raw;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${url}/api/${pathAndQuery.replace(/^\//, '')}`, { method, headers, body });
    const text = await response.text();
    let parsed: Body;
    try {
      parsed = text ? (JSON.parse(text) as Body) : {};
    } catch {
      parsed = {};
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  return {
    request,
    get: (p, headers) => request('GET', p, { headers }),
    post: (p, json, headers) => request('POST', p, { json, headers }),
    put: (p, json, headers) => request('PUT', p, { json, headers }),
    patch: (p, json, headers) => request('PATCH', p, { json, headers }),
    delete: (p, headers) => request('DELETE', p, { headers }),
  };
}

/** Starts the whole API on a fresh local store (AUTH_MODE=dev unless env says otherwise). */
export async function startApi(env: Record<string, string> = {}): Promise<ApiUnderTest> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-api-'));
  for (const name of Object.keys(process.env)) if (OWNED.test(name)) delete process.env[name];
  Object.assign(process.env, {
    DATA_BACKEND: 'local',
    DATA_DIR: dataDir,
    AUTH_MODE: 'dev',
    LOG_LEVEL: 'error',
    ...env,
  });
  resetSettings();
  const bundle = bundleUnderTest();
  await bundle?.start();
  const runner: LocalRunner = await startLocalRunner({
    port: 0,
    write: () => undefined,
    functions: bundle?.functions,
  });
  return {
    url: runner.url,
    dataDir,
    as: (userId, roles = []) =>
      client(runner.url, {
        'x-ms-client-principal-id': userId,
        ...(roles.length ? { 'x-ms-client-principal-roles': roles.join(',') } : {}),
      }),
    anonymous: client(runner.url, {}),
    close: async () => {
      await runner.close();
      // The runner disposes the source tree's store; the bundle's own store closes through its hook.
      await bundle?.terminate();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The items of a list response. */
export function itemsOf(response: ApiResponse): Body[] {
  return response.body.items as Body[];
}
