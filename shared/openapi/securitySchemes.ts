import { ADMIN_ROLE } from '../auth/principal';
import type { AuthMode } from '../config/settings';
import type { RouteAccess } from '../http/routeDescription';

// How a caller proves who they are, one scheme set per AUTH_MODE. The document defines all of them (so a
// reader sees every mode the API supports), but each operation requires only the running mode's: a client
// of a deployment with AUTH_MODE=jwt must not be told that identity headers would do.

/** A security scheme object as OpenAPI 3.1 writes it (the kinds this API uses). */
export type SecurityScheme =
  | { type: 'http'; scheme: 'bearer'; bearerFormat: string; description: string }
  | { type: 'apiKey'; in: 'header'; name: string; description: string };

/** Scheme names, as they appear under components.securitySchemes. */
export const SECURITY_SCHEMES: Record<string, SecurityScheme> = {
  bearerJwt: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'AUTH_MODE=jwt: an access token signed by a key of the configured issuer (JWKS), for the configured ' +
      'audience. The user is the oid claim (else sub); roles come from the roles claim.',
  },
  appServicePrincipal: {
    type: 'apiKey',
    in: 'header',
    name: 'x-ms-client-principal',
    description:
      'AUTH_MODE=easyauth: set by App Service Authentication after it has signed the caller in (base64 ' +
      'JSON with the claims, roles included). The platform strips client-sent copies; clients do not send it.',
  },
  appServicePrincipalId: {
    type: 'apiKey',
    in: 'header',
    name: 'x-ms-client-principal-id',
    description:
      'AUTH_MODE=easyauth: the signed-in user id, set by App Service Authentication with the above.',
  },
  devPrincipalId: {
    type: 'apiKey',
    in: 'header',
    name: 'x-ms-client-principal-id',
    description:
      'AUTH_MODE=dev (local runs only; refused in Azure): the caller is whoever this header names. Roles ' +
      'are a comma-separated x-ms-client-principal-roles header (e.g. "admin").',
  },
};

/** Every scheme of one AUTH_MODE, all required together (an OpenAPI security requirement object). */
const MODE_SCHEMES: Record<AuthMode, string[]> = {
  jwt: ['bearerJwt'],
  easyauth: ['appServicePrincipal', 'appServicePrincipalId'],
  dev: ['devPrincipalId'],
};

/**
 * An operation's `security`: none for anonymous routes; the running mode's schemes otherwise, naming the
 * admin role for operations routes (OpenAPI 3.1 lets any scheme list the roles it requires).
 */
export function securityFor(access: RouteAccess, authMode: AuthMode): Record<string, string[]>[] {
  if (access === 'anonymous') return [];
  const roles = access === 'admin' ? [ADMIN_ROLE] : [];
  return [Object.fromEntries(MODE_SCHEMES[authMode].map((name) => [name, roles]))];
}
