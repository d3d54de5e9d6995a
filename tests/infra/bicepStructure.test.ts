// Structural checks of infra/ that run without a Bicep compiler (a checker over the source, see
// bicepSource.ts): modules and loaded files exist, parameters are used and passed, tracked resources are
// tagged, no location is hard-coded, API versions are consistent, the catalogue has no second copy.
import fs from 'node:fs';
import path from 'node:path';
import { loadSettings, SettingsError } from '../../shared/config/settings';
import {
  INFRA_DIR,
  allBicepFiles,
  childObject,
  declaredNames,
  modules,
  occurrences,
  params,
  readBicep,
  resources,
  topLevelEntries,
  type BicepFile,
} from './bicepSource';

const files = allBicepFiles();
const main = readBicep('main.bicep');
const parametersFile = JSON.parse(fs.readFileSync(path.join(INFRA_DIR, 'main.parameters.json'), 'utf8')) as {
  parameters: Record<string, { value: unknown }>;
};
const catalogue = JSON.parse(fs.readFileSync(path.join(INFRA_DIR, 'containers.json'), 'utf8')) as {
  containers: {
    name: string;
    partitionKey: { paths: string[] };
    indexingPolicy: { compositeIndexes?: { path: string }[][] };
  }[];
};

function moduleFile(from: BicepFile, relative: string): BicepFile {
  return readBicep(path.join(path.dirname(from.name), relative));
}

function literalStrings(file: BicepFile): string[] {
  return [...file.withStrings.matchAll(/'([^'\n]*)'/g)].map((m) => m[1]);
}

test('the checker reads the templates: main.bicep and its modules, with their declarations', () => {
  expect(files.map((f) => f.name)).toContain('main.bicep');
  expect(files.length).toBeGreaterThanOrEqual(5);
  expect(params(main).map((p) => p.name)).toEqual(
    expect.arrayContaining(['environmentName', 'location', 'principalId', 'authMode']),
  );
  expect(modules(main).length).toBeGreaterThanOrEqual(5);
  // A sanity check of the reader itself: a commented-out line is not code.
  expect(main.codeOnly).not.toMatch(/Local modules only/);
});

test('every module a template references exists', () => {
  for (const file of files) {
    for (const module of modules(file)) {
      const target = path.join(path.dirname(file.absolutePath), module.target);
      expect({ file: file.name, module: module.target, exists: fs.existsSync(target) }).toMatchObject({
        exists: true,
      });
    }
  }
});

test('every file loaded with loadJsonContent / loadTextContent exists', () => {
  for (const file of files) {
    for (const match of file.withStrings.matchAll(/load(?:Json|Text)Content\('([^']+)'\)/g)) {
      const target = path.join(path.dirname(file.absolutePath), match[1]);
      expect({ file: file.name, loads: match[1], exists: fs.existsSync(target) }).toMatchObject({
        exists: true,
      });
    }
  }
});

test('every parameter and variable declared in a template is used in it', () => {
  for (const file of files) {
    const declared = [...params(file).map((p) => p.name), ...declaredNames(file, 'var')];
    // The declaration itself is one occurrence.
    const unused = declared.filter((name) => occurrences(file, name) < 2);
    expect({ file: file.name, unused }).toEqual({ file: file.name, unused: [] });
  }
});

test('every module call passes only parameters the module declares, and all it requires', () => {
  for (const file of files) {
    for (const module of modules(file)) {
      const declared = params(moduleFile(file, module.target));
      const passedBlock = childObject(module.body, 'params');
      const passed = passedBlock ? [...topLevelEntries(passedBlock).keys()] : [];
      const unknown = passed.filter((name) => !declared.some((p) => p.name === name));
      const missing = declared.filter((p) => !p.hasDefault && !passed.includes(p.name)).map((p) => p.name);
      expect({ call: `${file.name} -> ${module.target}`, unknown, missing }).toEqual({
        call: `${file.name} -> ${module.target}`,
        unknown: [],
        missing: [],
      });
    }
  }
});

test('main.parameters.json sets only parameters main.bicep declares, and every one without a default', () => {
  const declared = params(main);
  const given = Object.keys(parametersFile.parameters);
  expect(given.filter((name) => !declared.some((p) => p.name === name))).toEqual([]);
  expect(declared.filter((p) => !p.hasDefault && !given.includes(p.name)).map((p) => p.name)).toEqual([]);
});

test('the defaults azd substitutes are values the parameters allow', () => {
  const declared = new Map(params(main).map((p) => [p.name, p]));
  for (const [name, { value }] of Object.entries(parametersFile.parameters)) {
    const fallback = /^\$\{\w+=(.*)\}$/.exec(String(value))?.[1];
    const allowed = declared.get(name)?.allowed;
    if (fallback !== undefined && allowed)
      expect({ name, fallback, ok: allowed.includes(fallback) }).toEqual({
        name,
        fallback,
        ok: true,
      });
  }
});

