// Identity over real HTTP for each AUTH_MODE. The real API (startApi) shows who the caller became (PUT
// /me answers with the userId the principal mapped to); a tiny probe table served by a second in-process
// runner, through the same userRoute, shows the roles and the 403 of a route that needs the admin role
// (contract v1 has admin routes, but none of them exists yet).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import { httpFunction, type FunctionDefinition } from '../../functions/functionDefinition';
import { ADMIN_ROLE } from '../../shared/auth/principal';
import { userRoute } from '../../shared/http/apiRoute';
import { json } from '../../shared/http/responses';
import {
  makeTempDir,
  removeTempDirs,
  repoRoot,
  spawnRunner,
  startInProcess,
  type InProcessRunner,
} from '../runner/runnerHarness';
import { freePort } from '../helpers/freePort';
import { startApi, type ApiUnderTest, type Body } from './apiHarness';

const probes: FunctionDefinition[] = [
  httpFunction(
    'whoami',
    'GET',
    'whoami',
    userRoute(async ({ principal }) => json(200, principal)),
  ),
  httpFunction(
    'adminProbe',
    'GET',
    'admin-probe',
    userRoute(async () => json(200, { ok: true }), { role: ADMIN_ROLE }),
  ),
];

interface Harness {
  api: ApiUnderTest;
  probe: InProcessRunner;
  /** PUT /me as the caller these headers make; the answer names the userId the principal mapped to. */
  putMe(headers: Record<string, string>): Promise<{ status: number; body: Body }>;
  /** GET on a probe route. */
  callProbe(
    route: 'whoami' | 'admin-probe',
    headers: Record<string, string>,
  ): Promise<{ status: number; body: Body }>;
}

async function startHarness(env: Record<string, string>): Promise<Harness> {
  const api = await startApi(env);
  // Started after startApi set the process environment: userRoute reads AUTH_MODE from it, and both
  // runners share the process's document store.
  const probe = await startInProcess(probes, { logLevel: 'error' });
  const answer = async (response: Response) => {
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Body };
  };
  return {
    api,
    probe,
    putMe: async (headers) =>
      answer(
        await fetch(`${api.url}/api/me`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ displayName: 'Someone' }),
        }),
      ),
    callProbe: async (route, headers) => answer(await fetch(probe.api(route), { headers })),
  };
}

async function stopHarness(harness: Harness | undefined): Promise<void> {
  await harness?.probe.runner.close();
  await harness?.api.close();
  removeTempDirs();
}

const expect401 = (response: { status: number; body: Body }) => {
  expect([response.status, response.body.code]).toEqual([401, 'UNAUTHENTICATED']);
};

describe('AUTH_MODE=dev', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ AUTH_MODE: 'dev' });
  });
  afterAll(async () => stopHarness(h));

  test('the caller is x-ms-client-principal-id; without it, 401', async () => {
    const created = await h.putMe({ 'x-ms-client-principal-id': 'alice@example.com' });
    expect(created.status).toBe(201);
    expect(created.body.userId).toBe('alice@example.com');
    expect401(await h.putMe({}));
    expect401(await h.callProbe('whoami', {}));
  });

  test.each([
    ['empty', ''],
    ['blank', '   '],
    ['with a space', 'has space'],
    ['path-like', '../etc/passwd'],
    ['starting with a dash', '-leading-dash'],
    ['129 characters long', 'x'.repeat(129)],
    ['non-ASCII', 'ünïcode'],
  ])('a user id that cannot be one (%s) is 401', async (_label, userId) => {
    expect401(await h.putMe({ 'x-ms-client-principal-id': userId }));
  });

  test('roles come from x-ms-client-principal-roles (comma-separated, trimmed, empties dropped)', async () => {
    const who = await h.callProbe('whoami', {
      'x-ms-client-principal-id': 'bob',
      'x-ms-client-principal-roles': ' admin , reader,, ',
    });
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ userId: 'bob', roles: ['admin', 'reader'] });
  });

  test('a route that needs the admin role: 403 without it, 200 with it, 401 before either', async () => {
    const forbidden = await h.callProbe('admin-probe', {
      'x-ms-client-principal-id': 'bob',
      'x-ms-client-principal-roles': 'reader,Admin',
    });
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'FORBIDDEN']);
    const allowed = await h.callProbe('admin-probe', {
      'x-ms-client-principal-id': 'bob',
      'x-ms-client-principal-roles': 'admin',
    });
    expect(allowed.status).toBe(200);
    expect401(await h.callProbe('admin-probe', { 'x-ms-client-principal-roles': 'admin' }));
  });
});

