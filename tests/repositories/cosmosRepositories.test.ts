import { randomUUID } from 'node:crypto';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import { testCosmosSettings } from '../helpers/cosmosTestSettings';
import { describeRepositories } from './repositorySuite';

// The Cosmos adapter (real @azure/cosmos SDK) against the Cosmos-protocol test server that jest's
// globalSetup starts; a database of its own so this file never meets another's data.
describeRepositories(
  'cosmos (@azure/cosmos against @vercel/cosmosdb-server)',
  // The test server's gaps: it serves a composite index only in its declared order (Cosmos DB also serves
  // the exact reverse), applies a batch one operation at a time, and ignores a query's partition key.
  { reverseCompositeIndex: false, atomicBatch: false, partitionScopedQuery: false },
  async () => new CosmosDocumentStore(testCosmosSettings(`repositories-${randomUUID()}`)),
  async (store) => store.dispose(),
);
