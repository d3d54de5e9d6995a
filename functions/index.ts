// The entry module the Functions host loads (package.json "main"): registers every function of the table.
import { app } from '@azure/functions';
import { getSettings } from '../shared/config/settings';
import { disposeDocumentStore, warmUpDocumentStore } from '../shared/data/storeFactory';
import { startTelemetry, stopTelemetry } from '../shared/telemetry/appInsights';
import { createJsonLogger } from '../shared/telemetry/logger';
import { buildFunctionTable } from './functionTable';

const settings = getSettings();
// Before any function is registered, so the first invocation is traced (only with a connection string).
startTelemetry(settings);

for (const definition of buildFunctionTable(settings)) {
  if (definition.trigger === 'http') {
    app.http(definition.name, {
      route: definition.route,
      methods: definition.methods,
      authLevel: definition.authLevel,
      handler: definition.handler,
    });
  } else {
    app.timer(definition.name, {
      schedule: definition.schedule,
      runOnStartup: definition.runOnStartup ?? false,
      handler: definition.handler,
    });
  }
}

// Verify the store at start-up (in Azure: that every catalogue container exists) so a missing container
// is in the log before the first request. Not fatal: requests then fail with 503 and health says why.
app.hook.appStart(async () => {
  const failure = await warmUpDocumentStore();
  if (failure) {
    createJsonLogger(settings.logLevel).error('document store not ready at start-up', {
      backend: settings.dataBackend,
      error: failure,
    });
  }
});

// Close the one CosmosClient / SQLite handle when the host shuts the worker down, and send the last telemetry.
app.hook.appTerminate(async () => {
  await disposeDocumentStore();
  await stopTelemetry();
});
