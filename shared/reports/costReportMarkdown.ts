import type { CostReport } from './costReport';

const number = (value: number, digits = 2) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const percent = (share: number) => `${number(share * 100, 1)}%`;
const dollars = (value: number) =>
  `$${value < 0.01 ? value.toFixed(6) : value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
// Query text goes into a table cell: pipes would end the cell, backticks the code span.
const code = (text: string) => `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '_None in this period._\n';
  return (
    [
      `| ${header.join(' | ')} |`,
      `| ${header.map(() => '---').join(' | ')} |`,
      ...rows.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n') + '\n'
  );
}

/** The cost report as Markdown a person reads: summary first, then where the RU went, cost and advice. */
export function renderCostReportMarkdown(report: CostReport): string {
  const t = report.totals;
  const ruNote =
    report.ruSource === 'estimated'
      ? "RU are **estimates** from the local store's documented model (shared/data/local/requestChargeModel.ts), not Cosmos DB charges."
      : 'RU are the request charges Cosmos DB reported.';
  const out: string[] = [];
  out.push(
    `# RU cost report, ${report.period.from.slice(0, 16).replace('T', ' ')} to ${report.period.to.slice(0, 16).replace('T', ' ')} UTC`,
  );
  out.push('');
  out.push(`Backend: ${report.backend}; ${report.instances} instance(s) reported usage. ${ruNote}`);
  out.push('');
  out.push('## Summary');
  out.push('');
  out.push(
    table(
      ['Figure', 'Value'],
      [
        ['Request units', number(t.requestCharge)],
        ['Store calls', number(t.calls, 0)],
        ['Failed calls', number(t.failedCalls, 0)],
        ['Throttled (429) responses', number(t.throttled, 0)],
        [
          'Queries answered from the cache',
          `${number(t.cachedQueries, 0)} of ${number(t.queries, 0)} (${percent(t.cacheHitRate)})`,
        ],
        ['RU saved by the cache', number(t.ruSaved)],
        [
          'Peak',
          `${number(report.throughput.peakRuPerSecond)} RU/s${report.throughput.peakAt ? ` at ${report.throughput.peakAt.slice(11, 16)} UTC` : ''}`,
        ],
        [`Cost in the period (${report.cost.mode})`, dollars(report.cost.periodUsd)],
        ['Projected for 30 days at this rate', dollars(report.cost.projected30DaysUsd)],
      ],
    ),
  );
  out.push('## RU by container');
  out.push('');
  out.push(
    table(
      ['Container', 'RU', 'Share', 'Calls', 'Avg RU', 'Avg ms'],
      report.byContainer.map((c) => [
        c.container,
        number(c.requestCharge),
        percent(c.share),
        number(c.calls, 0),
        number(c.avgRu),
        number(c.avgDurationMs),
      ]),
    ),
  );
  out.push('## RU by operation');
  out.push('');
  out.push(
    table(
      ['Container', 'Operation', 'RU', 'Share', 'Calls', 'Avg RU', 'Avg ms'],
      report.byOperation.map((o) => [
        o.container,
        o.operation,
        number(o.requestCharge),
        percent(o.share),
        number(o.calls, 0),
        number(o.avgRu),
        number(o.avgDurationMs),
      ]),
    ),
  );
  out.push('## Top 10 query shapes by RU');
  out.push('');
  out.push(
    table(
      [
        '#',
        'Container',
        'Query shape',
        'RU',
        'Calls',
        'Avg RU',
        'Avg ms',
        'Max ms',
        'Avg items',
        'From cache',
        'RU saved',
      ],
      report.topQueryShapes.map((s, i) => [
        String(i + 1),
        s.container,
        code(s.shape),
        number(s.requestCharge),
        number(s.calls, 0),
        number(s.avgRu),
        number(s.avgDurationMs),
        number(s.maxDurationMs),
        number(s.avgItems, 1),
        number(s.cachedCalls, 0),
        number(s.ruSaved),
      ]),
    ),
  );
  out.push('## Cost by capacity mode');
  out.push('');
  const c = report.cost;
  out.push(
    table(
      ['Mode', 'Sized for this usage', 'Rate', 'Cost in the period'],
      [
        [
          'Serverless',
          'per RU consumed',
          `${dollars(c.serverless.perMillionRu)} per million RU`,
          dollars(c.serverless.usd),
        ],
        [
          'Provisioned',
          `${number(c.provisioned.ruPerSecond, 0)} RU/s`,
          `${dollars(c.provisioned.per100RuHour)} per 100 RU/s per hour`,
          dollars(c.provisioned.usd),
        ],
        [
          'Autoscale',
          `max ${number(c.autoscale.maxRuPerSecond, 0)} RU/s`,
          `${dollars(c.autoscale.per100RuHour)} per 100 RU/s per hour`,
          dollars(c.autoscale.usd),
        ],
      ],
    ),
  );
  out.push(
    `Current mode: **${c.mode}**. Rates are settings (COST_USD_*); storage and backup are not included.`,
  );
  out.push('');
  out.push('## Throughput advice');
  out.push('');
  out.push(report.throughputAdvice.text);
  out.push('');
  out.push('## Index advice');
  out.push('');
  if (report.indexAdvice.suggestions.length === 0) {
    out.push(
      'No changes to infra/containers.json suggested: every sampled query shape is served by the indexes it has.',
    );
  } else {
    out.push(
      'Changes to `infra/containers.json`, most needed first (required ones, then by the RU of the queries they serve). Each composite index makes every write to the container cost a little more: apply the ones whose queries matter.',
    );
    out.push('');
    out.push(
      table(
        ['Change', 'Impact', 'RU of its queries', 'Why'],
        report.indexAdvice.suggestions.map((s) => [
          `**${s.text}**`,
          s.impact,
          number(s.requestCharge ?? 0),
          `${s.reason} (${s.shapes.length} query shape(s); ${s.source === 'cosmos-index-metrics' ? 'Cosmos DB index metrics' : 'local query plan'})`.replace(
            /\|/g,
            '\\|',
          ),
        ]),
      ),
    );
  }
  // Findings that are not an index change (cross-partition queries) still deserve a line.
  const other = report.indexAdvice.shapes.flatMap((a) =>
    a.notes
      .filter((note) => note.startsWith('Cross-partition'))
      .map((note) => `- ${a.container}: ${code(a.shape)}: ${note}`),
  );
  if (other.length > 0) {
    out.push('Other findings:');
    out.push('');
    out.push(...other);
  }
  out.push('');
  return out.join('\n');
}
