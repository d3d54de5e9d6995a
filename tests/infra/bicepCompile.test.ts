// Builds and lints every template with the real Bicep compiler: zero errors and zero warnings. Where no
// compiler is installed (`bicep` or `az bicep` on PATH), the test is skipped and says so; the structural
// checks in bicepStructure.test.ts still run everywhere.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allBicepFiles } from './bicepSource';

type Compiler = {
  describe: string;
  build: (file: string, outDir: string) => string[];
  lint: (file: string) => string[];
};

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 });
  return {
    status: result.error ? null : result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`,
  };
}

/** The bicep CLI, or the one az manages; undefined when neither is installed (nothing is downloaded). */
function findCompiler(): Compiler | undefined {
  if (run('bicep', ['--version']).status === 0) {
    return {
      describe: 'bicep',
      build: (file, outDir) => ['build', file, '--outdir', outDir],
      lint: (file) => ['lint', file],
    };
  }
  // `az bicep version` only reports an installed compiler; `az bicep build` could install one on its own.
  if (run('az', ['bicep', 'version']).status === 0) {
    return {
      describe: 'az bicep',
      build: (file, outDir) => ['bicep', 'build', '--file', file, '--outdir', outDir],
      lint: (file) => ['bicep', 'lint', '--file', file],
    };
  }
  return undefined;
}

const compiler = findCompiler();
const files = allBicepFiles();
// Bicep reports problems as "<file>(line,col) : Warning|Error <code>: message".
const PROBLEM = /\b(Warning|Error)\b/;

if (!compiler) {
  console.warn(
    'tests/infra: no Bicep compiler on PATH (bicep or az bicep), so the templates were not built or linted here.',
  );
}

(compiler ? describe : describe.skip)(
  compiler
    ? `Bicep compiler (${compiler.describe})`
    : 'Bicep compiler (SKIPPED: neither `bicep` nor `az bicep` is on PATH)',
  () => {
    const command = compiler?.describe === 'az bicep' ? 'az' : 'bicep';
    let outDir = '';
    beforeAll(() => {
      outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bicep-'));
    });
    afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

    test.each(files.map((f) => f.name))('%s builds and lints with no error and no warning', (name) => {
      const file = files.find((f) => f.name === name)!.absolutePath;
      for (const args of [compiler!.build(file, outDir), compiler!.lint(file)]) {
        const { status, output } = run(command, args);
        const problems = output.split('\n').filter((line) => PROBLEM.test(line));
        expect({ args: args.join(' '), status, problems }).toEqual({
          args: args.join(' '),
          status: 0,
          problems: [],
        });
      }
    });
  },
);
