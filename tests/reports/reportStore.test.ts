// The report store against real Azurite (started by globalSetup): names, renderings, the newest report
// across years and months whatever order reports were saved in, bad input and storage failures.
import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { AppError } from '../../shared/errors/appError';
import { blobStorageTarget, createBlobServiceClient } from '../../shared/reports/blobServiceClient';
import { ReportStore, type ReportKind } from '../../shared/reports/reportStore';
import { freePort } from '../helpers/freePort';
import { azuriteConnectionString, testAzuriteConnectionString } from '../helpers/azurite';

const connectionString = testAzuriteConnectionString();
const service = BlobServiceClient.fromConnectionString(connectionString);

/** A store on its own container, so no other test (or file) sees its reports. */
function isolatedStore(): { store: ReportStore; container: ContainerClient } {
  const containerName = `test-${randomUUID()}`;
  return {
    store: new ReportStore({ target: { kind: 'connectionString', connectionString }, containerName }),
    container: service.getContainerClient(containerName),
  };
}

async function blobNames(container: ContainerClient): Promise<string[]> {
  if (!(await container.exists())) return [];
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

const reportFor = (kind: ReportKind, iso: string) => ({ kind, iso, figures: { ru: iso.length } });
const markdownFor = (iso: string) => `# Report ${iso}\n\nSome *Markdown* | with a pipe.\n`;

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

describe('names', () => {
  test('a cost report is named by its UTC day, a health report to the second, each as .json and .md', async () => {
    const { store, container } = isolatedStore();
    const cost = await store.save('cost', new Date('2026-11-27T23:59:59.999Z'), { total: 1 }, '# Cost\n');
    const health = await store.save('health', new Date('2026-11-27T09:45:00.500Z'), { ok: true }, '# H\n');
    expect(cost).toMatchObject({
      kind: 'cost',
      name: 'cost/2026-11-27',
      blobs: { json: 'cost/2026-11-27.json', markdown: 'cost/2026-11-27.md' },
    });
    expect(cost.at.toISOString()).toBe('2026-11-27T00:00:00.000Z');
    expect(health.name).toBe('health/2026-11-27T09-45-00Z');
    expect(await blobNames(container)).toEqual([
      'cost/2026-11-27.json',
      'cost/2026-11-27.md',
      'health/2026-11-27T09-45-00Z.json',
      'health/2026-11-27T09-45-00Z.md',
    ]);
    const json = await container.getBlobClient('cost/2026-11-27.json').getProperties();
    const markdown = await container.getBlobClient('cost/2026-11-27.md').getProperties();
    expect(json.contentType).toBe('application/json; charset=utf-8');
    expect(markdown.contentType).toBe('text/markdown; charset=utf-8');
  });
});

describe('latest', () => {
  test.each([
    [
      'cost' as const,
      ['2026-02-28', '2024-06-15', '2026-11-27', '2025-12-31', '2026-11-03', '2026-01-01'],
      '2026-11-27',
    ],
    [
      'health' as const,
      [
        '2026-11-27T09:45:00Z',
        '2025-12-31T23:59:59Z',
        '2026-11-27T10:05:00Z',
        '2026-11-26T23:55:00Z',
        '2026-11-27T09:50:00Z',
        '2026-02-01T00:00:00Z',
      ],
      '2026-11-27T10:05:00Z',
    ],
  ])('%s: the newest of several saved out of order, across years and months', async (kind, times, newest) => {
    const { store } = isolatedStore();
    for (const iso of times) {
      await store.save(
        kind,
        new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso),
        reportFor(kind, iso),
        markdownFor(iso),
      );
    }
    const latest = await store.latest(kind);
    expect(latest?.name).toBe(`${kind}/${newest.replace(/:/g, '-')}`);
    const json = await store.latestDocument(kind, 'json');
    expect(JSON.parse(json?.text ?? 'null')).toEqual(reportFor(kind, newest));
    expect(json?.contentType).toBe('application/json; charset=utf-8');
    expect(json?.lastModified).toBeInstanceOf(Date);
    const markdown = await store.latestDocument(kind, 'markdown');
    expect(markdown?.text).toBe(markdownFor(newest));
    expect(markdown?.contentType).toBe('text/markdown; charset=utf-8');
  });

  test('kinds do not mix, and an empty or missing container has no latest report', async () => {
    const { store, container } = isolatedStore();
    expect(await store.latest('cost')).toBeUndefined();
    expect(await container.exists()).toBe(false);
    await store.save('health', new Date('2026-11-27T09:45:00Z'), { ok: true }, '# ok\n');
    expect(await store.latest('cost')).toBeUndefined();
    expect(await store.latestDocument('cost', 'json')).toBeUndefined();
    expect((await store.latest('health'))?.name).toBe('health/2026-11-27T09-45-00Z');
  });

  test('a newer half-written report (Markdown only) and stray blobs are not the latest', async () => {
    const { store, container } = isolatedStore();
    await store.save('health', new Date('2026-11-27T09:45:00Z'), { n: 1 }, '# one\n');
    const put = (name: string) => container.getBlockBlobClient(name).upload('x', 1);
    // Markdown is written first, so a save interrupted before its JSON leaves exactly this.
    await put('health/2027-01-01T00-00-00Z.md');
    // Names the store never writes: a whole newer "year" branch of them, and odd names in today's.
    await put('health/2099-latest.json');
    await put('health/2099-12-notes.json');
    await put('health/2026-11-27T99-99-99Z.json.bak');
    await put('health/readme.txt');
    expect((await store.latest('health'))?.name).toBe('health/2026-11-27T09-45-00Z');
  });

  test('saving a cost report for the same day again replaces it', async () => {
    const { store, container } = isolatedStore();
    await store.save('cost', new Date('2026-11-27T00:30:00Z'), { run: 1 }, '# first\n');
    await store.save('cost', new Date('2026-11-27T06:00:00Z'), { run: 2 }, '# second\n');
    expect(await blobNames(container)).toEqual(['cost/2026-11-27.json', 'cost/2026-11-27.md']);
    expect(JSON.parse((await store.latestDocument('cost', 'json'))?.text ?? '')).toEqual({ run: 2 });
    expect((await store.latestDocument('cost', 'markdown'))?.text).toBe('# second\n');
  });

  test('a container deleted behind the store is created again on the next save', async () => {
    const { store, container } = isolatedStore();
    await store.save('cost', new Date('2026-11-26T00:00:00Z'), { day: 26 }, '# 26\n');
    await container.delete();
    expect(await store.latest('cost')).toBeUndefined();
    await store.save('cost', new Date('2026-11-27T00:00:00Z'), { day: 27 }, '# 27\n');
    expect((await store.latest('cost'))?.name).toBe('cost/2026-11-27');
  });
});

