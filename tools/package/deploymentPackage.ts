// `npm run package`'s work: the deployment package folder (host.json, a package.json whose "main" is the
// bundle and that installs nothing, the bundle, the separately loaded packages and the files the app reads
// at run time), the source maps and esbuild metafiles beside it, and a zip of it.
import fs from 'node:fs';
import path from 'node:path';
import { bundleEntry, bundlePackage, type BuiltBundle } from './bundleApp';
import { BUNDLE_EXTERNALS, separatePackages } from './bundleExternals';
import { directoryStats } from './directoryStats';
import { BUILD_DIR, PACKAGE_DIR, PACKAGE_ZIP, readAppManifest } from './packageLayout';
import { RUNTIME_FILES } from './runtimeFiles';
import { zipDirectory } from './zipDirectory';

/** Where to build; defaults are the repository's .deploy and .deploy-build. */
export interface PackageOptions {
  /** The repository (its package.json, host.json and functions/index.ts). */
  root: string;
  packageDir?: string;
  buildDir?: string;
  /** Also write BUILD_DIR/package.zip (when a `zip` command exists); default true. */
  zip?: boolean;
}

/** What was built. */
export interface PackageReport {
  packageDir: string;
  /** The bundled entry module, package.json "main" of the package. */
  entry: string;
  /** The whole package folder. */
  bytes: number;
  files: number;
  /** The zip of the folder, when one was written. */
  zip?: { file: string; bytes: number };
  /** The entry module's bundle. */
  bundle: BuiltBundle;
  /** The bundles of the worker threads the app starts (THREAD_ENTRIES), beside the entry module's. */
  threads: BuiltBundle[];
  /** Each separately loaded package the app imports, bundled into the package's node_modules. */
  separate: (BuiltBundle & { name: string; why: string })[];
  /** Modules the package leaves out, and why (BUNDLE_EXTERNALS). */
  leftOut: { name: string; why: string }[];
  buildMs: number;
}

/**
 * The modules the app starts worker threads on, bundled each into a file of its own beside the entry
 * module's bundle, where the app looks for them (its __dirname): the telemetry thread (appInsightsPipeline.ts).
 */
export const THREAD_ENTRIES = [path.join('shared', 'telemetry', 'telemetryWorker.ts')];

function resetDirectory(dir: string, root: string): void {
  const resolved = path.resolve(dir);
  // A wrong option must never empty the repository or a folder that contains it.
  if (path.relative(resolved, root) === '' || !path.relative(resolved, root).startsWith('..')) {
    throw new Error(`Refusing to empty ${resolved}: it is or contains the repository`);
  }
  fs.rmSync(resolved, { recursive: true, force: true });
  fs.mkdirSync(resolved, { recursive: true });
}

function installedVersion(root: string, name: string): string {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version?: string };
  return manifest.version ?? '0.0.0';
}

/** Builds the deployment package; throws BundleError when a bundle would need a module nothing provides. */
export async function buildDeploymentPackage(options: PackageOptions): Promise<PackageReport> {
  const started = performance.now();
  const root = path.resolve(options.root);
  const packageDir = path.resolve(options.packageDir ?? path.join(root, PACKAGE_DIR));
  const buildDir = path.resolve(options.buildDir ?? path.join(root, BUILD_DIR));
  resetDirectory(packageDir, root);
  resetDirectory(buildDir, root);

  const manifest = readAppManifest(root);
  const entry = path.join(packageDir, manifest.main);
  const bundle = await bundleEntry(root, entry, path.join(buildDir, `${path.basename(entry)}.map`));
  const threads: BuiltBundle[] = [];
  for (const source of THREAD_ENTRIES) {
    const file = `${path.basename(source, '.ts')}.js`;
    threads.push(
      await bundleEntry(
        root,
        path.join(path.dirname(entry), file),
        path.join(buildDir, `${file}.map`),
        source,
      ),
    );
  }

  // A package gets its own bundle only when a bundle imports it (the app's, or another package's for a
  // shared one); its require(name) then finds node_modules/<name>/index.js, as in any Node app, both in
  // Azure and when the package runs locally.
  const ownBundles = new Set(separatePackages());
  const wanted = (built: BuiltBundle) =>
    built.imports.map((i) => i.path).filter((name) => ownBundles.has(name));
  const queue = [...new Set([bundle, ...threads].flatMap(wanted))];
  const separate: PackageReport['separate'] = [];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const dir = path.join(packageDir, 'node_modules', name);
    const built = await bundlePackage(
      root,
      name,
      path.join(dir, 'index.js'),
      path.join(buildDir, 'node_modules', name, 'index.js.map'),
    );
    const version = installedVersion(root, name);
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      `${JSON.stringify({ name, version, private: true, main: 'index.js', description: `${name} ${version}, bundled by npm run package` }, null, 2)}\n`,
    );
    separate.push({ ...built, name, why: BUNDLE_EXTERNALS[name].why });
    for (const next of wanted(built)) {
      if (!queue.includes(next) && !separate.some((s) => s.name === next)) queue.push(next);
    }
  }

  fs.copyFileSync(path.join(root, 'host.json'), path.join(packageDir, 'host.json'));
  for (const file of RUNTIME_FILES) {
    fs.mkdirSync(path.dirname(path.join(packageDir, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(packageDir, file));
  }
  // Nothing to install: every dependency Azure needs is in the bundles. Without a dependency list a
  // remote build has nothing to do, and nothing in the package can drift from what was tested.
  const deployedManifest = {
    name: manifest.name,
    version: manifest.version,
    private: true,
    description: `Deployment package of ${manifest.name}, built by npm run package (do not edit)`,
    main: manifest.main,
    ...(manifest.engines ? { engines: manifest.engines } : {}),
    dependencies: {},
  };
  fs.writeFileSync(path.join(packageDir, 'package.json'), `${JSON.stringify(deployedManifest, null, 2)}\n`);

  fs.writeFileSync(path.join(buildDir, 'metafile.json'), JSON.stringify(bundle.metafile));
  for (const built of separate) {
    fs.writeFileSync(
      path.join(buildDir, 'node_modules', built.name, 'metafile.json'),
      JSON.stringify(built.metafile),
    );
  }

  const stats = directoryStats(packageDir);
  let zip: PackageReport['zip'];
  if (options.zip ?? true) {
    const file = path.join(buildDir, PACKAGE_ZIP);
    if (zipDirectory(packageDir, file)) zip = { file, bytes: fs.statSync(file).size };
  }
  return {
    packageDir,
    entry,
    bytes: stats.bytes,
    files: stats.files,
    zip,
    bundle,
    threads,
    separate,
    leftOut: Object.entries(BUNDLE_EXTERNALS)
      .filter(([, external]) => external.kind === 'host' || external.kind === 'local-only')
      .map(([name, external]) => ({ name, why: external.why })),
    buildMs: performance.now() - started,
  };
}
