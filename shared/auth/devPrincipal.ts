import type { HttpRequest } from '@azure/functions';
import { isValidUserId, parseRoles, type Principal } from './principal';

/** AUTH_MODE=dev (local only): the caller is whoever x-ms-client-principal-id says, with x-ms-client-principal-roles. */
export function devPrincipal(request: HttpRequest): Principal | undefined {
  const userId = request.headers.get('x-ms-client-principal-id')?.trim();
  if (!userId || !isValidUserId(userId)) return undefined;
  return {
    userId,
    roles: parseRoles(request.headers.get('x-ms-client-principal-roles')),
    name: request.headers.get('x-ms-client-principal-name') ?? undefined,
  };
}