test('AUTH_MODE=dev refuses to start when running in Azure (WEBSITE_INSTANCE_ID set)', async () => {
  const runner = spawnRunner(
    {
      AUTH_MODE: 'dev',
      WEBSITE_INSTANCE_ID: 'instance-1',
      DATA_BACKEND: 'local',
      DATA_DIR: makeTempDir(),
      PORT: '0',
    },
    { script: path.join(repoRoot, 'dist', 'tools', 'local-runner', 'main.js') },
  );
  expect((await runner.exited).code).toBe(1);
  expect(runner.stderrText()).toContain(
    'Invalid setting AUTH_MODE="dev": dev mode is refused when running in Azure',
  );
  removeTempDirs();
});

/** The base64 JSON App Service Authentication puts in x-ms-client-principal. */
function clientPrincipal(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

describe('AUTH_MODE=easyauth', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ AUTH_MODE: 'easyauth' });
  });
  afterAll(async () => stopHarness(h));

  const principal = {
    auth_typ: 'aad',
    name_typ: 'name',
    role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
    claims: [
      { typ: 'name', val: 'Carol' },
      { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'admin' },
      { typ: 'roles', val: 'reader' },
      { typ: 'email', val: 'carol@example.com' },
    ],
  };
  const headers = (value: unknown = principal, id = '7f3c9a52-0b7e-4c1e-9f4a-2d1b5c6e8a90') => ({
    'x-ms-client-principal-id': id,
    'x-ms-client-principal': clientPrincipal(value),
  });

  test('the caller is x-ms-client-principal-id; roles and name come from the principal claims', async () => {
    const created = await h.putMe(headers());
    expect(created.status).toBe(201);
    expect(created.body.userId).toBe('7f3c9a52-0b7e-4c1e-9f4a-2d1b5c6e8a90');
    const who = await h.callProbe('whoami', headers());
    expect(who.body).toEqual({
      userId: '7f3c9a52-0b7e-4c1e-9f4a-2d1b5c6e8a90',
      roles: ['admin', 'reader'],
      name: 'Carol',
    });
    expect((await h.callProbe('admin-probe', headers())).status).toBe(200);
  });

  test("the principal's own role claim type (role_typ) is honoured", async () => {
    const custom = { role_typ: 'app_role', claims: [{ typ: 'app_role', val: 'admin' }] };
    expect((await h.callProbe('whoami', headers(custom))).body.roles).toEqual(['admin']);
  });

  test('the dev roles header grants nothing here: 403 on an admin route', async () => {
    const response = await h.callProbe('admin-probe', {
      ...headers({ claims: [] }),
      'x-ms-client-principal-roles': 'admin',
    });
    expect([response.status, response.body.code]).toEqual([403, 'FORBIDDEN']);
  });

  test('a missing, garbled or non-object principal, or a missing or invalid id, is 401', async () => {
    const { 'x-ms-client-principal': encoded, 'x-ms-client-principal-id': id } = headers();
    expect401(await h.putMe({ 'x-ms-client-principal-id': id }));
    expect401(await h.putMe({ 'x-ms-client-principal': encoded }));
    expect401(await h.putMe({ 'x-ms-client-principal-id': 'not valid', 'x-ms-client-principal': encoded }));
    for (const garbled of [
      Buffer.from('{"claims": [').toString('base64'),
      '%%%not-base64%%%',
      clientPrincipal(null),
      clientPrincipal('a string'),
      clientPrincipal([1, 2]),
    ]) {
      expect401(await h.putMe({ 'x-ms-client-principal-id': id, 'x-ms-client-principal': garbled }));
    }
  });

  test('claims that are not {typ, val} objects are skipped, not a server error', async () => {
    const odd = { claims: [null, 'admin', { typ: 'roles' }, { typ: 'roles', val: 'reader' }] };
    const who = await h.callProbe('whoami', headers(odd));
    expect(who.status).toBe(200);
    expect(who.body.roles).toEqual(['reader']);
  });
});

