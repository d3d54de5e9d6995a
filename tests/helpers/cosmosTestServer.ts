// The tests and the benchmarks start the Cosmos-protocol test server the same way: one implementation,
// in bench/ (the build includes bench/, not tests/).
export {
  startBenchCosmosServer as startCosmosTestServer,
  type BenchCosmosServer as CosmosTestServer,
} from '../../bench/cosmosServer';
