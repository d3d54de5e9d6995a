import type { Settings } from '../shared/config/settings';
import { instrumentHttpHandler, instrumentTimerHandler } from '../shared/telemetry/invocationTelemetry';
import { bulkFunctions } from './bulk';
import { costReportFunctions } from './costReport';
import { dashboardFunctions } from './dashboard';
import type { FunctionDefinition } from './functionDefinition';
import { healthFunctions } from './health';
import { meFunctions } from './me';
import { metricsFunctions } from './metrics';
import { openApiFunctions } from './openapi';
import { fitnessFunctions } from './fitness';
import { projectFunctions } from './projects';
import { reportFunctions } from './reports';
import { taskFunctions } from './tasks';

// Every function is wrapped once here, so the Functions host and the local runner run the same telemetry:
// a correlation id per invocation and a record of each finished one for the observers (metrics, App Insights).
function instrumented(definition: FunctionDefinition): FunctionDefinition {
  if (definition.trigger === 'http') {
    const operation = `${definition.methods.join(',')} ${definition.route}`;
    return { ...definition, handler: instrumentHttpHandler(definition.name, operation, definition.handler) };
  }
  return { ...definition, handler: instrumentTimerHandler(definition.name, definition.handler) };
}

/** Every function of the app: the Functions host registers this table (index.ts) and the local runner serves it. */
export function buildFunctionTable(settings: Settings): FunctionDefinition[] {
  return functionsOf(settings).map(instrumented);
}

function functionsOf(settings: Settings): FunctionDefinition[] {
  return [
    ...healthFunctions(settings),
    ...projectFunctions(),
    ...taskFunctions(),
    ...fitnessFunctions(),
    ...meFunctions(),
    ...bulkFunctions(),
    ...reportFunctions(),
    ...metricsFunctions(settings),
    ...costReportFunctions(settings),
    ...openApiFunctions(),
    ...dashboardFunctions(),
  ];
}
