// The esbuild builds of the deployment package: the app's entry module as one CommonJS file, and each
// separately loaded package (bundleExternals.ts) as one file of its own.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import {
  BUNDLE_EXTERNALS,
  packageExternals,
  unprovidedImports,
  type BundleExternal,
  type RuntimeImport,
} from './bundleExternals';

/** One bundle written to disk. */
export interface BuiltBundle {
  /** The bundle, e.g. <package>/dist/functions/index.js. */
  file: string;
  bytes: number;
  /** Its source map, written outside the package (Azure does not need it; it symbolicates stack traces). */
  mapFile: string;
  /** The imports it leaves to run time besides Node's built-ins. */
  imports: RuntimeImport[];
  /** esbuild's record of what went in (feed it to https://esbuild.github.io/analyze/). */
  metafile: esbuild.Metafile;
}

/** Thrown when a bundle cannot be built or would need a module that the package does not provide. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

// One CommonJS file for the Node version Azure runs (the worker loads package.json "main" with require).
// Minified for parse time and size; keepNames keeps function and class names, so error names and stack
// traces still read "handleRequest", not "a".
const COMMON: esbuild.BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  keepNames: true,
  sourcemap: 'external',
  legalComments: 'eof',
  metafile: true,
  write: false,
  logLevel: 'silent',
};

async function build(
  options: esbuild.BuildOptions & { outfile: string },
  mapFile: string,
  allowed: Readonly<Record<string, BundleExternal>>,
): Promise<BuiltBundle> {
  let result: esbuild.BuildResult<{ metafile: true; write: false }>;
  try {
    result = await esbuild.build({ ...COMMON, ...options, metafile: true, write: false });
  } catch (error) {
    const errors = (error as { errors?: esbuild.Message[] }).errors ?? [];
    const text = errors.map((e) => `${e.location?.file ?? ''}: ${e.text}`).join('; ');
    throw new BundleError(`esbuild failed for ${options.outfile}: ${text || String(error)}`);
  }
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('.js'));
  const code = result.outputFiles.find((f) => f.path === path.resolve(options.outfile));
  const map = result.outputFiles.find((f) => f.path === `${path.resolve(options.outfile)}.map`);
  if (!output || !code || !map) throw new BundleError(`esbuild wrote no bundle for ${options.outfile}`);
  const imports = output[1].imports.map((i) => ({ path: i.path, kind: i.kind }));
  const missing = unprovidedImports(imports, allowed);
  if (missing.length > 0) {
    throw new BundleError(
      `${options.outfile} would require ${missing.map((i) => `${i.path} (${i.kind})`).join(', ')} at run time, ` +
        'which the deployment package does not provide: bundle it, or decide in tools/package/bundleExternals.ts',
    );
  }
  fs.mkdirSync(path.dirname(options.outfile), { recursive: true });
  fs.writeFileSync(options.outfile, code.contents);
  fs.mkdirSync(path.dirname(mapFile), { recursive: true });
  fs.writeFileSync(mapFile, map.contents);
  return {
    file: options.outfile,
    bytes: code.contents.byteLength,
    mapFile,
    imports,
    metafile: result.metafile,
  };
}

/**
 * Bundles an entry module of the app (functions/index.ts by default; a worker thread's module) into
 * `outfile`, leaving out only BUNDLE_EXTERNALS.
 */
export function bundleEntry(
  root: string,
  outfile: string,
  mapFile: string,
  source: string = path.join('functions', 'index.ts'),
): Promise<BuiltBundle> {
  return build(
    {
      absWorkingDir: root,
      entryPoints: [path.join(root, source)],
      outfile,
      external: Object.keys(BUNDLE_EXTERNALS),
    },
    mapFile,
    BUNDLE_EXTERNALS,
  );
}

/**
 * Bundles the installed package `name` (its main entry, as require(name) finds it from `root`) into one
 * file, `outfile`. Only the worker's built-in module and the shared packages stay outside.
 */
export function bundlePackage(
  root: string,
  name: string,
  outfile: string,
  mapFile: string,
): Promise<BuiltBundle> {
  const external = packageExternals(name);
  return build(
    {
      absWorkingDir: root,
      entryPoints: [name],
      outfile,
      external: Object.keys(external),
    },
    mapFile,
    external,
  );
}
