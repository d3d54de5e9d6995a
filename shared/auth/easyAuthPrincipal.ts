import type { HttpRequest } from '@azure/functions';
import { isValidUserId, type Principal } from './principal';

interface ClientPrincipal {
  auth_typ?: string;
  name_typ?: string;
  role_typ?: string;
  claims?: { typ: string; val: string }[];
}

const ROLE_CLAIMS = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];

/**
 * AUTH_MODE=easyauth: App Service Authentication has validated the caller and passes who they are in
 * x-ms-client-principal-id and the base64 JSON x-ms-client-principal (the platform strips these headers
 * from incoming requests, so a client cannot forge them when Easy Auth is on).
 */
export function easyAuthPrincipal(request: HttpRequest): Principal | undefined {
  const userId = request.headers.get('x-ms-client-principal-id')?.trim();
  const encoded = request.headers.get('x-ms-client-principal');
  if (!userId || !isValidUserId(userId) || !encoded) return undefined;
  let principal: ClientPrincipal;
  try {
    principal = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as ClientPrincipal;
  } catch {
    return undefined;
  }
  // Valid JSON is not yet a principal: null, a string or an array would otherwise fail below as a 500.
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) return undefined;
  const claims = (Array.isArray(principal.claims) ? principal.claims : []).filter(
    (c): c is { typ: string; val: string } =>
      typeof c === 'object' && c !== null && typeof c.typ === 'string' && typeof c.val === 'string',
  );
  const roleTypes = new Set([principal.role_typ, ...ROLE_CLAIMS].filter(Boolean));
  const nameType = principal.name_typ ?? 'name';
  return {
    userId,
    roles: claims.filter((c) => roleTypes.has(c.typ)).map((c) => String(c.val)),
    name:
      claims.find((c) => c.typ === nameType)?.val ??
      request.headers.get('x-ms-client-principal-name') ??
      undefined,
  };
}
