// Reads a source container in an order that does not change between runs, one chunk at a time, and says
// after each chunk where a later run may resume. Neither scan needs an ORDER BY, so neither needs a
// composite index (ORDER BY c._ts, c.id has none in the catalogue, and `usage` indexes neither path):
// - container: one query over the whole container paged with continuation tokens. The local store pages
//   in _rid order (insertion order) and its token names the next _rid, so it resumes correctly even after
//   writes; Cosmos DB's token resumes each physical partition where it stopped.
// - partition: partitions in sorted key order, a partition-scoped query with tokens inside each. For a
//   source that cannot page across partitions (the SDK answers some cross-partition queries without a token).
import type { ContainerDefinition } from '../../shared/data/catalogue';
import type {
  DocumentStore,
  PartitionKeyValue,
  QueryPage,
  StoredDocument,
} from '../../shared/data/documentStore';
import { isAppError } from '../../shared/errors/appError';
import type { ScanCursor } from './checkpoint';
import { partitionKeyExpression, partitionKeyText } from './containerSql';
import type { ScanMode } from './options';

/** One chunk of source documents, and the cursor just after it (null: the scan ended with this chunk). */
export interface ScanPage {
  documents: StoredDocument[];
  cursor: ScanCursor | null;
  requestCharge: number;
}

export interface ScanOptions {
  chunkSize: number;
  mode: ScanMode;
  /** Where a previous run stopped; null to start at the beginning. */
  from: ScanCursor | null;
  /** Tells the operator about a change of plan (a stale token, a switch of scan mode). */
  note: (line: string) => void;
}

const ALL = 'SELECT * FROM c';

/** The chunks of a source container, from the cursor on; a resumed scan keeps the mode it was started in. */
export async function* scanSource(
  store: DocumentStore,
  container: ContainerDefinition,
  options: ScanOptions,
): AsyncGenerator<ScanPage> {
  const { from } = options;
  if (from?.mode === 'partition' || (from === null && options.mode === 'partition')) {
    yield* scanByPartition(store, container, options, from?.mode === 'partition' ? from : null);
    return;
  }
  let token = from?.mode === 'container' ? from.token : undefined;
  for (;;) {
    let page: QueryPage<StoredDocument>;
    try {
      page = await store.query<StoredDocument>(
        container.name,
        { query: ALL },
        { maxItemCount: options.chunkSize, continuationToken: token },
      );
    } catch (error) {
      // A token the source refuses (400: its format changed, or the container was recreated) only costs a
      // rescan: writes are idempotent, so documents copied before count as already present.
      if (token !== undefined && isAppError(error) && error.status === 400) {
        options.note(
          `${container.name}: the source no longer accepts the checkpoint's continuation token; scanning again from the start.`,
        );
        token = undefined;
        continue;
      }
      if (options.mode === 'auto' && isAppError(error, 'QUERY_NOT_PAGEABLE')) {
        options.note(
          `${container.name}: the source cannot page this container across partitions; reading it partition by partition.`,
        );
        yield* scanByPartition(store, container, options, null);
        return;
      }
      throw error;
    }
    const next = page.continuationToken;
    yield {
      documents: page.items,
      cursor: next ? { mode: 'container', token: next } : null,
      requestCharge: page.stats.requestCharge,
    };
    if (!next) return;
    token = next;
  }
}

/** Every partition key value present in the container, as sorted key texts. */
export async function listPartitionKeys(
  store: DocumentStore,
  container: ContainerDefinition,
): Promise<string[]> {
  const expression = partitionKeyExpression(container);
  let values: PartitionKeyValue[] | undefined;
  if (store.backend === 'cosmos') {
    try {
      values = (
        await store.query<PartitionKeyValue>(container.name, {
          query: `SELECT DISTINCT VALUE ${expression} FROM c`,
        })
      ).items;
    } catch (error) {
      // The local store and the Cosmos test server have no DISTINCT; the plain projection below is the
      // same answer with repeats, which the Set removes.
      if (!isAppError(error) || error.status !== 400) throw error;
    }
  }
  values ??= (
    await store.query<PartitionKeyValue>(container.name, { query: `SELECT VALUE ${expression} FROM c` })
  ).items;
  return [...new Set(values.map(partitionKeyText))].sort();
}

async function* scanByPartition(
  store: DocumentStore,
  container: ContainerDefinition,
  options: ScanOptions,
  from: Extract<ScanCursor, { mode: 'partition' }> | null,
): AsyncGenerator<ScanPage> {
  const expression = partitionKeyExpression(container);
  const keys = (await listPartitionKeys(store, container)).filter(
    (key) => from === null || key === from.key || from.afterKey === null || key > from.afterKey,
  );
  let buffer: StoredDocument[] = [];
  let charge = 0;
  let afterKey = from?.afterKey ?? null;
  for (const key of keys) {
    const value = JSON.parse(key) as PartitionKeyValue;
    let token = from !== null && key === from.key ? (from.token ?? undefined) : undefined;
    do {
      // The filter repeats the partition in the text: a store that ignored the scope (the Cosmos test
      // server does) would otherwise hand back every partition's documents.
      const page = await store.query<StoredDocument>(
        container.name,
        { query: `${ALL} WHERE ${expression} = @pk`, parameters: [{ name: '@pk', value }] },
        { partitionKey: value, maxItemCount: options.chunkSize - buffer.length, continuationToken: token },
      );
      buffer.push(...page.items);
      charge += page.stats.requestCharge;
      token = page.continuationToken ?? undefined;
      if (token === undefined) afterKey = key;
      if (buffer.length >= options.chunkSize) {
        const cursor: ScanCursor =
          token === undefined
            ? { mode: 'partition', afterKey: key, key: null, token: null }
            : { mode: 'partition', afterKey, key, token };
        yield { documents: buffer, cursor, requestCharge: charge };
        buffer = [];
        charge = 0;
      }
    } while (token !== undefined);
  }
  yield { documents: buffer, cursor: null, requestCharge: charge };
}