// ---- AUTH_MODE=jwt: a real JWKS endpoint on 127.0.0.1 and tokens signed with jose ----

interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

interface JwksServer {
  url: string;
  /** How many times the key set was fetched. */
  hits(): number;
  keys: JWK[];
  close(): Promise<void>;
}

async function startJwksServer(): Promise<JwksServer> {
  let hits = 0;
  const keys: JWK[] = [];
  const server = http.createServer((request, response) => {
    if (request.url !== '/discovery/keys') {
      response.writeHead(404).end();
      return;
    }
    hits += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/discovery/keys`,
    hits: () => hits,
    keys,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ISSUER = 'https://login.example.test/tenant-1/v2.0';
const AUDIENCE = 'api://lifetracker-data';

interface TokenOptions {
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch. */
  expiresAt?: number;
  kid?: string;
}

async function tokenFor(key: SigningKey, claims: JWTPayload, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? key.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now - 60)
    .setExpirationTime(options.expiresAt ?? now + 600)
    .sign(key.privateKey);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('AUTH_MODE=jwt', () => {
  let h: Harness;
  let jwks: JwksServer;
  let keyA: SigningKey;
  let keyB: SigningKey;
  let stranger: SigningKey;
  beforeAll(async () => {
    [keyA, keyB, stranger] = await Promise.all([
      signingKey('key-a'),
      signingKey('key-b'),
      signingKey('key-x'),
    ]);
    jwks = await startJwksServer();
    jwks.keys.push(keyA.jwk);
    h = await startHarness({
      AUTH_MODE: 'jwt',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_JWKS_URI: jwks.url,
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await stopHarness(h);
    await jwks?.close();
  });

  // The probe routes run the source tree's auth code. Under npm run test:bundle the API is the deployment
  // bundle, whose key-set cache is its own, so a probe fetches the key set once more; the counts below are
  // the API's own fetches.
  let probeFetches = 0;
  const callProbe: Harness['callProbe'] = async (route, headers) => {
    const before = jwks.hits();
    const answer = await h.callProbe(route, headers);
    probeFetches += jwks.hits() - before;
    return answer;
  };
  const apiFetches = () => jwks.hits() - probeFetches;

  // The tests below run in order: the JWKS fetch count and the key-rotation steps build on each other.

  test('a valid token is accepted; the user is its oid claim (Entra ID object id), else sub', async () => {
    expect(apiFetches()).toBe(0);
    const withOid = await h.putMe(bearer(await tokenFor(keyA, { sub: 'pairwise-sub', oid: 'object-id-1' })));
    expect([withOid.status, withOid.body.userId]).toEqual([201, 'object-id-1']);
    const subOnly = await h.putMe(bearer(await tokenFor(keyA, { sub: 'subject-2' })));
    expect([subOnly.status, subOnly.body.userId]).toEqual([201, 'subject-2']);
    expect(apiFetches()).toBe(1);
  });

  test('roles come from the roles claim; an admin route is 403 without admin, 200 with it', async () => {
    const admin = await tokenFor(keyA, { sub: 'dana', roles: ['admin', 'reader'], name: 'Dana' });
    expect((await callProbe('whoami', bearer(admin))).body).toEqual({
      userId: 'dana',
      roles: ['admin', 'reader'],
      name: 'Dana',
    });
    expect((await callProbe('admin-probe', bearer(admin))).status).toBe(200);
    const single = await tokenFor(keyA, { sub: 'dana', roles: 'admin' });
    expect((await callProbe('whoami', bearer(single))).body.roles).toEqual(['admin']);
    const reader = await tokenFor(keyA, { sub: 'erin', roles: ['reader'] });
    const forbidden = await callProbe('admin-probe', bearer(reader));
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'FORBIDDEN']);
  });

  test('the key set is fetched once and cached: 20 more requests, no more fetches', async () => {
    const before = apiFetches();
    for (let i = 0; i < 20; i++) {
      const response = await h.putMe(bearer(await tokenFor(keyA, { sub: `many-${i % 3}` })));
      expect(response.status).toBeLessThan(300);
    }
    expect(apiFetches()).toBe(before);
    expect(before).toBe(1);
  });

  test('expired, wrong issuer, wrong audience, bad signature, unknown key, tampered: 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'frank' };
    const valid = await tokenFor(keyA, claims);
    const [header, payload, signature] = valid.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin-user', iss: ISSUER, aud: AUDIENCE }));
    const rejected = [
      await tokenFor(keyA, claims, { expiresAt: now - 120 }),
      await tokenFor(keyA, claims, { issuer: 'https://evil.example.test/' }),
      await tokenFor(keyA, claims, { audience: 'api://someone-else' }),
      // Signed by a key that is not in the JWKS, claiming to be key-a.
      await tokenFor(stranger, claims, { kid: 'key-a' }),
      // A key id the JWKS does not have.
      await tokenFor(stranger, claims),
      `${header}.${forged.toString('base64url')}.${signature}`,
      `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`,
      // A user id that cannot be one.
      await tokenFor(keyA, { sub: 'has spaces in it' }),
    ];
    for (const token of rejected) expect401(await h.putMe(bearer(token)));
    // Within the clock tolerance (60 s) an expired token still passes; past it, not (above).
    expect(
      (await h.putMe(bearer(await tokenFor(keyA, claims, { expiresAt: now - 30 })))).status,
    ).toBeLessThan(300);
    // Unknown key ids did not make the app refetch the JWKS: it waits out a cooldown between refetches.
    expect(apiFetches()).toBe(1);
  });

  test('an HS256 token (the public key misused as a shared secret) is 401', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(keyA.jwk));
    const token = await new SignJWT({ sub: 'mallory' })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-a' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(secret);
    expect401(await h.putMe(bearer(token)));
  });

  test('no bearer token is 401', async () => {
    const token = await tokenFor(keyA, { sub: 'gina' });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: token },
      { authorization: `Basic ${Buffer.from('gina:pw').toString('base64')}` },
      { authorization: 'Bearer' },
      { authorization: 'Bearer not-a-jwt' },
      // The dev and Easy Auth headers mean nothing in this mode.
      { 'x-ms-client-principal-id': 'gina' },
    ];
    for (const headers of attempts) {
      expect401(await h.putMe(headers));
    }
  });

  test('key rotation: a new key in the JWKS is picked up by a refetch, at most once per cooldown', async () => {
    jwks.keys.push(keyB.jwk);
    const rotated = await tokenFor(keyB, { sub: 'hugo' });
    // Within 30 s of the last fetch an unknown key id does not trigger a refetch (a flood of tokens with
    // random key ids cannot hammer the identity provider), so the new key is not known yet.
    expect401(await h.putMe(bearer(rotated)));
    expect(apiFetches()).toBe(1);

    // Once the cooldown has passed, the unknown key id makes the app refetch the JWKS, once.
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
    expect((await h.putMe(bearer(rotated))).status).toBeLessThan(300);
    expect(apiFetches()).toBe(2);
    for (let i = 0; i < 5; i++) {
      expect((await h.putMe(bearer(await tokenFor(keyB, { sub: 'hugo' })))).status).toBe(200);
      expect((await h.putMe(bearer(await tokenFor(keyA, { sub: 'ivan' })))).status).toBeLessThan(300);
    }
    expect(apiFetches()).toBe(2);
  });
});

describe('AUTH_MODE=jwt with an identity provider that cannot be reached', () => {
  let h: Harness;
  let key: SigningKey;
  beforeAll(async () => {
    key = await signingKey('key-unreachable');
    h = await startHarness({
      AUTH_MODE: 'jwt',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      // Free a moment ago and nobody listens: every key-set fetch is refused.
      JWT_JWKS_URI: `http://127.0.0.1:${await freePort()}/discovery/keys`,
    });
  });
  afterAll(async () => stopHarness(h));

  test('a token is answered 503 with Retry-After (an outage), not 401 (a bad credential)', async () => {
    const response = await fetch(`${h.api.url}/api/me`, {
      headers: bearer(await tokenFor(key, { oid: 'user-unreachable' })),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(((await response.json()) as Body).code).toBe('AUTH_UNAVAILABLE');
  });

  test('no token is still 401', async () => {
    expect401(await h.putMe({}));
  });
});