describe('bad input is refused with a clear error and writes nothing', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  test.each([
    ['an unknown kind', () => ['weekly', new Date(), {}, '#'], /Unknown report kind "weekly"/],
    ['an invalid date', () => ['cost', new Date('nope'), {}, '#'], /valid Date/],
    ['a time that is not a Date', () => ['health', '2026-11-27', {}, '#'], /valid Date/],
    ['a year beyond 9999', () => ['cost', new Date('+010000-01-01T00:00:00Z'), {}, '#'], /0000-9999/],
    ['JSON that is undefined', () => ['cost', new Date(), undefined, '#'], /must be a JSON value/],
    ['JSON that cannot be serialised', () => ['cost', new Date(), cyclic, '#'], /cannot be stored as JSON/],
    ['JSON with a BigInt', () => ['cost', new Date(), { n: BigInt(1) }, '#'], /cannot be stored as JSON/],
    [
      'Markdown that is not a string',
      () => ['health', new Date(), {}, undefined],
      /Markdown must be a string/,
    ],
  ])('%s', async (_what, args, message) => {
    const { store, container } = isolatedStore();
    const [kind, at, json, markdown] = args() as [ReportKind, Date, unknown, string];
    await expect(store.save(kind, at, json, markdown)).rejects.toThrow(message);
    expect(await container.exists()).toBe(false);
  });

  test('latest of an unknown kind', async () => {
    const { store } = isolatedStore();
    await expect(store.latest('weekly' as ReportKind)).rejects.toThrow(TypeError);
  });
});

