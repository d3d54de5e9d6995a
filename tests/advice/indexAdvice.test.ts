import { randomUUID } from 'node:crypto';
import { IndexAdvisor } from '../../shared/advice/indexAdvisor';
import { indexSuggestions } from '../../shared/advice/indexSuggestions';
import { queryPlanAdvice } from '../../shared/advice/queryPlanAdvice';
import { getContainer } from '../../shared/data/catalogue';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import { parseIndexMetrics } from '../../shared/data/cosmos/indexMetrics';
import { getUsageServices } from '../../shared/usage/usageServices';
import { getSettings } from '../../shared/config/settings';
import { InstrumentedDocumentStore } from '../../shared/usage/instrumentedDocumentStore';
import { queryShape } from '../../shared/usage/queryShape';
import { UsageRecorder } from '../../shared/usage/usageRecorder';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { testCosmosEndpoint, testCosmosSettingsAt } from '../helpers/cosmosTestSettings';

describe('index advice from the local query plan', () => {
  const tasks = getContainer('tasks');

  it('finds the composite index an ORDER BY over several properties needs, and says when the catalogue has it', () => {
    const served = queryPlanAdvice(
      tasks,
      's',
      'SELECT * FROM c WHERE c.userId = @u ORDER BY c.dueDate DESC, c.id DESC',
      true,
    );
    expect(served.utilized).toContainEqual({ kind: 'composite', paths: ['/dueDate DESC', '/id DESC'] });
    expect(served.potential.filter((p) => p.impact === 'High')).toEqual([]);

    const missing = queryPlanAdvice(
      tasks,
      's',
      'SELECT * FROM c WHERE c.userId = @u ORDER BY c.title ASC, c.id ASC',
      true,
    );
    expect(missing.potential).toContainEqual({
      kind: 'composite',
      paths: ['/title ASC', '/id ASC'],
      impact: 'High',
    });
    expect(indexSuggestions([missing]).map((s) => s.text)).toContain(
      'add composite index [/title ASC, /id ASC] to tasks',
    );
  });

  it('suggests the filtered property first for a filter plus ORDER BY, as Cosmos DB does, leaving out the routed partition key', () => {
    const advice = queryPlanAdvice(
      tasks,
      's',
      'SELECT * FROM c WHERE c.userId = @u AND c.status = @s ORDER BY c.dueDate DESC',
      true,
    );
    expect(advice.potential).toContainEqual({
      kind: 'composite',
      paths: ['/status ASC', '/dueDate DESC'],
      impact: 'Low',
    });
    expect(indexSuggestions([advice])[0]).toMatchObject({
      text: 'add composite index [/status ASC, /dueDate DESC] to tasks',
      impact: 'Low',
      source: 'local-query-plan',
      reason: expect.stringMatching(/^Filters on \/status and orders by \/dueDate/),
    });
    // Only the partition key filtered: served by routing plus the catalogue's [dueDate, id] index.
    const routed = queryPlanAdvice(
      tasks,
      's',
      'SELECT * FROM c WHERE c.userId = @u ORDER BY c.dueDate DESC',
      true,
    );
    expect(routed.potential).toEqual([]);
  });

  it('flags a cross-partition query and a filter on an excluded path', () => {
    const projects = getContainer('projects');
    const advice = queryPlanAdvice(projects, 's', 'SELECT * FROM c WHERE c.description = @d', false);
    expect(advice.partitionScoped).toBe(false);
    expect(advice.notes.join(' ')).toMatch(/Cross-partition/);
    expect(advice.potential).toContainEqual({ kind: 'single', paths: ['/description/?'], impact: 'High' });
    expect(indexSuggestions([advice]).map((s) => s.text)).toContain(
      'include path /description/? in the indexing policy of projects',
    );
  });

  it('samples each shape once per interval', () => {
    let now = 0;
    const advisor = new IndexAdvisor(10, 1000, () => now);
    expect(advisor.claimSample('tasks', 'q')).toBe(true);
    expect(advisor.claimSample('tasks', 'q')).toBe(false);
    now = 1001;
    expect(advisor.claimSample('tasks', 'q')).toBe(true);
    expect(new IndexAdvisor(10, 0).claimSample('tasks', 'q')).toBe(false);
  });
});

