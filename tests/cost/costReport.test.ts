import { randomUUID } from 'node:crypto';
import { CachingDocumentStore } from '../../shared/cache/cachingDocumentStore';
import { QueryResultCache } from '../../shared/cache/queryResultCache';
import { loadSettings } from '../../shared/config/settings';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import { IndexAdvisor } from '../../shared/advice/indexAdvisor';
import { buildCostReport } from '../../shared/reports/costReport';
import { renderCostReportMarkdown } from '../../shared/reports/costReportMarkdown';
import { InstrumentedDocumentStore } from '../../shared/usage/instrumentedDocumentStore';
import { UsageRecorder } from '../../shared/usage/usageRecorder';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { testCosmosEndpoint, testCosmosSettingsAt } from '../helpers/cosmosTestSettings';

// The Cosmos test server charges exactly 1 RU for every request, so the workload's RU are known exactly.
// (GAP: it charges 1 RU for everything, so the report's RU-per-KB spread cannot be checked against it.)
describe('cost report from a workload whose RU are known', () => {
  let proxy: FaultProxy;
  let cosmos: CosmosDocumentStore;
  let instrumented: InstrumentedDocumentStore;
  let store: CachingDocumentStore;
  const database = `cost-${randomUUID()}`;
  const settings = loadSettings({ COSMOS_THROUGHPUT_MODE: 'provisioned', COSMOS_THROUGHPUT_RU: '4000' });

  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: testCosmosEndpoint(), seed: 5 });
    cosmos = new CosmosDocumentStore(testCosmosSettingsAt(proxy.endpoint, database));
    await cosmos.initialize();
    const recorder = new UsageRecorder(100);
    instrumented = new InstrumentedDocumentStore(cosmos, recorder, new IndexAdvisor(100, 0), {
      intervalMs: 3_600_000,
      instanceId: 'test-instance',
    });
    const cache = new QueryResultCache({ maxEntries: 100, maxBytes: 1 << 20, defaultTtlMs: 60_000 });
    store = new CachingDocumentStore(instrumented, cache, recorder);
  });
  afterAll(async () => {
    await cosmos?.dispose();
    await proxy?.close();
  });

  it('adds up RU, calls, cache savings and throttles exactly, and prices them', async () => {
    // 12 creates, 3 of them throttled once first (the SDK retries them): 12 RU, 3 throttled.
    const throttle = proxy.inject({
      fault: { kind: 'status', status: 429, retryAfterMs: 5 },
      match: { operations: ['write'] },
      times: 3,
    });
    for (let i = 0; i < 12; i += 1) {
      await store.create('tasks', {
        id: `t${i}`,
        userId: i < 6 ? 'alice' : 'bob',
        title: `task ${i}`,
        dueDate: `2026-12-${10 + i}`,
      });
    }
    expect(throttle.fired).toBe(3);
    // 5 point reads: 5 RU.
    for (let i = 0; i < 5; i += 1) await store.read('tasks', `t${i}`, 'alice');
    // One query shape 4 times in alice's partition: 1 RU, then 3 answers from the cache (3 RU saved);
    // another shape once for each user: 2 RU.
    const byDue = {
      query: 'SELECT * FROM c WHERE c.userId = @u ORDER BY c.dueDate DESC',
      parameters: [{ name: '@u', value: 'alice' }],
    };
    for (let i = 0; i < 4; i += 1) await store.query('tasks', byDue, { partitionKey: 'alice' });
    for (const user of ['alice', 'bob']) {
      await store.query(
        'tasks',
        {
          query: 'SELECT VALUE COUNT(1) FROM c WHERE c.userId = @u',
          parameters: [{ name: '@u', value: user }],
        },
        { partitionKey: user },
      );
    }
    await instrumented.flushUsage();

    const now = new Date();
    const report = await buildCostReport({
      store: cosmos,
      settings,
      from: new Date(now.getTime() - 3_600_000),
      to: now,
    });
    // The report's own read of the usage container comes after: it is not in the figures.
    expect(report.totals).toMatchObject({
      requestCharge: 12 + 5 + 1 + 2,
      calls: 12 + 5 + 4 + 2,
      throttled: 3,
      queries: 6,
      cachedQueries: 3,
      cacheHitRate: 0.5,
      ruSaved: 3,
      failedCalls: 0,
    });
    expect(report.ruSource).toBe('measured');
    expect(report.instances).toBe(1);
    expect(report.byContainer).toEqual([
      expect.objectContaining({ container: 'tasks', requestCharge: 20, calls: 23, share: 1 }),
    ]);
    expect(report.byOperation.map((o) => [o.operation, o.requestCharge, o.calls])).toEqual([
      ['create', 12, 12],
      ['read', 5, 5],
      ['query', 3, 6],
    ]);
    expect(
      report.topQueryShapes.map((s) => [s.shape, s.requestCharge, s.calls, s.cachedCalls, s.ruSaved]),
    ).toEqual([
      ['SELECT VALUE COUNT(1) FROM c WHERE c.userId = @u', 2, 2, 0, 0],
      ['SELECT * FROM c WHERE c.userId = @u ORDER BY c.dueDate DESC', 1, 4, 3, 3],
    ]);
    // Serverless: 20 RU at $0.25 per million.
    expect(report.cost.serverless.usd).toBeCloseTo((20 / 1_000_000) * 0.25, 6);
    // Provisioned 4,000 RU/s for a peak far below 400 RU/s: lower it to the 400 RU/s minimum.
    expect(report.cost.provisioned.ruPerSecond).toBe(400);
    expect(report.cost.provisioned.usd).toBeCloseTo(4 * 1 * 0.008, 4);
    expect(report.throughputAdvice).toMatchObject({
      mode: 'provisioned',
      configuredRuPerSecond: 4000,
      recommendedRuPerSecond: 400,
      cheapestMode: 'serverless',
    });
    expect(report.throughputAdvice.text).toMatch(/lower the provisioned throughput from 4000 to 400 RU\/s/);
    expect(report.cost.periodUsd).toBe(report.cost.provisioned.usd);

    const markdown = renderCostReportMarkdown(report);
    expect(markdown).toContain('| Request units | 20 |');
    expect(markdown).toContain('| Throttled (429) responses | 3 |');
    expect(markdown).toContain('3 of 6 (50%)');
    expect(markdown).toContain('`SELECT VALUE COUNT(1) FROM c WHERE c.userId = @u`');
    // Index advice from the local plan is not what a Cosmos store samples: with sampling off, none.
    expect(report.indexAdvice.suggestions).toEqual([]);
  });
});
