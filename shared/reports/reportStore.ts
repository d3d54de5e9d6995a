import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { getSettings, type Settings } from '../config/settings';
import { AppError } from '../errors/appError';
import { blobStorageTarget, createBlobServiceClient, type BlobStorageTarget } from './blobServiceClient';
import { reportsStorageUnavailable } from './reportStoreErrors';
import {
  blobNameOf,
  isReportKind,
  LISTING_LEVELS,
  parseJsonBlobName,
  RENDERINGS,
  REPORT_KINDS,
  reportName,
  type ReportKind,
  type ReportRendering,
} from './reportStoreNames';

export type { ReportKind, ReportRendering } from './reportStoreNames';

/** The blob container every report goes to. */
export const REPORTS_CONTAINER = 'reports';

/** One stored report: its kind, its name ("health/2026-11-27T09-45-00Z") and the time the name stands for. */
export interface ReportRef {
  kind: ReportKind;
  name: string;
  at: Date;
}

/** What save() wrote: the report and the names of its two blobs. */
export interface SavedReport extends ReportRef {
  blobs: Record<ReportRendering, string>;
}

/** One rendering of a stored report, as text. */
export interface ReportDocument extends ReportRef {
  rendering: ReportRendering;
  contentType: string;
  text: string;
  lastModified: Date | undefined;
}

export interface ReportStoreOptions {
  target: BlobStorageTarget;
  /** Defaults to "reports"; tests use their own containers so they cannot see each other's reports. */
  containerName?: string;
}

// Failures that mean "nothing there" rather than "storage is broken".
const NOT_FOUND_CODES = new Set(['ContainerNotFound', 'BlobNotFound', 'ResourceNotFound']);

function isNotFound(error: unknown): boolean {
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  return statusCode === 404 || (typeof code === 'string' && NOT_FOUND_CODES.has(code));
}

// Every storage call goes through here: an AppError (not configured) passes, anything else from the SDK or
// the credential is REPORTS_STORAGE_UNAVAILABLE with the original kept as the cause, for the log.
async function storageCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof AppError ? error : reportsStorageUnavailable(error);
  }
}

function checkKind(kind: unknown): asserts kind is ReportKind {
  if (!isReportKind(kind)) {
    throw new TypeError(`Unknown report kind ${JSON.stringify(kind)}: expected ${REPORT_KINDS.join(' or ')}`);
  }
}

function serialiseJson(kind: ReportKind, json: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(json, null, 2);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`The ${kind} report cannot be stored as JSON: ${reason}`, { cause: error });
  }
  if (text === undefined) throw new TypeError(`The ${kind} report must be a JSON value, not ${typeof json}`);
  return `${text}\n`;
}

async function readText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reports as blobs: each report is a JSON blob plus a Markdown rendering of it, named by kind and time
 * (`cost/2026-11-27.json` + `.md`, `health/2026-11-27T09-45-00Z.json` + `.md`). The Markdown is written
 * first and the JSON last, so a JSON blob always has its rendering and a half-written report is never
 * the latest. The client is created on first use and kept.
 */
export class ReportStore {
  readonly containerName: string;
  private readonly target: BlobStorageTarget;
  private client: Promise<BlobServiceClient> | undefined;
  private containerReady: Promise<void> | undefined;

  constructor(options: ReportStoreOptions) {
    this.target = options.target;
    this.containerName = options.containerName ?? REPORTS_CONTAINER;
  }

  /**
   * Stores a report: `json` (any JSON value) and its Markdown rendering, under the name `at` gives
   * (cost: its UTC day, one report a day; health: to the second). Saving the same name again replaces it.
   * Invalid input is a TypeError/RangeError before anything is written.
   */
  async save(kind: ReportKind, at: Date, json: unknown, markdown: string): Promise<SavedReport> {
    checkKind(kind);
    const name = reportName(kind, at);
    const jsonText = serialiseJson(kind, json);
    if (typeof markdown !== 'string') throw new TypeError(`The ${kind} report's Markdown must be a string`);
    const container = await this.container();
    const blobs = { json: blobNameOf(name, 'json'), markdown: blobNameOf(name, 'markdown') };
    const upload = async () => {
      await this.ensureContainer(container);
      for (const [rendering, text] of [
        ['markdown', markdown],
        ['json', jsonText],
      ] as const) {
        const body = Buffer.from(text, 'utf8');
        await storageCall(() =>
          container.getBlockBlobClient(blobs[rendering]).upload(body, body.length, {
            blobHTTPHeaders: { blobContentType: RENDERINGS[rendering].contentType },
          }),
        );
      }
    };
    try {
      await upload();
    } catch (error) {
      // The container was deleted since this process created it: create it again, once.
      if (!(error instanceof AppError && isNotFound(error.cause))) throw error;
      this.containerReady = undefined;
      await upload();
    }
    return { kind, name, at: parseJsonBlobName(kind, blobs.json)?.at ?? at, blobs };
  }

