// How an operator gets into the dashboard in Azure, in real Chromium against the real app: with
// AUTH_MODE=jwt the browser cannot send a bearer token when it opens an address, so the page arrives under
// 401 with a token field, keeps the pasted token in the tab (sessionStorage) and sends it on every fetch;
// with AUTH_MODE=easyauth the platform adds the principal headers to every request of a signed-in session
// (simulated here with the context's extra headers), so the page and its fetches just work.
import type { Browser } from 'playwright-core';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { DESKTOP, figure, launchChromium, waitUntilReady, watchPage } from './browser';
import { startTokenIssuer, TOKEN_AUDIENCE, TOKEN_ISSUER, type TokenIssuer } from './tokenIssuer';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('AUTH_MODE=jwt', () => {
  let api: ApiUnderTest;
  let issuer: TokenIssuer;

  beforeAll(async () => {
    issuer = await startTokenIssuer();
    api = await startApi({
      AUTH_MODE: 'jwt',
      JWT_ISSUER: TOKEN_ISSUER,
      JWT_AUDIENCE: TOKEN_AUDIENCE,
      JWT_JWKS_URI: issuer.jwksUri,
    });
  });

  afterAll(async () => {
    await api?.close();
    await issuer?.close();
  });

  test('the operator pastes a token: without the admin role it is refused, with it the figures show and survive a reload', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const problems = watchPage(page, new URL(api.url).origin);
    const sentAuthorization: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/metrics'))
        sentAuthorization.push(request.headers().authorization ?? '');
    });

    const opened = await page.goto(`${api.url}/api/dashboard`);
    expect(opened?.status()).toBe(401);
    await page.waitForSelector('#sign-in-jwt:not([hidden])');
    expect(await page.locator('#sign-in-reason').textContent()).toBe('Paste an access token to begin.');
    expect(await page.locator('#content').isHidden()).toBe(true);

    await page.fill('#sign-in-jwt textarea', await issuer.token({ sub: 'someone' }));
    await page.click('#sign-in-jwt button[type="submit"]');
    // A locator, not a string predicate: the page's CSP forbids the eval Playwright would need for one.
    await page.locator('#sign-in-reason', { hasText: /^Signed in, but without/ }).waitFor();
    expect(await page.locator('#content').isHidden()).toBe(true);

    const adminToken = await issuer.token({ sub: 'ops', roles: ['admin'] });
    await page.fill('#sign-in-jwt textarea', `Bearer ${adminToken}`);
    await page.click('#sign-in-jwt button[type="submit"]');
    await waitUntilReady(page);
    expect(await figure(page, 'requests.total')).toMatch(/^\d+$/);
    expect(sentAuthorization.at(-1)).toBe(`Bearer ${adminToken}`);

    // The token lives in the tab: a reload opens the page (still 401: the address carries no token) and
    // the page signs itself in again.
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(401);
    await waitUntilReady(page);
    expect(await page.locator('#content').isVisible()).toBe(true);

    await page.click('#sign-out');
    await page.waitForSelector('#sign-in-jwt:not([hidden])');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(problems.list()).toEqual([]);
    await page.close();
  });

  test('an API client with an admin token gets the page itself (200)', async () => {
    const token = await issuer.token({ sub: 'ops', roles: ['admin'] });
    const response = await fetch(`${api.url}/api/dashboard`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });
});

describe('AUTH_MODE=easyauth', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi({ AUTH_MODE: 'easyauth' });
  });

  afterAll(async () => {
    await api?.close();
  });

  const principal = (roles: string[]) =>
    Buffer.from(
      JSON.stringify({ auth_typ: 'aad', claims: roles.map((val) => ({ typ: 'roles', val })) }),
    ).toString('base64');

  test('a signed-in session (the platform adds the principal headers) sees the figures', async () => {
    const context = await browser.newContext({
      viewport: DESKTOP,
      extraHTTPHeaders: { 'x-ms-client-principal-id': 'ops', 'x-ms-client-principal': principal(['admin']) },
    });
    const page = await context.newPage();
    const problems = watchPage(page, new URL(api.url).origin);
    const opened = await page.goto(`${api.url}/api/dashboard`);
    expect(opened?.status()).toBe(200);
    await waitUntilReady(page);
    expect(await figure(page, 'requests.total')).toMatch(/^\d+$/);
    expect(problems.list()).toEqual([]);
    await context.close();
  });

  test('the dev-mode identity in the address grants nothing here', async () => {
    const response = await fetch(`${api.url}/api/dashboard?user=ops&roles=admin`);
    expect(response.status).toBe(401);
  });

  test('no session: 401 and a link to App Service sign-in that comes back to the page', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const opened = await page.goto(`${api.url}/api/dashboard`);
    expect(opened?.status()).toBe(401);
    await page.waitForSelector('#sign-in-easyauth:not([hidden])');
    expect(await page.getAttribute('#easyauth-login', 'href')).toBe(
      '/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fdashboard',
    );
    await page.close();
  });
});
