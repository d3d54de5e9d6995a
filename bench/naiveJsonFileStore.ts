import fs from 'node:fs';
import path from 'node:path';

// The baseline the review proposed as its "PersistentMockDatabase": one JSON file per container, loaded
// into a Map and rewritten whole on every save. Kept only as the comparison for the benchmarks.

/** The review's persistent mock container: a Map mirrored to a pretty-printed JSON file on every save. */
export class NaiveJsonFileContainer {
  private readonly data = new Map<string, Record<string, unknown>>();
  private readonly filePath: string;

  constructor(dataDir: string, containerName: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.filePath = path.join(dataDir, `${containerName}.json`);
  }

  /** Loads the file if it exists. */
  async load(): Promise<void> {
    if (fs.existsSync(this.filePath)) {
      const json = JSON.parse(await fs.promises.readFile(this.filePath, 'utf-8')) as Record<
        string,
        Record<string, unknown>
      >;
      for (const [id, doc] of Object.entries(json)) this.data.set(id, doc);
    }
  }

  /** Rewrites the whole file, as the review's save() did. */
  async save(): Promise<void> {
    await fs.promises.writeFile(this.filePath, JSON.stringify(Object.fromEntries(this.data), null, 2));
  }

  /** Inserts a document and saves. */
  async create(doc: Record<string, unknown> & { id: string }): Promise<void> {
    this.data.set(doc.id, doc);
    await this.save();
  }

  /** Inserts without saving (to pre-fill before measuring). */
  seed(doc: Record<string, unknown> & { id: string }): void {
    this.data.set(doc.id, doc);
  }

  /** Filters every document in memory, as the review's query() did. */
  filter(predicate: (doc: Record<string, unknown>) => boolean): Record<string, unknown>[] {
    return [...this.data.values()].filter(predicate);
  }
}
