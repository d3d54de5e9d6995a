import type { BulkOperation, DocumentBody, DocumentStore } from '../../shared/data/documentStore';
import type { DemoUser } from './demoData';

/** What the seed wrote to one container. */
export interface ContainerWrite {
  container: string;
  documents: number;
  created: number;
  /** Ids a previous run with the same seed already wrote (409 to a Create): left as they are. */
  alreadyPresent: number;
  failed: number;
  /** The first failures, for the report. */
  failures: { id: string; userId: string; statusCode: number; code?: string }[];
  requestCharge: number;
  durationMs: number;
}

// Operations per bulk call: the engine groups them by partition and sends them in parallel.
const OPERATIONS_PER_CALL = 1000;

/** The demo documents by container, in the order they are written (a task's project exists before it). */
export function documentsByContainer(
  users: readonly DemoUser[],
): [string, (DocumentBody & { userId: string })[]][] {
  return [
    ['users', users.map((u) => u.profile)],
    ['projects', users.flatMap((u) => u.projects)],
    ['tasks', users.flatMap((u) => u.tasks)],
    ['fitness', users.flatMap((u) => u.fitness)],
  ];
}

/**
 * Writes the demo documents with the bulk engine as Create operations in each user's partition. Create,
 * not Upsert: a second run with the same seed finds every id taken (409) and changes nothing, so
 * re-seeding never duplicates and never resets what someone did with the demo data since.
 */
export async function writeDemoData(
  store: DocumentStore,
  users: readonly DemoUser[],
  onWritten: (container: string, documents: number) => void = () => undefined,
): Promise<ContainerWrite[]> {
  const writes: ContainerWrite[] = [];
  for (const [container, documents] of documentsByContainer(users)) {
    const started = performance.now();
    const write: ContainerWrite = {
      container,
      documents: documents.length,
      created: 0,
      alreadyPresent: 0,
      failed: 0,
      failures: [],
      requestCharge: 0,
      durationMs: 0,
    };
    for (let start = 0; start < documents.length; start += OPERATIONS_PER_CALL) {
      const slice = documents.slice(start, start + OPERATIONS_PER_CALL);
      const operations: BulkOperation[] = slice.map((document) => ({
        operationType: 'Create',
        partitionKey: document.userId,
        resourceBody: document,
      }));
      const response = await store.bulk(container, operations);
      write.requestCharge += response.stats.requestCharge;
      response.results.forEach((result, i) => {
        if (result.statusCode >= 200 && result.statusCode < 300) write.created += 1;
        else if (result.statusCode === 409) write.alreadyPresent += 1;
        else {
          write.failed += 1;
          if (write.failures.length < 10) {
            write.failures.push({
              id: slice[i].id,
              userId: slice[i].userId,
              statusCode: result.statusCode,
              code: result.code,
            });
          }
        }
      });
      onWritten(container, slice.length);
    }
    write.durationMs = performance.now() - started;
    writes.push(write);
  }
  return writes;
}
