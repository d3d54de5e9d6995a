import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { authenticate } from '../shared/auth/authenticate';
import { ADMIN_ROLE } from '../shared/auth/principal';
import { getSettings, type Settings } from '../shared/config/settings';
import { forbidden, unauthenticated } from '../shared/errors/requestErrors';
import { problemFor } from '../shared/http/apiRoute';
import { MetricsSnapshot } from '../shared/metrics/metricsSnapshot';
import { metricsSnapshot, startMetricsCollection } from '../shared/metrics/processMetrics';
import { invocationLogger } from '../shared/telemetry/logger';
import { httpFunction, type FunctionDefinition } from './functionDefinition';

/** GET /api/metrics: this instance's live figures, for admins; never cached (they change every request). */
async function getMetrics(request: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> {
  try {
    const settings = getSettings();
    // Operations data, not the caller's own: the admin role, and no document store call is made.
    const principal = await authenticate(request, settings);
    if (!principal) throw unauthenticated();
    if (!principal.roles.includes(ADMIN_ROLE)) throw forbidden(ADMIN_ROLE);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      jsonBody: await metricsSnapshot(settings),
    };
  } catch (error) {
    return problemFor(error, invocationLogger(invocation));
  }
}

/** The metrics route; building it starts this process's collection (once), so every request is counted. */
export function metricsFunctions(settings: Settings): FunctionDefinition[] {
  startMetricsCollection(settings);
  return [
    httpFunction('metrics', 'GET', 'metrics', getMetrics, {
      summary:
        "This instance's live figures (admin): requests and latency percentiles per route, a 30-minute " +
        'timeline, RU by container and query shape, cache, resilience, breaker and health history',
      access: 'admin',
      success: { status: 200, description: 'The live figures of this instance.', schema: MetricsSnapshot },
      errors: [],
    }),
  ];
}
