import type { Settings } from '../../config/settings';

/** The Cosmos part of the app settings: what a CosmosDocumentStore is built from (settings.cosmos). */
export type CosmosSettings = Settings['cosmos'];