describe('every query the API issues is served by the catalogue', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => api.close());

  it('no ORDER BY of any list needs an index infra/containers.json lacks', async () => {
    const user = api.as('advice-user');
    const project = await user.post('/projects', { name: 'p' });
    await user.post('/tasks', {
      title: 't',
      projectId: (project.body as { id: string }).id,
      dueDate: '2026-12-01',
    });
    await user.post('/fitness', { type: 'run', date: '2026-11-01', durationMinutes: 30 });
    for (const sort of ['createdAt', 'name']) {
      for (const order of ['asc', 'desc'])
        expect((await user.get(`/projects?sort=${sort}&order=${order}`)).status).toBe(200);
    }
    for (const sort of ['createdAt', 'dueDate', 'priority']) {
      for (const order of ['asc', 'desc'])
        expect((await user.get(`/tasks?sort=${sort}&order=${order}&status=todo`)).status).toBe(200);
    }
    for (const order of ['asc', 'desc'])
      expect((await user.get(`/fitness?order=${order}&from=2026-01-01`)).status).toBe(200);
    expect((await user.get('/fitness/summary')).status).toBe(200);

    const advice = getUsageServices(getSettings()).advisor.all();
    expect(advice.length).toBeGreaterThan(5);
    const required = indexSuggestions(advice).filter((s) => s.impact === 'High');
    expect(required).toEqual([]);
  });
});

describe('index advice from Cosmos DB index metrics', () => {
  let proxy: FaultProxy;
  let cosmos: CosmosDocumentStore;
  const database = `advice-${randomUUID()}`;

  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: testCosmosEndpoint(), seed: 3 });
    cosmos = new CosmosDocumentStore(testCosmosSettingsAt(proxy.endpoint, database));
    await cosmos.initialize();
    await cosmos.create('tasks', { id: 't1', userId: 'u1', title: 'x', dueDate: '2026-12-01' });
  });
  afterAll(async () => {
    await cosmos?.dispose();
    await proxy?.close();
  });

  it('parses both layouts Cosmos DB answers with, and treats "{}" as unknown', () => {
    const v1 = parseIndexMetrics(
      JSON.stringify({
        UtilizedSingleIndexes: [{ IndexSpec: '/userId/?', IndexImpactScore: 'High' }],
        PotentialSingleIndexes: [],
        UtilizedCompositeIndexes: [],
        PotentialCompositeIndexes: [
          { IndexSpecs: ['/userId ASC', '/dueDate DESC'], IndexImpactScore: 'High' },
        ],
      }),
    );
    expect(v1).toEqual({
      utilized: [{ kind: 'single', paths: ['/userId/?'], impact: 'High' }],
      potential: [{ kind: 'composite', paths: ['/userId ASC', '/dueDate DESC'], impact: 'High' }],
    });
    const v2 = parseIndexMetrics(
      JSON.stringify({
        UtilizedIndexes: { SingleIndexes: [{ IndexSpec: '/userId/?' }], CompositeIndexes: [] },
        PotentialIndexes: {
          SingleIndexes: [],
          CompositeIndexes: [{ IndexSpecs: ['/userId ASC', '/dueDate DESC'], IndexImpactScore: 'High' }],
        },
      }),
    );
    expect(v2?.potential).toEqual([
      { kind: 'composite', paths: ['/userId ASC', '/dueDate DESC'], impact: 'High' },
    ]);
    expect(parseIndexMetrics('{}')).toBeUndefined();
  });

  it('asks for index metrics once per shape per interval and turns the answer into a catalogue change', async () => {
    // A real account answers x-ms-cosmos-populateindexmetrics-V2 with this header; the test server does not,
    // so the proxy adds what Cosmos DB sends for this query (URI-encoded JSON).
    const metrics = {
      UtilizedIndexes: { SingleIndexes: [{ IndexSpec: '/userId/?' }], CompositeIndexes: [] },
      PotentialIndexes: {
        SingleIndexes: [],
        CompositeIndexes: [{ IndexSpecs: ['/userId ASC', '/dueDate DESC'], IndexImpactScore: 'High' }],
      },
    };
    const rule = proxy.inject({
      fault: {
        kind: 'headers',
        headers: { 'x-ms-cosmos-index-utilization': encodeURIComponent(JSON.stringify(metrics)) },
      },
      match: { operations: ['query'], headers: { 'x-ms-cosmos-populateindexmetrics-v2': /true/i } },
    });
    const advisor = new IndexAdvisor(100, 3_600_000);
    const store = new InstrumentedDocumentStore(cosmos, new UsageRecorder(100), advisor);
    const query = {
      query: 'SELECT * FROM c WHERE c.userId = @u ORDER BY c.dueDate DESC',
      parameters: [{ name: '@u', value: 'u1' }],
    };
    await store.query('tasks', query, { partitionKey: 'u1' });
    const sampled = rule.fired; // the SDK may send more than one request for one query
    expect(sampled).toBeGreaterThan(0);
    for (let i = 0; i < 3; i += 1) await store.query('tasks', query, { partitionKey: 'u1' });
    expect(rule.fired).toBe(sampled); // later calls within the interval do not ask for metrics
    const [advice] = advisor.all();
    expect(advice).toMatchObject({
      container: 'tasks',
      shape: queryShape(query.query),
      source: 'cosmos-index-metrics',
    });
    expect(indexSuggestions(advisor.all()).map((s) => s.text)).toEqual([
      'add composite index [/userId ASC, /dueDate DESC] to tasks',
    ]);
  });
});
