// Without APPLICATIONINSIGHTS_CONNECTION_STRING the app sends nothing anywhere and never even loads the
// SDK. In its own file (jest: its own module registry), apart from appInsights.test.ts, which starts the
// process-global SDK.
import { getSettings } from '../../shared/config/settings';
import {
  flushTelemetry,
  startTelemetry,
  stopTelemetry,
  telemetryStarted,
} from '../../shared/telemetry/appInsights';
import { trackEvent } from '../../shared/telemetry/telemetryEvents';
import { startApi, type ApiUnderTest } from '../api/apiHarness';
import { testAzuriteConnectionString } from '../helpers/azurite';
import { startFakeIngestion, type FakeIngestion } from '../helpers/fakeIngestion';

// Spies: each factory runs the first time anything requires the module, so "never ran" means "never loaded".
const mockLoaded: string[] = [];
jest.mock('applicationinsights', () => {
  mockLoaded.push('applicationinsights');
  return jest.requireActual('applicationinsights');
});
jest.mock('@opentelemetry/api', () => {
  mockLoaded.push('@opentelemetry/api');
  return jest.requireActual('@opentelemetry/api');
});
jest.mock('@azure/monitor-opentelemetry', () => {
  mockLoaded.push('@azure/monitor-opentelemetry');
  return jest.requireActual('@azure/monitor-opentelemetry');
});

describe('telemetry without a connection string', () => {
  let ingestion: FakeIngestion;
  let api: ApiUnderTest;

  beforeAll(async () => {
    // A fake endpoint that would record anything sent, reachable and trusted, to prove nothing is.
    ingestion = await startFakeIngestion();
    ingestion.trustInThisProcess();
    delete process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
    api = await startApi({
      AzureWebJobsStorage: testAzuriteConnectionString(),
      USAGE_FLUSH_INTERVAL_MS: '3600000',
      HEALTH_CHECK_SCHEDULE: '0 0 0 1 1 *',
      COST_REPORT_SCHEDULE: '0 0 0 1 1 *',
    });
  });

  afterAll(async () => {
    await stopTelemetry();
    await api?.close();
    await ingestion?.close();
  });

  it('does not start, sends nothing for requests, timers and events, and never loads the SDK', async () => {
    expect(getSettings().applicationInsightsConnectionString).toBeUndefined();
    expect(startTelemetry(getSettings())).toBe(false);
    expect(telemetryStarted()).toBe(false);

    const user = api.as('quiet-user');
    expect((await user.post('/tasks', { id: 'quiet', title: 'Say nothing' })).status).toBe(201);
    expect((await user.get('/tasks/quiet')).status).toBe(200);
    expect((await user.get('/tasks/no-such-task')).status).toBe(404);
    expect((await user.get('/tasks?status=todo')).status).toBe(200);
    for (const timer of ['costReport', 'healthCheck']) {
      const run = await fetch(`${api.url}/admin/functions/${timer}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"input": ""}',
      });
      expect(run.status).toBe(202);
    }
    // The cost report is stored once the timer ran to its end (its CostReport event comes after that).
    const admin = api.as('ops', ['admin']);
    for (let tries = 0; (await admin.get('/reports/cost/latest')).status !== 200; tries += 1) {
      if (tries > 100) throw new Error('the cost report timer did not finish');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    trackEvent('CostReport', { requestCharge: 1 }); // a no-op without telemetry
    await flushTelemetry();
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(ingestion.requests).toEqual([]);
    expect(mockLoaded).toEqual([]);
  });
});
