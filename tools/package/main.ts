// `npm run package`: builds the deployment package (.deploy/) and prints what is in it.
import fs from 'node:fs';
import path from 'node:path';
import { renderTable } from '../cli/table';
import { BundleError } from './bundleApp';
import { buildDeploymentPackage, type PackageReport } from './deploymentPackage';

const KB = 1024;
const MB = 1024 * KB;

function size(bytes: number): string {
  return bytes < 100 * KB ? `${(bytes / KB).toFixed(1)} KB` : `${(bytes / MB).toFixed(2)} MB`;
}

/** The report `npm run package` prints. */
export function renderPackageReport(report: PackageReport, cwd: string): string {
  const rel = (file: string) => path.relative(cwd, file) || '.';
  const rows = [
    [
      rel(report.entry),
      size(report.bundle.bytes),
      'the app: functions, shared code, @azure/functions, Azure SDKs',
    ],
    ...report.threads.map((t) => [rel(t.file), size(t.bytes), 'a worker thread the app starts']),
    ...report.separate.map((s) => [rel(s.file), size(s.bytes), `${s.name}: ${s.why}`]),
  ];
  return [
    `Deployment package ${rel(report.packageDir)}: ${report.files} files, ${size(report.bytes)}` +
      (report.zip
        ? ` (zip ${size(report.zip.bytes)}: ${rel(report.zip.file)})`
        : ' (no `zip` command: zip skipped)') +
      `, built in ${(report.buildMs / 1000).toFixed(1)} s`,
    '',
    renderTable([{ heading: 'File' }, { heading: 'Size', align: 'right' }, { heading: 'What' }], rows),
    '',
    `Left out: ${report.leftOut.map((l) => `${l.name} (${l.why})`).join('; ')}.`,
    `Source maps and esbuild metafiles (not deployed): ${rel(path.dirname(report.bundle.mapFile))}`,
    '',
  ].join('\n');
}

// The repository: the nearest folder with a package.json, from dist/tools/package and tools/package alike.
function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${__dirname}`);
  }
}

/** Builds the package for the repository this file belongs to; resolves to the exit code. */
export async function main(): Promise<number> {
  const root = repositoryRoot();
  try {
    const report = await buildDeploymentPackage({ root });
    process.stdout.write(renderPackageReport(report, process.cwd()));
    return 0;
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
