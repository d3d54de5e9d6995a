import fs from 'node:fs';
import path from 'node:path';

/** The files the dashboard page is assembled from, relative to the app's root (the folder of package.json). */
export const DASHBOARD_ASSET_FILES = {
  chartScript: 'node_modules/uplot/dist/uPlot.iife.min.js',
  chartStyle: 'node_modules/uplot/dist/uPlot.min.css',
  pageScript: 'shared/dashboard/client/dashboard.js',
  pageStyle: 'shared/dashboard/client/dashboard.css',
} as const;

export type DashboardAssetName = keyof typeof DASHBOARD_ASSET_FILES;

/** The text of every dashboard asset. */
export type DashboardAssets = Record<DashboardAssetName, string>;

/** Thrown when an asset file is missing: a packaging mistake, named so it can be fixed. */
export class DashboardAssetMissingError extends Error {
  constructor(readonly file: string) {
    super(`The dashboard asset ${file} is missing from the deployed app.`);
    this.name = 'DashboardAssetMissingError';
  }
}

// The client files are not TypeScript, so tsc does not copy them to dist/: they are read where they are
// in the app (the source tree, or the deployed package, which keeps them since .funcignore drops only *.ts).
// The root is found by walking up to package.json, which works from shared/dashboard (ts-jest) and from
// dist/shared/dashboard (npm start, the Functions host) alike.
function appRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** Reads every asset of the page from the app's files (uPlot from node_modules, the page's own client files). */
export function readDashboardAssets(): DashboardAssets {
  const root = appRoot();
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(root, file), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DashboardAssetMissingError(file);
      throw error;
    }
  };
  return {
    chartScript: read(DASHBOARD_ASSET_FILES.chartScript),
    chartStyle: read(DASHBOARD_ASSET_FILES.chartStyle),
    pageScript: read(DASHBOARD_ASSET_FILES.pageScript),
    pageStyle: read(DASHBOARD_ASSET_FILES.pageStyle),
  };
}
