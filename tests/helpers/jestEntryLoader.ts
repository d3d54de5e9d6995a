// Loads an entry module (the deployment bundle) through jest's module registry, so that it shares the
// test's process.env, Date and timers as the source tree does, and answers its require of the Functions
// worker's built-in module with the recorder loadEntryModule passes in. Each load is a fresh module
// graph: a new app with the settings of that moment.
import { FUNCTIONS_CORE_MODULE, type EntryLoader } from '../../tools/local-runner/entryModule';

/** An EntryLoader for tests: jest's require, fresh each time, with @azure/functions-core mocked in. */
export const jestEntryLoader: EntryLoader = (file, coreApi) => {
  jest.isolateModules(() => {
    // A virtual mock: there is no such package on disk, as in Azure, where the worker provides it.
    jest.doMock(FUNCTIONS_CORE_MODULE, () => coreApi, { virtual: true });
    try {
      jest.requireActual<object>(file);
    } finally {
      // The source tree's own @azure/functions (the runner's HttpRequest) stays in test mode.
      jest.dontMock(FUNCTIONS_CORE_MODULE);
    }
  });
};
