import type { HealthReport } from '../health/checkHealth';
import { asAppError } from '../http/problemResponse';
import type { Logger } from '../telemetry/logger';
import { saveReport, type SavedReport } from './reportStore';

/** A health report as the health-check timer stores it: checkHealth()'s report plus when it was stored. */
export interface StoredHealthReport extends HealthReport {
  reportedAt: string;
}

/** The JSON the timer stores for a health check run at `at`. */
export function storedHealthReport(report: HealthReport, at: Date): StoredHealthReport {
  return { ...report, reportedAt: at.toISOString() };
}

// Table cells come from error messages and container names: keep them on one line and inside their cell.
function cell(value: unknown): string {
  return String(value).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

// SDK messages do not quote credentials today; a SAS signature or account key in a future one must still
// never reach the log.
function withoutCredentials(message: string): string {
  return message.replace(/\b(sig|AccountKey|SharedAccessSignature)=[^&;\s]*/gi, '$1=[redacted]');
}

function milliseconds(value: number): string {
  return `${Number(value.toFixed(2))} ms`;
}

/** The readable rendering of a stored health report: status, backend, latency, each check and the breaker. */
export function renderHealthReportMarkdown(report: StoredHealthReport): string {
  const store = report.checks.store;
  const lines = [
    `# Health report: ${report.status}`,
    '',
    '| | |',
    '| --- | --- |',
    `| Status | **${report.status}** |`,
    `| Backend | ${cell(report.backend)} |`,
    `| Latency | ${milliseconds(report.latencyMs)} |`,
    `| Checked at | ${report.checkedAt} |`,
    `| Reported at | ${report.reportedAt} |`,
    '',
    '## Checks',
    '',
  ];
  if ('containers' in store) {
    lines.push(
      `### Store: ${store.ok ? 'ok' : 'failing'}`,
      '',
      `The ${store.backend} store answered in ${milliseconds(store.latencyMs)}.` +
        (store.error ? ` Error: ${cell(store.error)}` : ''),
      '',
      '| Container | OK | Error |',
      '| --- | --- | --- |',
      ...store.containers.map((c) => `| ${cell(c.name)} | ${c.ok ? 'yes' : 'no'} | ${cell(c.error ?? '')} |`),
      '',
      '## Circuit breaker',
      '',
    );
    if (store.breaker) {
      const last = store.breaker.lastFailure;
      lines.push(
        `State: **${store.breaker.state}**.` +
          (last
            ? ` Last connection failure: ${cell(last.code)} at ${last.at}.`
            : ' No connection failure seen.'),
      );
    } else {
      lines.push(`None: the ${store.backend} store is not guarded by a circuit breaker.`);
    }
  } else {
    lines.push(
      '### Store: failing',
      '',
      `The store could not be opened or did not answer in time: ${cell(store.error)}`,
      '',
      '## Circuit breaker',
      '',
      'Unknown: the store did not answer.',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Stores a health report (JSON and Markdown) in the report store. Never throws: the health check's own
 * result is what the timer is for, so a storage failure is logged (with its code, never the connection
 * string) and the timer goes on. Returns what was stored, or undefined when it could not be.
 */
export async function storeHealthReport(
  report: HealthReport,
  at: Date,
  log: Logger,
): Promise<SavedReport | undefined> {
  const stored = storedHealthReport(report, at);
  try {
    const saved = await saveReport('health', at, stored, renderHealthReportMarkdown(stored));
    log.info('health report stored', { report: saved.name });
    return saved;
  } catch (error) {
    const failure = asAppError(error);
    const cause = failure.cause instanceof Error ? failure.cause : undefined;
    log.warn('health report not stored', {
      code: failure.code,
      reason: failure.message,
      // The SDK's own words, for whoever fixes the storage.
      ...(cause ? { cause: { name: cause.name, message: withoutCredentials(cause.message) } } : {}),
    });
    return undefined;
  }
}
