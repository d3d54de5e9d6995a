import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../auth/authenticate';
import { isValidUserId, parseRoles, type Principal } from '../auth/principal';
import type { Settings } from '../config/settings';

/** GET /dashboard query: the dev-mode identity (a browser cannot add headers to a page it opens) and the poll period. */
export const DashboardQuery = z.object({
  user: z.string().optional().meta({
    description:
      'AUTH_MODE=dev only: the caller, as x-ms-client-principal-id would say; the page sends it on as that header.',
    example: 'ops',
  }),
  roles: z.string().optional().meta({
    description: 'AUTH_MODE=dev only: comma-separated roles, as x-ms-client-principal-roles would say.',
    example: 'admin',
  }),
  refresh: z.coerce.number().int().min(1).max(300).optional().meta({
    description: 'Seconds between two polls of /api/metrics (default 5; the reports every 60).',
  }),
});

/**
 * The caller of a dashboard request: whoever AUTH_MODE says, and in dev mode also the identity in the
 * address (?user=&roles=), since an operator opens the page by typing an address and a browser cannot add
 * the dev headers to that. Dev mode trusts any header anyway and refuses to start in Azure, so the query
 * grants nothing the headers do not; in easyauth and jwt it is ignored.
 */
export async function dashboardPrincipal(
  request: HttpRequest,
  settings: Settings,
): Promise<Principal | undefined> {
  const principal = await authenticate(request, settings);
  if (principal || settings.authMode !== 'dev') return principal;
  const userId = request.query.get('user')?.trim();
  if (!userId || !isValidUserId(userId)) return undefined;
  return { userId, roles: parseRoles(request.query.get('roles')) };
}

/** True when the client names text/html in Accept (q > 0): a browser opening the page, not an API client. */
export function acceptsHtml(accept: string | null): boolean {
  return (accept ?? '').split(',').some((range) => {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    return type === 'text/html' && !parameters.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}