test('every tracked resource (one with a location) is tagged with the azd environment', () => {
  expect(main.withStrings).toMatch(/var tags = \{\s*'azd-env-name': environmentName\s*\}/);
  for (const file of files) {
    for (const resource of resources(file).filter((r) => !r.existing)) {
      const entries = topLevelEntries(resource.body);
      if (!entries.has('location')) continue;
      // Every module receives main.bicep's tags object and passes it on, possibly with more tags added.
      expect({ file: file.name, resource: resource.symbol, tags: entries.get('tags') }).toMatchObject({
        tags: expect.stringMatching(/^(tags|union\(tags,)/),
      });
    }
  }
});

test('no location is hard-coded: resources and modules take the location parameter (or global)', () => {
  const regionNames =
    /^(((east|west|central|northcentral|southcentral|westcentral)us\d?)|(north|west)europe|uk(south|west)|francecentral|germanywestcentral|swedencentral|switzerlandnorth|norwayeast|japan(east|west)|koreacentral|australia(east|southeast)|(south)?eastasia|brazilsouth|canada(central|east)|(central|south)india|uaenorth|italynorth|polandcentral|spaincentral|mexicocentral|israelcentral|qatarcentral|southafricanorth)$/;
  const regionDisplayNames = /^(East|West|North|South|Central)( [A-Z][a-z]+)* (US|Europe|Asia)( \d)?$/;
  const regionLike = { test: (s: string) => regionNames.test(s) || regionDisplayNames.test(s) };
  for (const file of files) {
    for (const declaration of [...resources(file), ...modules(file)]) {
      const entries = topLevelEntries(declaration.body);
      const locations = [
        entries.get('location'),
        childObject(declaration.body, 'params') &&
          topLevelEntries(childObject(declaration.body, 'params')!).get('location'),
      ].filter((v): v is string => v !== undefined);
      for (const value of locations) {
        expect({ file: file.name, symbol: declaration.symbol, value }).toMatchObject({
          value: expect.stringMatching(/^(location|'global')$/),
        });
      }
    }
    // Nor is a region name written anywhere else, e.g. as a parameter default.
    expect({ file: file.name, regions: literalStrings(file).filter((s) => regionLike.test(s)) }).toEqual({
      file: file.name,
      regions: [],
    });
  }
});

test('parameters that carry secrets are @secure() and have no default value', () => {
  const secretName = /(password|secret|token|connectionstring|apikey|accountkey)$/i;
  for (const file of files) {
    for (const param of params(file)) {
      if (secretName.test(param.name))
        expect({ file: file.name, param }).toMatchObject({ param: { secure: true } });
      if (param.secure) expect({ file: file.name, param }).toMatchObject({ param: { hasDefault: false } });
    }
  }
});

test('each resource type uses one stable API version across all templates', () => {
  const versions = new Map<string, Set<string>>();
  for (const file of files) {
    for (const resource of resources(file)) {
      const [type, version] = resource.target.split('@');
      if (version === undefined) continue; // a nested child type inherits its parent's version
      expect({ file: file.name, type, version }).toMatchObject({
        version: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
      versions.set(type, (versions.get(type) ?? new Set()).add(version));
    }
  }
  const mixed = [...versions]
    .filter(([, v]) => v.size > 1)
    .map(([type, v]) => `${type}: ${[...v].join(', ')}`);
  expect(mixed).toEqual([]);
});

test('role assignments have deterministic names, so a second azd up changes nothing', () => {
  for (const file of files) {
    for (const resource of resources(file).filter((r) => /roleAssignments@/i.test(r.target))) {
      expect({
        file: file.name,
        resource: resource.symbol,
        name: topLevelEntries(resource.body).get('name'),
      }).toMatchObject({
        name: expect.stringMatching(/^guid\(/),
      });
    }
  }
});

test('the container catalogue is read from infra/containers.json, never copied into a template', () => {
  expect(main.withStrings).toMatch(/catalogue: loadJsonContent\('containers\.json'\)/);
  const cosmos = readBicep('modules/cosmos.bicep');
  expect(cosmos.codeOnly).toMatch(/for container in catalogue\.containers/);
  const catalogueLiterals = new Set<string>();
  for (const container of catalogue.containers) {
    catalogueLiterals.add(container.name);
    container.partitionKey.paths.forEach((p) => catalogueLiterals.add(p));
    container.indexingPolicy.compositeIndexes?.flat().forEach((p) => catalogueLiterals.add(p.path));
  }
  for (const file of files) {
    expect({ file: file.name, copies: literalStrings(file).filter((s) => catalogueLiterals.has(s)) }).toEqual(
      {
        file: file.name,
        copies: [],
      },
    );
  }
});

test('the Cosmos DB database name defaults to the app default of COSMOS_DATABASE', () => {
  const database = params(main).find((p) => p.name === 'cosmosDatabaseName');
  expect(database?.defaultText).toBe(`'${loadSettings({}).cosmos.database}'`);
});

test('outputs are UPPER_SNAKE, and none would be refused by the app if the azd environment fed a local run', () => {
  const outputs = declaredNames(main, 'output');
  expect(outputs).toEqual(
    expect.arrayContaining([
      'AZURE_LOCATION',
      'AZURE_TENANT_ID',
      'AZURE_RESOURCE_GROUP',
      'API_BASE_URL',
      'COSMOS_ENDPOINT',
    ]),
  );
  const azdVariables = Object.values(parametersFile.parameters).flatMap((p) =>
    [...String(p.value).matchAll(/\$\{(\w+)/g)].map((m) => m[1]),
  );
  for (const name of [...outputs, ...azdVariables]) {
    expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
    // The app stops on an unknown name under its own prefixes (a typo guard); an azd name must not trip it.
    let refusedAsUnknown = false;
    try {
      loadSettings({ [name]: 'x' });
    } catch (error) {
      refusedAsUnknown = error instanceof SettingsError && /^Unknown setting/.test(error.message);
    }
    expect({ name, refusedAsUnknown }).toEqual({ name, refusedAsUnknown: false });
  }
});
