// Files the app reads from its own folder at run time instead of importing them, so no bundler sees them.
// The package keeps each at the same path relative to its root (the folder of package.json), where the
// code looks for them.
import { DASHBOARD_ASSET_FILES } from '../../shared/dashboard/dashboardAssets';

/** Paths relative to the repository root, copied into the package unchanged. */
export const RUNTIME_FILES: readonly string[] = [
  // The dashboard page inlines uPlot and its own client script and style, read on first request.
  ...Object.values(DASHBOARD_ASSET_FILES),
];
