// What `azd deploy` ships: azure.yaml names the service the templates tag, and deploys the package folder
// the packaging tool (tools/package, `npm run package`) builds.
import fs from 'node:fs';
import path from 'node:path';
import { readBicep, resources, topLevelEntries } from './bicepSource';

const ROOT = path.join(__dirname, '..', '..');

type YamlNode = { [key: string]: YamlNode | string };

/** The subset of YAML azure.yaml uses: nested "key: value" maps by indentation, # comments. */
function readSimpleYaml(text: string): YamlNode {
  const root: YamlNode = {};
  const stack: { indent: number; node: YamlNode }[] = [{ indent: -1, node: root }];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, '');
    if (!line.trim()) continue;
    const match = /^(\s*)([\w.-]+):\s*(.*)$/.exec(line);
    if (!match) throw new Error(`azure.yaml: this reader does not understand "${raw}"`);
    const indent = match[1].length;
    while (stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack[stack.length - 1].node;
    if (match[3] === '') {
      const child: YamlNode = {};
      parent[match[2]] = child;
      stack.push({ indent, node: child });
    } else {
      parent[match[2]] = match[3];
    }
  }
  return root;
}

const azureYaml = readSimpleYaml(fs.readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8'));
test('azure.yaml deploys one Functions service, api, from the package npm run package builds', () => {
  const services = azureYaml.services as YamlNode;
  expect(Object.keys(services)).toEqual(['api']);
  const npmPackage = { shell: expect.any(String), run: 'npm run package' };
  expect(services.api).toEqual({
    project: '.',
    dist: '.deploy',
    language: 'ts',
    host: 'function',
    // The package installs nothing, so a remote build would have nothing to do.
    remoteBuild: 'false',
    hooks: { prepackage: { posix: npmPackage, windows: npmPackage } },
  });
  expect(azureYaml.infra).toEqual({ provider: 'bicep', path: 'infra', module: 'main' });
  expect(fs.existsSync(path.join(ROOT, 'infra', 'main.bicep'))).toBe(true);
});

test('npm run package is the packaging tool, and it writes the folder azure.yaml deploys', () => {
  const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    main: string;
    scripts: Record<string, string>;
  };
  expect(packageJson.scripts.package).toMatch(/node dist\/tools\/package\/main\.js$/);
  // Read as text, not imported: the layout constant is the packaging tool's, this only checks agreement.
  const layout = fs.readFileSync(path.join(ROOT, 'tools', 'package', 'packageLayout.ts'), 'utf8');
  expect(/export const PACKAGE_DIR = '([^']+)'/.exec(layout)?.[1]).toBe(
    (azureYaml.services as Record<string, YamlNode>).api.dist,
  );
});

test('the function app is tagged with the service name azure.yaml deploys to', () => {
  const api = readBicep('modules/api.bicep');
  const site = resources(api).find((r) => r.target.startsWith('Microsoft.Web/sites@'));
  expect(topLevelEntries(site!.body).get('tags')).toMatch(/'azd-service-name': '(\w+)'/);
  const service = /'azd-service-name': '(\w+)'/.exec(topLevelEntries(site!.body).get('tags')!)![1];
  expect(Object.keys(azureYaml.services as YamlNode)).toEqual([service]);
});
