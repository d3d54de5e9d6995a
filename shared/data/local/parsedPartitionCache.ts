// Every query on the local store runs over the documents of its partition (or container), parsed from
// JSON. Parsing them again for every page is most of a list request's cost, so parsed documents are kept
// per partition while nothing has written since:
// - writes through this store bump `generation` (every write path runs in one transaction wrapper);
// - writes by another connection to the same file (another process, the migration tool) change SQLite's
//   PRAGMA data_version, which is part of the key's validity too;
// - documents carry their expiry, so one that expires while cached is filtered out at query time.
// Cached documents are frozen: a caller that tried to modify a query result would fail loudly instead of
// silently changing what the next query sees.

interface CachedDocument {
  document: Readonly<Record<string, unknown>>;
  expiresAt: number | null;
}

interface Entry {
  generation: number;
  dataVersion: number;
  documents: CachedDocument[];
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** A bounded, least-recently-used cache of parsed documents per partition scope. */
export class ParsedPartitionCache {
  private readonly entries = new Map<string, Entry>();
  private cachedDocuments = 0;

  constructor(
    private readonly maxDocuments = 50_000,
    private readonly maxEntries = 512,
  ) {}

  /** The live documents of a scope: cached when still valid, else loaded, parsed, frozen and cached. */
  documents(
    scope: string,
    validity: { generation: number; dataVersion: number },
    now: number,
    load: () => CachedDocument[],
  ): Readonly<Record<string, unknown>>[] {
    let entry = this.entries.get(scope);
    if (entry && (entry.generation !== validity.generation || entry.dataVersion !== validity.dataVersion)) {
      this.remove(scope);
      entry = undefined;
    }
    if (entry) {
      // Re-insert: the Map's insertion order is the least-recently-used order.
      this.entries.delete(scope);
      this.entries.set(scope, entry);
    } else {
      const documents = load().map((d) => ({ document: deepFreeze(d.document), expiresAt: d.expiresAt }));
      entry = { ...validity, documents };
      if (documents.length <= this.maxDocuments) {
        this.entries.set(scope, entry);
        this.cachedDocuments += documents.length;
        this.evict();
      }
    }
    const live: Readonly<Record<string, unknown>>[] = [];
    for (const { document, expiresAt } of entry.documents) {
      if (expiresAt === null || expiresAt > now) live.push(document);
    }
    return live;
  }

  /** Forgets everything (on dispose). */
  clear(): void {
    this.entries.clear();
    this.cachedDocuments = 0;
  }

  private remove(scope: string): void {
    const entry = this.entries.get(scope);
    if (!entry) return;
    this.entries.delete(scope);
    this.cachedDocuments -= entry.documents.length;
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries || this.cachedDocuments > this.maxDocuments) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
  }
}
