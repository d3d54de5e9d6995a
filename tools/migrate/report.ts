import { formatCount, renderTable } from '../cli/table';
import type { FailedDocument } from './copyContainer';
import type { StoreSide } from './options';

/** How a container ended: counts equal, counts differ, not copied, or (dry run) what would happen. */
export type ContainerResult = 'ok' | 'mismatch' | 'interrupted' | 'not started' | 'skipped' | 'planned';

/** One container's line of the report. */
export interface ContainerReport {
  name: string;
  result: ContainerResult;
  /** Why it was skipped, or (dry run) what would be done. */
  note?: string;
  /** Documents in the source and target after the copy (dry run: now); null when the container is absent. */
  sourceCount: number | null;
  targetCount: number | null;
  /** This run's work. */
  read: number;
  created: number;
  alreadyPresent: number;
  failed: number;
  failures: FailedDocument[];
  /** Documents of this pass read by earlier (interrupted) runs: where this run resumed. */
  resumedAt: number;
  pass: number;
  /** Whether this pass asked the target which ids exist before writing. */
  precheck: boolean;
  sourceRequestCharge: number;
  targetRequestCharge: number;
  throttled: number;
}

/** What `npm run migrate` did (printed as a table, or as JSON with --json). */
export interface MigrationReport {
  from: StoreSide;
  to: StoreSide;
  source: string;
  target: string;
  dryRun: boolean;
  checkpointFile: string;
  containers: ContainerReport[];
  /** Documents read by this run, and how fast (copy time only, counts excluded). */
  read: number;
  copySeconds: number;
  itemsPerSecond: number;
  interrupted: boolean;
  error?: string;
  exitCode: number;
}

const dash = (value: number | null, show: boolean): string =>
  show && value !== null ? formatCount(value) : '-';

/** The report as text: one table row per container and a closing summary line. */
export function renderMigrationReport(report: MigrationReport): string {
  const lines: string[] = [];
  if (report.dryRun) {
    lines.push(`Dry run: nothing was written. ${report.source} -> ${report.target}`, '');
    lines.push(
      renderTable(
        [
          { heading: 'container' },
          { heading: 'source', align: 'right' },
          { heading: 'target', align: 'right' },
          { heading: 'would do' },
        ],
        report.containers.map((c) => [
          c.name,
          dash(c.sourceCount, c.result !== 'skipped'),
          c.targetCount === null && c.result !== 'skipped'
            ? 'absent'
            : dash(c.targetCount, c.result !== 'skipped'),
          c.note ?? '',
        ]),
      ),
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    renderTable(
      [
        { heading: 'container' },
        { heading: 'source', align: 'right' },
        { heading: 'target', align: 'right' },
        { heading: 'read', align: 'right' },
        { heading: 'created', align: 'right' },
        { heading: 'already present', align: 'right' },
        { heading: 'failed', align: 'right' },
        { heading: 'result' },
      ],
      report.containers.map((c) => {
        const copied = c.result !== 'skipped' && c.result !== 'not started';
        return [
          c.name,
          dash(c.sourceCount, c.result !== 'skipped'),
          dash(c.targetCount, c.result !== 'skipped'),
          dash(c.read, copied),
          dash(c.created, copied),
          dash(c.alreadyPresent, copied),
          dash(c.failed, copied),
          (c.note ? `${c.result}: ${c.note}` : c.result) +
            (c.resumedAt > 0 ? ` (resumed at ${formatCount(c.resumedAt)})` : ''),
        ];
      }),
    ),
  );
  for (const c of report.containers) {
    for (const f of c.failures) {
      lines.push(
        `  failed: ${c.name} id ${JSON.stringify(f.id)} partition ${JSON.stringify(f.partitionKey)}: ${f.statusCode}${f.code ? ` ${f.code}` : ''}`,
      );
    }
  }
  const total = (field: 'created' | 'alreadyPresent' | 'failed') =>
    formatCount(report.containers.reduce((sum, c) => sum + c[field], 0));
  const ru = (field: 'sourceRequestCharge' | 'targetRequestCharge') =>
    report.containers.reduce((sum, c) => sum + c[field], 0).toFixed(1);
  lines.push(
    '',
    `${formatCount(report.read)} documents read in ${report.copySeconds.toFixed(1)} s ` +
      `(${formatCount(Math.round(report.itemsPerSecond))} items/s): ${total('created')} created, ` +
      `${total('alreadyPresent')} already present, ${total('failed')} failed. ` +
      `Request charge: source ${ru('sourceRequestCharge')} RU, target ${ru('targetRequestCharge')} RU.`,
  );
  if (report.error) lines.push(`Stopped: ${report.error}`);
  if (report.interrupted) {
    lines.push(`Interrupted: progress is saved in ${report.checkpointFile}; run the same command to resume.`);
  } else if (!report.error) {
    lines.push(
      report.exitCode === 0
        ? 'Every count matches.'
        : 'Counts differ or documents failed (see above); re-run to retry, the copy is idempotent.',
    );
  }
  return `${lines.join('\n')}\n`;
}
