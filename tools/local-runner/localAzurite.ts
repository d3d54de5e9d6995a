// `npm start`'s Azurite: when the storage setting names a local Azurite (UseDevelopmentStorage=true, or a
// connection string whose BlobEndpoint is http://127.0.0.1:<port>/devstoreaccount1), start its blob
// service beside the app — once the app listens and at a lower CPU priority, so its second of booting
// never holds up the app's first answers — unless something already listens there (a developer's own
// Azurite), which is then used as it is. Never fatal: if Azurite cannot start, the app runs and the
// report routes answer that storage is unavailable.
import path from 'node:path';
import type { Settings } from '../../shared/config/settings';
import { AZURITE_ACCOUNT, isListening, spawnAzurite, type AzuriteProcess } from './azurite';
import { errorProperties, type RunnerLog } from './runnerLog';

/** Azurite's default blob port, where UseDevelopmentStorage=true points. */
export const AZURITE_DEFAULT_BLOB_PORT = 10000;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** The connection string's entries by lower-case key (values keep any "=" they contain, as keys do not). */
function connectionStringEntries(connectionString: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) entries.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return entries;
}

/**
 * Where a connection string expects a local Azurite blob service, or undefined when it names other
 * storage: UseDevelopmentStorage=true is 127.0.0.1:10000; a BlobEndpoint of
 * http://127.0.0.1:<port>/devstoreaccount1 (or localhost) is that port.
 */
export function localAzuriteEndpoint(connectionString: string | undefined): { port: number } | undefined {
  if (!connectionString) return undefined;
  const entries = connectionStringEntries(connectionString);
  if (entries.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    return { port: AZURITE_DEFAULT_BLOB_PORT };
  }
  const endpoint = entries.get('blobendpoint');
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  const account = url.pathname.split('/')[1];
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname) || account !== AZURITE_ACCOUNT) {
    return undefined;
  }
  return url.port ? { port: Number(url.port) } : undefined;
}

/** npm start's Azurite, whichever way it went; stop() ends it if this process started it. */
export interface LocalAzurite {
  stop(): Promise<void>;
}

/** Starts Azurite for `npm start` when the settings call for a local one (see the file comment); never throws. */
export function startLocalAzurite(settings: Settings, log: RunnerLog): LocalAzurite {
  const endpoint = localAzuriteEndpoint(settings.azureWebJobsStorage);
  if (!endpoint) return { stop: async () => undefined };

  const host = '127.0.0.1';
  const url = `http://${host}:${endpoint.port}/${AZURITE_ACCOUNT}`;
  const location = path.join(settings.dataDir, 'azurite');
  const logFile = path.join(settings.dataDir, 'azurite.log');
  let azurite: AzuriteProcess | undefined;
  let stopped = false;

  const started = (async () => {
    if (await isListening(host, endpoint.port)) {
      log.logger.info('azurite already listening; using it for reports', { url });
      return;
    }
    if (stopped) return;
    try {
      azurite = spawnAzurite({ host, port: endpoint.port, location, logFile, background: true });
      await azurite.ready();
      log.logger.info('azurite listening', { url, pid: azurite.pid, location, log: logFile });
    } catch (error) {
      await azurite?.stop();
      // Stopped while starting: the app is going down, nothing to report.
      if (stopped) return;
      log.logger.warn('azurite did not start; reports are unavailable until it runs', {
        url,
        log: logFile,
        ...errorProperties(error),
      });
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      // Spawned (ready or not): end it now. Still probing the port: the probe sees `stopped` and spawns
      // nothing. The start-up promise only logs; it never rejects.
      await azurite?.stop();
      await started;
      await azurite?.stop();
    },
  };
}
