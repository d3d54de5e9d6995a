import fs from 'node:fs';
import path from 'node:path';
import { SETTING_NAMES } from '../../shared/config/settings';

// Settings the Functions host itself reads; they belong in the sample but not in the app's own list.
const HOST_SETTINGS = ['FUNCTIONS_WORKER_RUNTIME'];

const sample = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'local.settings.sample.json'), 'utf8'),
) as {
  Values: Record<string, string>;
  Documentation: Record<string, string>;
};

test('local.settings.sample.json lists exactly the settings the app reads, plus the host settings', () => {
  expect(Object.keys(sample.Values).sort()).toEqual([...SETTING_NAMES, ...HOST_SETTINGS].sort());
});

test('every setting in the sample is documented', () => {
  expect(Object.keys(sample.Documentation).sort()).toEqual(Object.keys(sample.Values).sort());
});

test('the sample holds no secret values', () => {
  expect(sample.Values.COSMOS_KEY).toBe('');
  expect(sample.Values.APPLICATIONINSIGHTS_CONNECTION_STRING).toBe('');
});
