import type { ContainerDefinition } from '../../shared/data/catalogue';
import type { DocumentStore, PartitionKeyValue } from '../../shared/data/documentStore';
import { documentAddress, partitionKeyExpression } from './containerSql';

// Ids per existence query: keeps the parameter well inside Cosmos DB's query size limit.
const IDS_PER_QUERY = 500;

export interface Addressed {
  id: string;
  partitionKey: PartitionKeyValue;
}

/**
 * The addresses (partition key + id) among these documents that the target already holds, with the
 * request charge of finding out. One cross-partition query per 500 ids: on a target that already has the
 * data (a second pass) that is a few RU per chunk where Creates would each cost a failed write.
 */
export async function existingAddresses(
  target: DocumentStore,
  container: ContainerDefinition,
  documents: readonly Addressed[],
): Promise<{ present: Set<string>; requestCharge: number }> {
  const present = new Set<string>();
  let requestCharge = 0;
  const ids = [...new Set(documents.map((d) => d.id))];
  for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
    const page = await target.query<{ id: string; pk: PartitionKeyValue }>(container.name, {
      query: `SELECT c.id, ${partitionKeyExpression(container)} AS pk FROM c WHERE ARRAY_CONTAINS(@ids, c.id)`,
      parameters: [{ name: '@ids', value: ids.slice(start, start + IDS_PER_QUERY) }],
    });
    requestCharge += page.stats.requestCharge;
    // The same id may live in other partitions; only the same address counts as present.
    for (const row of page.items) present.add(documentAddress(row.pk ?? null, row.id));
  }
  return { present, requestCharge };
}
