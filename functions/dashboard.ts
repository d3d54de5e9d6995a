import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ADMIN_ROLE } from '../shared/auth/principal';
import { getSettings } from '../shared/config/settings';
import { acceptsHtml, DashboardQuery, dashboardPrincipal } from '../shared/dashboard/dashboardAccess';
import { dashboardPage, type DashboardPage } from '../shared/dashboard/dashboardPage';
import { forbidden, unauthenticated } from '../shared/errors/requestErrors';
import { problemFor } from '../shared/http/apiRoute';
import { validate } from '../shared/http/requestBody';
import { queryObject } from '../shared/http/routeParameters';
import { invocationLogger } from '../shared/telemetry/logger';
import { httpFunction, type FunctionDefinition } from './functionDefinition';

function pageResponse(status: number, page: DashboardPage): HttpResponseInit {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': page.contentSecurityPolicy,
      // The page is the same for everyone, but it is an admin page: no shared cache keeps it.
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      // In dev mode the identity is in the address; it must not leak to another site in a Referer.
      'referrer-policy': 'no-referrer',
    },
    body: page.html,
  };
}

/** GET /dashboard: the live dashboard page for admins (the figures come from /api/metrics and the reports). */
async function getDashboard(request: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> {
  const log = invocationLogger(invocation);
  try {
    const settings = getSettings();
    const principal = await dashboardPrincipal(request, settings);
    if (!principal || !principal.roles.includes(ADMIN_ROLE)) {
      const refusal = principal ? forbidden(ADMIN_ROLE) : unauthenticated();
      if (!acceptsHtml(request.headers.get('accept'))) throw refusal;
      // A browser gets the page under the refusal's status: it holds no figures (each comes from an admin-only
      // API call that is refused just the same), and its sign-in panel is the only way a jwt operator can get
      // in, since a browser cannot send a bearer token when it opens an address.
      return pageResponse(refusal.status, dashboardPage(settings.authMode));
    }
    validate(DashboardQuery, queryObject(request));
    return pageResponse(200, dashboardPage(settings.authMode));
  } catch (error) {
    return problemFor(error, log);
  }
}

/** The dashboard route: GET /dashboard (admin). */
export function dashboardFunctions(): FunctionDefinition[] {
  return [
    httpFunction('dashboard', 'GET', 'dashboard', getDashboard, {
      summary:
        'The live dashboard (admin): one self-contained HTML page (text/html) that polls /metrics and the latest reports',
      access: 'admin',
      query: DashboardQuery,
      success: { status: 200, description: 'The page, text/html; no external resources.' },
      errors: [400],
    }),
  ];
}
