import { applyLocalSettings } from '../local-runner/localSettings';

/**
 * The environment plus local.settings.json "Values" from the working directory (the environment wins), so
 * a tool reads the same settings as `npm start` does.
 */
export function settingsEnvironment(cwd: string = process.cwd()): Record<string, string | undefined> {
  const env = { ...process.env };
  applyLocalSettings(cwd, env);
  return env;
}
