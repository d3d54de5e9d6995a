// Where `npm run package` writes, and where the package's entry module sits inside it.
import fs from 'node:fs';
import path from 'node:path';

/** The deployment package folder (what is deployed), relative to the repository root. */
export const PACKAGE_DIR = '.deploy';

/** What the build leaves beside the package and is not deployed: source maps, metafiles, the zip. */
export const BUILD_DIR = '.deploy-build';

/** The zip of the package folder, inside BUILD_DIR. */
export const PACKAGE_ZIP = 'package.zip';

/** The app's package.json, the fields the package keeps. */
export interface AppManifest {
  name: string;
  version: string;
  main: string;
  engines?: Record<string, string>;
}

/** Reads the repository's package.json; its "main" is the entry module the Functions host loads. */
export function readAppManifest(root: string): AppManifest {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
  ) as Partial<AppManifest>;
  if (typeof manifest.name !== 'string' || typeof manifest.version !== 'string') {
    throw new Error(`${path.join(root, 'package.json')} has no name or version`);
  }
  return {
    name: manifest.name,
    version: manifest.version,
    main: manifest.main ?? 'index.js',
    engines: manifest.engines,
  };
}

/** The bundled entry module inside a package folder: the same relative path as the repository's "main". */
export function bundledEntry(root: string, packageDir: string = path.join(root, PACKAGE_DIR)): string {
  return path.join(packageDir, readAppManifest(root).main);
}
