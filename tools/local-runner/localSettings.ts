// local.settings.json and host.json, read the way `func start` reads them, so one set of files serves
// both `npm start` and Core Tools.
import fs from 'node:fs';
import path from 'node:path';
import { RunnerConfigError } from './runnerErrors';

/** local.settings.json or host.json cannot be used as it is. */
export class LocalSettingsError extends RunnerConfigError {}

type MutableEnv = Record<string, string | undefined>;

function readJson(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LocalSettingsError(`${path.basename(file)} is not valid JSON: ${reason}`);
  }
}

/**
 * Copies local.settings.json "Values" into env without overriding variables already set (as func start
 * does); returns the names applied. A missing file is not an error: settings may all come from env.
 */
export function applyLocalSettings(cwd: string, env: MutableEnv = process.env): string[] {
  const file = path.join(cwd, 'local.settings.json');
  if (!fs.existsSync(file)) return [];
  const content = readJson(file);
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new LocalSettingsError('local.settings.json must be a JSON object with a "Values" object');
  }
  const { IsEncrypted: encrypted, Values: values } = content as { IsEncrypted?: unknown; Values?: unknown };
  if (encrypted === true) {
    throw new LocalSettingsError(
      'local.settings.json is encrypted ("IsEncrypted": true); decrypt it with func settings decrypt',
    );
  }
  if (values === undefined) return [];
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new LocalSettingsError(
      'local.settings.json "Values" must be an object of setting names to strings',
    );
  }
  const applied: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (value !== null && typeof value === 'object') {
      throw new LocalSettingsError(`local.settings.json "Values.${name}" must be a string, not an object`);
    }
    // Anything set in the environment (a shell export, a CI variable) wins, as with func start.
    if (env[name] !== undefined) continue;
    env[name] = value === null ? '' : String(value);
    applied.push(name);
  }
  return applied;
}

/** The HTTP route prefix from host.json (extensions.http.routePrefix), "api" when unset, as the host reads it. */
export function readRoutePrefix(cwd: string): string {
  const file = path.join(cwd, 'host.json');
  if (!fs.existsSync(file)) return 'api';
  const content = readJson(file) as { extensions?: { http?: { routePrefix?: unknown } } } | null;
  const prefix = content?.extensions?.http?.routePrefix;
  if (prefix === undefined) return 'api';
  if (typeof prefix !== 'string')
    throw new LocalSettingsError('host.json extensions.http.routePrefix must be a string');
  return prefix.replace(/^\/+|\/+$/g, '');
}

/**
 * npm start's storage default. When neither the environment nor local.settings.json configures storage
 * (AzureWebJobsStorage, or AzureWebJobsStorage__blobServiceUri), AzureWebJobsStorage takes the value
 * local.settings.sample.json documents — UseDevelopmentStorage=true, the Azurite npm start runs — so a
 * fresh clone stores its reports without copying the sample first. Set AzureWebJobsStorage to an empty
 * value to run without storage. Not in Azure, where storage is always configured explicitly. Returns the
 * value applied, if any.
 */
export function applyStorageDefault(cwd: string, env: MutableEnv = process.env): string | undefined {
  if (env.WEBSITE_INSTANCE_ID) return undefined;
  if (env.AzureWebJobsStorage !== undefined || env.AzureWebJobsStorage__blobServiceUri !== undefined) {
    return undefined;
  }
  const file = path.join(cwd, 'local.settings.sample.json');
  if (!fs.existsSync(file)) return undefined;
  const content = readJson(file) as { Values?: { AzureWebJobsStorage?: unknown } } | null;
  const value = content?.Values?.AzureWebJobsStorage;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  env.AzureWebJobsStorage = value;
  return value;
}
