import { formatCount, renderTable } from '../cli/table';
import type { SeedReport } from './seeding';

/** The seed's summary as text: documents per container, request charge, and the read workload. */
export function renderSeedReport(report: SeedReport): string {
  const lines: string[] = [];
  if (report.error && report.containers.length === 0) return `Seed failed: ${report.error}\n`;
  lines.push(
    `Seed ${report.seed}: ${formatCount(report.users)} demo users (${report.firstUser} ... ${report.lastUser}), ` +
      `history up to ${report.today}, in ${report.store}`,
    '',
    renderTable(
      [
        { heading: 'container' },
        { heading: 'documents', align: 'right' },
        { heading: 'written', align: 'right' },
        { heading: 'already present', align: 'right' },
        { heading: 'failed', align: 'right' },
        { heading: 'RU', align: 'right' },
        { heading: 'seconds', align: 'right' },
      ],
      [
        ...report.containers.map((c) => [
          c.container,
          formatCount(c.documents),
          formatCount(c.created),
          formatCount(c.alreadyPresent),
          formatCount(c.failed),
          c.requestCharge.toFixed(1),
          (c.durationMs / 1000).toFixed(2),
        ]),
        [
          'total',
          formatCount(report.documents),
          formatCount(report.created),
          formatCount(report.alreadyPresent),
          formatCount(report.failed),
          report.requestCharge.toFixed(1),
          (report.writeMs / 1000).toFixed(2),
        ],
      ],
    ),
  );
  for (const c of report.containers) {
    for (const f of c.failures) {
      lines.push(
        `  failed: ${c.container} ${f.userId}/${f.id}: ${f.statusCode}${f.code ? ` ${f.code}` : ''}`,
      );
    }
  }
  if (report.backend === 'local') {
    lines.push('(Request charges on the local store are estimates from its documented model.)');
  }
  const workload = report.workload;
  lines.push('');
  if (!workload) lines.push('Read workload: skipped (--no-workload).');
  else if (!workload.ran) lines.push(`Read workload: skipped: ${workload.note ?? ''}.`);
  else {
    const statuses = new Map<string, number>();
    for (const route of workload.routes) {
      for (const [status, n] of Object.entries(route.statuses))
        statuses.set(status, (statuses.get(status) ?? 0) + n);
    }
    lines.push(
      `Read workload through ${workload.api}: ${formatCount(workload.requests)} requests as ${formatCount(report.users)} users ` +
        `in ${(workload.durationMs / 1000).toFixed(1)} s (${[...statuses].map(([s, n]) => `${formatCount(n)} x ${s}`).join(', ')}).`,
    );
    if (workload.note) lines.push(`Note: ${workload.note}.`);
    for (const f of workload.failures) {
      lines.push(`  ${f.route} as ${f.userId}: ${f.status}${f.code ? ` ${f.code}` : ''}`);
    }
  }
  if (report.error) lines.push(`Stopped: ${report.error}`);
  lines.push(
    '',
    `Try it: curl -H 'x-ms-client-principal-id: ${report.firstUser}' ${workload?.api ?? 'http://127.0.0.1:7071/api'}/tasks`,
  );
  return `${lines.join('\n')}\n`;
}
