import type { Settings } from '../shared/config/settings';
import { bulkFunctions } from './bulk';
import { costReportFunctions } from './costReport';
import type { FunctionDefinition } from './functionDefinition';
import { healthFunctions } from './health';
import { meFunctions } from './me';
import { openApiFunctions } from './openapi';
import { fitnessFunctions } from './fitness';
import { projectFunctions } from './projects';
import { reportFunctions } from './reports';
import { taskFunctions } from './tasks';

/** Every function of the app: the Functions host registers this table (index.ts) and the local runner serves it. */
export function buildFunctionTable(settings: Settings): FunctionDefinition[] {
  return [
    ...healthFunctions(settings),
    ...projectFunctions(),
    ...taskFunctions(),
    ...fitnessFunctions(),
    ...meFunctions(),
    ...bulkFunctions(),
    ...reportFunctions(),
    ...costReportFunctions(settings),
    ...openApiFunctions(),
  ];
}