describe('storage that is missing or down', () => {
  test('no storage configured: REPORTS_STORAGE_NOT_CONFIGURED (503) naming the setting', async () => {
    const store = new ReportStore({ target: { kind: 'none' } });
    const error = await expectAppError(store.latest('cost'), 'REPORTS_STORAGE_NOT_CONFIGURED');
    expect(error.status).toBe(503);
    expect(error.message).toContain('AzureWebJobsStorage');
    await expectAppError(store.save('cost', new Date(), {}, '#'), 'REPORTS_STORAGE_NOT_CONFIGURED');
  });

  test('a connection string the SDK cannot use: not configured, without quoting it', async () => {
    const secret = 'AccountName=x;AccountKey=not-base64-but-secret-ish';
    const store = new ReportStore({ target: { kind: 'connectionString', connectionString: secret } });
    const error = await expectAppError(store.latest('health'), 'REPORTS_STORAGE_NOT_CONFIGURED');
    expect(error.message).toContain('AzureWebJobsStorage');
    expect(error.message).not.toContain('secret-ish');
  });

  test('nothing listening: REPORTS_STORAGE_UNAVAILABLE (503, retryable) within seconds, not the SDK default half minute', async () => {
    const port = await freePort();
    const store = new ReportStore({
      target: { kind: 'connectionString', connectionString: azuriteConnectionString(port) },
    });
    const started = performance.now();
    const error = await expectAppError(store.latest('health'), 'REPORTS_STORAGE_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ status: 503, retryable: true });
    await expectAppError(store.save('health', new Date(), {}, '#'), 'REPORTS_STORAGE_UNAVAILABLE');
  });
});

describe('storage from the settings', () => {
  test('AzureWebJobsStorage wins, else identity-based access to AzureWebJobsStorage__blobServiceUri, else none', () => {
    const identity = { blobServiceUri: 'https://acct.blob.core.windows.net', clientId: 'client-1' };
    expect(
      blobStorageTarget({ azureWebJobsStorage: 'UseDevelopmentStorage=true', storageIdentity: identity }),
    ).toEqual({
      kind: 'connectionString',
      connectionString: 'UseDevelopmentStorage=true',
    });
    expect(blobStorageTarget({ azureWebJobsStorage: undefined, storageIdentity: identity })).toEqual({
      kind: 'identity',
      ...identity,
    });
    expect(
      blobStorageTarget({
        azureWebJobsStorage: undefined,
        storageIdentity: { blobServiceUri: undefined, clientId: 'client-1' },
      }),
    ).toEqual({ kind: 'none' });
  });

  test('identity-based: a client for the endpoint with DefaultAzureCredential (no secret anywhere)', async () => {
    const client = await createBlobServiceClient({
      kind: 'identity',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      clientId: 'client-1',
    });
    expect(client.url).toBe('https://acct.blob.core.windows.net/');
    expect(client.credential.constructor.name).toBe('DefaultAzureCredential');
  });

  test('UseDevelopmentStorage=true is Azurite on 127.0.0.1:10000', async () => {
    const client = await createBlobServiceClient({
      kind: 'connectionString',
      connectionString: 'UseDevelopmentStorage=true',
    });
    expect(client.url).toBe('http://127.0.0.1:10000/devstoreaccount1');
  });
});
