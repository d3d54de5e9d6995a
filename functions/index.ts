// The entry module the Functions host loads (package.json "main"): registers every function of the table.
import { app } from '@azure/functions';
import { getSettings } from '../shared/config/settings';
import { disposeDocumentStore } from '../shared/data/storeFactory';
import { buildFunctionTable } from './functionTable';

for (const definition of buildFunctionTable(getSettings())) {
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

// Close the one CosmosClient / SQLite handle when the host shuts the worker down.
app.hook.appTerminate(() => disposeDocumentStore());