  /** The newest complete report of a kind, or undefined when there is none (or no container yet). */
  async latest(kind: ReportKind): Promise<ReportRef | undefined> {
    checkKind(kind);
    const container = await this.container();
    const levels = LISTING_LEVELS[kind];

    // Depth-first from the newest year (month, day) down; an older branch is read only when every newer
    // one holds no complete report. Normally: one small listing per level, then one day's (or month's)
    // names.
    const newestUnder = async (prefix: string, depth: number): Promise<string | undefined> => {
      if (depth === levels.length) {
        let newest: string | undefined;
        for await (const blob of container.listBlobsFlat({ prefix })) {
          if (parseJsonBlobName(kind, blob.name) && (newest === undefined || blob.name > newest)) {
            newest = blob.name;
          }
        }
        return newest;
      }
      const entries: { name: string; isPrefix: boolean }[] = [];
      for await (const item of container.listBlobsByHierarchy(levels[depth], { prefix })) {
        entries.push({ name: item.name, isPrefix: item.kind === 'prefix' });
      }
      entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      for (const entry of entries) {
        if (!entry.isPrefix) {
          if (parseJsonBlobName(kind, entry.name)) return entry.name;
          continue;
        }
        const found = await newestUnder(entry.name, depth + 1);
        if (found) return found;
      }
      return undefined;
    };

    let blobName: string | undefined;
    try {
      blobName = await storageCall(() => newestUnder(`${kind}/`, 0));
    } catch (error) {
      if (error instanceof AppError && isNotFound(error.cause)) return undefined;
      throw error;
    }
    const parsed = blobName === undefined ? undefined : parseJsonBlobName(kind, blobName);
    return parsed && { kind, ...parsed };
  }

  /** One rendering of a stored report, or undefined when its blob is gone. */
  async read(report: ReportRef, rendering: ReportRendering): Promise<ReportDocument | undefined> {
    const container = await this.container();
    try {
      return await storageCall(async () => {
        const response = await container.getBlobClient(blobNameOf(report.name, rendering)).download();
        return {
          ...report,
          rendering,
          contentType: RENDERINGS[rendering].contentType,
          text: await readText(response.readableStreamBody),
          lastModified: response.lastModified,
        };
      });
    } catch (error) {
      if (error instanceof AppError && isNotFound(error.cause)) return undefined;
      throw error;
    }
  }

  /** The newest report of a kind in one rendering, or undefined when none is stored. */
  async latestDocument(kind: ReportKind, rendering: ReportRendering): Promise<ReportDocument | undefined> {
    const report = await this.latest(kind);
    return report && this.read(report, rendering);
  }

  private async container(): Promise<ContainerClient> {
    // A failure (not configured) is not kept: it is cheap to find again, and settings do not change.
    this.client ??= createBlobServiceClient(this.target).catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    const client = await this.client;
    return client.getContainerClient(this.containerName);
  }

  // Once per process: in Azure the container may be provisioned already (createIfNotExists answers
  // "already exists" without failing); Azurite starts empty.
  private ensureContainer(container: ContainerClient): Promise<void> {
    this.containerReady ??= storageCall(async () => {
      await container.createIfNotExists();
    }).catch((error: unknown) => {
      this.containerReady = undefined;
      throw error;
    });
    return this.containerReady;
  }
}

let processStore: { settings: Settings; store: ReportStore } | undefined;

/** This process's report store, on the storage the settings name; one per settings (tests swap settings). */
export function getReportStore(settings: Settings = getSettings()): ReportStore {
  if (processStore?.settings !== settings) {
    processStore = { settings, store: new ReportStore({ target: blobStorageTarget(settings) }) };
  }
  return processStore.store;
}

/**
 * Stores a report in this process's report store (see ReportStore.save): the JSON, and its Markdown
 * rendering. `at` names it: a cost report by its UTC day (a rerun that day replaces it), a health report
 * to the second.
 */
export function saveReport(
  kind: ReportKind,
  at: Date,
  json: unknown,
  markdown: string,
): Promise<SavedReport> {
  return getReportStore().save(kind, at, json, markdown);
}

/** The newest report of a kind from this process's report store, in one rendering; undefined when none. */
export function latestReport(
  kind: ReportKind,
  rendering: ReportRendering = 'json',
): Promise<ReportDocument | undefined> {
  return getReportStore().latestDocument(kind, rendering);
}
