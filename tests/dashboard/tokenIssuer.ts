// A stand-in identity provider for AUTH_MODE=jwt: one RS256 key, its JWKS served on loopback, and tokens
// signed with it, so the dashboard can be opened with a bearer token as an operator would paste one.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';

export const TOKEN_ISSUER = 'https://login.example.test/dashboard-tenant/v2.0';
export const TOKEN_AUDIENCE = 'api://lifetracker-data';

/** The issuer: its JWKS address, a token signer and a stop. */
export interface TokenIssuer {
  jwksUri: string;
  token(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

/** Starts a JWKS endpoint for a fresh key and returns a signer of tokens for TOKEN_ISSUER / TOKEN_AUDIENCE. */
export async function startTokenIssuer(): Promise<TokenIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'dashboard-key', alg: 'RS256', use: 'sig' };
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUri: `http://127.0.0.1:${port}/discovery/keys`,
    token: (claims) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(now - 60)
        .setExpirationTime(now + 600)
        .sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
