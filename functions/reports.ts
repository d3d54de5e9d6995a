import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { ADMIN_ROLE } from '../shared/auth/principal';
import { getSettings } from '../shared/config/settings';
import { forbidden, unauthenticated } from '../shared/errors/requestErrors';
import { problemFor } from '../shared/http/apiRoute';
import { validate } from '../shared/http/requestBody';
import { queryObject } from '../shared/http/routeParameters';
import { StoredHealthReportSchema } from '../shared/reports/healthReportSchema';
import { latestReport, type ReportKind, type ReportRendering } from '../shared/reports/reportStore';
import { reportNotFound } from '../shared/reports/reportStoreErrors';
import { asAppError } from '../shared/http/problemResponse';
import { invocationLogger } from '../shared/telemetry/logger';
import { httpFunction, type FunctionDefinition } from './functionDefinition';

/** GET /reports/{kind}/latest query: which rendering to return (default JSON, or what Accept asks for). */
export const LatestReportQuery = z.object({
  format: z.enum(['json', 'markdown']).optional().meta({
    description: 'json (default) or markdown; without it, Accept: text/markdown also selects Markdown.',
  }),
});

// The cost report's fields belong to the cost report (shared/reports/costReport*); the route serves the
// stored JSON as it is.
const CostReportBody = z
  .looseObject({})
  .meta({ id: 'CostReport', description: 'The daily RU cost report, as the cost-report timer stored it.' });

/** Markdown when Accept names text/markdown (q > 0) ahead of any JSON type; JSON otherwise. */
export function renderingFromAccept(accept: string | null): ReportRendering {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const refused = parameters.some((p) => /^q=0(\.0*)?$/.test(p));
    if (refused) continue;
    if (type === 'text/markdown') return 'markdown';
    if (type === 'application/json' || type === 'application/*') return 'json';
  }
  return 'json';
}

/** A problem response; the not-configured 503 keeps its detail, which names the setting to set. */
function reportProblem(error: unknown, log: Parameters<typeof problemFor>[1]): HttpResponseInit {
  const response = problemFor(error, log);
  const appError = asAppError(error);
  if (appError.code === 'REPORTS_STORAGE_NOT_CONFIGURED') {
    // problemResponse gives every 503 a generic detail, since 5xx messages may carry internals; this one
    // is written by us and carries none, and without it an operator cannot tell what to fix.
    response.jsonBody = { ...(response.jsonBody as Record<string, unknown>), detail: appError.message };
  }
  return response;
}

/** GET /reports/{kind}/latest: the newest stored report of the kind, for admins; JSON or Markdown. */
function latestReportHandler(kind: ReportKind): HttpHandler {
  return async (request: HttpRequest, invocation) => {
    const log = invocationLogger(invocation);
    try {
      // Operations data, not the caller's own: the admin role, and no document store needed.
      const principal = await authenticate(request, getSettings());
      if (!principal) throw unauthenticated();
      if (!principal.roles.includes(ADMIN_ROLE)) throw forbidden(ADMIN_ROLE);
      const { format } = validate(LatestReportQuery, queryObject(request));
      const rendering = format ?? renderingFromAccept(request.headers.get('accept'));
      const report = await latestReport(kind, rendering);
      if (!report) throw reportNotFound(kind);
      return {
        status: 200,
        headers: {
          'content-type': report.contentType,
          'cache-control': 'no-store',
          vary: 'Accept',
          ...(report.lastModified ? { 'last-modified': report.lastModified.toUTCString() } : {}),
        },
        body: report.text,
      };
    } catch (error) {
      return reportProblem(error, log);
    }
  };
}

/** The report routes: the newest cost and health reports (admin). */
export function reportFunctions(): FunctionDefinition[] {
  return [
    httpFunction('reportsCostLatest', 'GET', 'reports/cost/latest', latestReportHandler('cost'), {
      summary: 'The newest daily RU cost report (admin); ?format=markdown for its readable rendering',
      access: 'admin',
      query: LatestReportQuery,
      success: { status: 200, description: 'The newest cost report.', schema: CostReportBody },
      errors: [400, 404],
    }),
    httpFunction('reportsHealthLatest', 'GET', 'reports/health/latest', latestReportHandler('health'), {
      summary: 'The newest stored health report (admin); ?format=markdown for its readable rendering',
      access: 'admin',
      query: LatestReportQuery,
      success: { status: 200, description: 'The newest health report.', schema: StoredHealthReportSchema },
      errors: [400, 404],
    }),
  ];
}
