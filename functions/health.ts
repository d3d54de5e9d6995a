import type { HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import type { Settings } from '../shared/config/settings';
import { checkHealth } from '../shared/health/checkHealth';
import { HealthReportSchema } from '../shared/openapi/healthReport';
import { storeHealthReport } from '../shared/reports/healthReport';
import { invocationLogger } from '../shared/telemetry/logger';
import { trackEvent } from '../shared/telemetry/telemetryEvents';
import type { FunctionDefinition } from './functionDefinition';

/** GET /api/health: anonymous; 200 when the store answers, 503 otherwise. */
async function getHealth(): Promise<HttpResponseInit> {
  const report = await checkHealth();
  return {
    status: report.status === 'unhealthy' ? 503 : 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: report,
  };
}

/**
 * The scheduled health check: the same check as GET /api/health, logged, then stored as a health report
 * (GET /api/reports/health/latest). The result is logged first, so a storage failure (logged, never
 * thrown) cannot hide it.
 */
async function runHealthCheck(_timer: Timer, context: InvocationContext): Promise<void> {
  const report = await checkHealth();
  const log = invocationLogger(context);
  const properties = { status: report.status, backend: report.backend, latencyMs: report.latencyMs };
  if (report.status === 'healthy') log.info('health check', properties);
  else log.warn('health check', { ...properties, checks: report.checks });
  trackEvent('HealthCheck', properties);
  await storeHealthReport(report, new Date(), log);
}

/** The health route and timer. */
export function healthFunctions(settings: Settings): FunctionDefinition[] {
  return [
    {
      trigger: 'http',
      name: 'health',
      route: 'health',
      methods: ['GET'],
      authLevel: 'anonymous',
      handler: getHealth,
      description: {
        summary: 'Check that the API and its data store answer (anonymous; for probes)',
        access: 'anonymous',
        success: { status: 200, description: 'Healthy: the store answered.', schema: HealthReportSchema },
        errors: [503],
      },
    },
    {
      trigger: 'timer',
      name: 'healthCheck',
      schedule: settings.healthCheckSchedule,
      handler: runHealthCheck,
    },
  ];
}
