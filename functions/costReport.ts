import type { InvocationContext, Timer } from '@azure/functions';
import type { Settings } from '../shared/config/settings';
import { getSettings } from '../shared/config/settings';
import { getDocumentStore } from '../shared/data/storeFactory';
import { buildCostReport, reportPeriod } from '../shared/reports/costReport';
import { renderCostReportMarkdown } from '../shared/reports/costReportMarkdown';
import { saveReport } from '../shared/reports/reportStore';
import { invocationLogger } from '../shared/telemetry/logger';
import { trackEvent } from '../shared/telemetry/telemetryEvents';
import { flushActiveUsage } from '../shared/usage/usageFlusher';
import type { FunctionDefinition } from './functionDefinition';

/**
 * The scheduled RU cost report: flushes this instance's usage, adds up every instance's usage from the
 * start of the previous UTC day until now, and stores the report (JSON + Markdown) in the reports blob
 * container, where GET /api/reports/cost/latest serves it.
 */
async function runCostReport(_timer: Timer, context: InvocationContext): Promise<void> {
  const log = invocationLogger(context);
  const settings = getSettings();
  const store = await getDocumentStore();
  await flushActiveUsage();
  const now = new Date();
  const report = await buildCostReport({ store, settings, ...reportPeriod(now) });
  const saved = await saveReport('cost', now, report, renderCostReportMarkdown(report));
  // The summary is a structured event, so the telemetry pipeline (Application Insights) charts it.
  const summary = {
    name: saved.name,
    requestCharge: report.totals.requestCharge,
    calls: report.totals.calls,
    throttled: report.totals.throttled,
    cacheHitRate: report.totals.cacheHitRate,
    periodUsd: report.cost.periodUsd,
    mode: report.cost.mode,
    indexSuggestions: report.indexAdvice.suggestions.length,
  };
  log.info('cost report', { event: 'CostReport', ...summary });
  trackEvent('CostReport', summary);
}

/** The daily cost report timer (COST_REPORT_SCHEDULE). */
export function costReportFunctions(settings: Settings): FunctionDefinition[] {
  return [
    { trigger: 'timer', name: 'costReport', schedule: settings.costReportSchedule, handler: runCostReport },
  ];
}
