import { randomUUID } from 'node:crypto';
import { CosmosDocumentStore } from '../../shared/data/cosmos/cosmosDocumentStore';
import { testCosmosSettings } from '../helpers/cosmosTestSettings';
import { describeBulkContract } from './bulkContract';

// The Cosmos adapter's bulk engine against the real @azure/cosmos SDK and the Cosmos-protocol test server,
// twice: with the default policy (small calls as concurrent point requests, larger ones through the SDK's
// bulk executor) and with every call through the bulk executor, so both paths keep the same contract.

const open = (label: string, pointOperationsBelow?: number) => async () =>
  new CosmosDocumentStore(
    testCosmosSettings(`bulk-${label}-${randomUUID()}`, {}, { COSMOS_REQUEST_TIMEOUT_MS: '5000' }),
    {},
    pointOperationsBelow === undefined ? {} : { pointOperationsBelow },
  );

// GAP: the test server's transactional batch applies operations up to the failing one.
const gaps = { atomicBatch: false };

describeBulkContract(
  'cosmos, default policy (@azure/cosmos against @vercel/cosmosdb-server)',
  gaps,
  open('default'),
  (store) => store.dispose(),
);

describeBulkContract('cosmos, every call through executeBulkOperations', gaps, open('executor', 0), (store) =>
  store.dispose(),
);
