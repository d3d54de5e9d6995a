import type { HttpRequest } from '@azure/functions';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '../errors/appError';
import { isValidUserId, type Principal } from './principal';

export interface JwtSettings {
  issuer: string;
  audience: string;
  jwksUri: string;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

// One key set per JWKS address for the life of the process: jose caches the keys, refetches when a token
// names an unknown key id (rotation) at most once per cooldown, and so never fetches per request.
const keySets = new Map<string, KeySet>();

function keySetFor(jwksUri: string): KeySet {
  let keySet = keySets.get(jwksUri);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    keySets.set(jwksUri, keySet);
  }
  return keySet;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

function isKeySetUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWKS_TIMEOUT' || (typeof code === 'string' && NETWORK_CODES.has(code))) return true;
  // jose reports a non-200 or unparsable key-set response as a generic error with these messages.
  const message = error instanceof Error ? error.message : '';
  return /JSON Web Key Set HTTP response/.test(message);
}

function identityProviderUnavailable(cause: unknown): AppError {
  return new AppError("The identity provider's signing keys could not be fetched; retry shortly.", {
    code: 'AUTH_UNAVAILABLE',
    category: 'CONNECTION',
    status: 503,
    retryable: true,
    retryAfterMs: 5000,
    cause,
  });
}

function rolesOf(payload: JWTPayload): string[] {
  const roles = payload.roles;
  if (Array.isArray(roles)) return roles.filter((r): r is string => typeof r === 'string');
  return typeof roles === 'string' ? [roles] : [];
}

/** AUTH_MODE=jwt: a bearer token signed by a key of the issuer's JWKS, for the configured issuer and audience. */
export async function jwtPrincipal(
  request: HttpRequest,
  settings: JwtSettings,
): Promise<Principal | undefined> {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+)\s*$/i.exec(header);
  if (!match) return undefined;
  try {
    const { payload } = await jwtVerify(match[1], keySetFor(settings.jwksUri), {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384'],
      clockTolerance: 60,
    });
    // Entra ID access tokens carry the user's object id in oid; sub is pairwise per application.
    const userId = typeof payload.oid === 'string' ? payload.oid : payload.sub;
    if (!userId || !isValidUserId(userId)) return undefined;
    const name = typeof payload.name === 'string' ? payload.name : undefined;
    return { userId, roles: rolesOf(payload), name };
  } catch (error) {
    // The issuer's key set could not be fetched: the token may be fine, we cannot tell. That is an outage
    // (503, retry), not a bad credential; a 401 would make clients throw away a valid sign-in.
    if (isKeySetUnavailable(error)) throw identityProviderUnavailable(error);
    // Expired, wrong issuer or audience, bad signature, unknown key: all mean "not signed in".
    return undefined;
  }
}
