// The local store has no request units of its own. So that a developer sees the cost of a call before
// deploying, it reports an estimate from this model, calibrated on Cosmos DB's documented baselines
// (serverless/provisioned alike): a 1 KB point read costs 1 RU, a 1 KB write with default indexing about
// 5.7 RU, and both grow roughly linearly with item size; a query pays a fixed overhead plus a share per
// document the engine has to read and per KB it returns. It is an estimate, not a measurement: real
// charges also depend on the indexing policy, consistency level and query plan.

const KB = 1024;

function kilobytes(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KB));
}

function round(ru: number): number {
  return Math.round(ru * 100) / 100;
}

/** Estimated RU of a point read of a document of the given size (1 RU per KB; a miss costs 1 RU). */
export function pointReadCharge(bytes: number): number {
  return round(kilobytes(bytes));
}

/** Estimated RU of a create, replace, upsert, patch or delete of a document of the given size. */
export function writeCharge(bytes: number): number {
  return round(5.71 * kilobytes(bytes));
}

/** Estimated RU of a query that read `scanned` documents and returned `returnedBytes`. */
export function queryCharge(scanned: number, returnedBytes: number): number {
  return round(2.31 + 0.05 * scanned + 0.35 * Math.ceil(returnedBytes / KB));
}
