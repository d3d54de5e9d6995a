// Cosmos DB for NoSQL: the account, the database and every container of the catalogue (infra/containers.json,
// passed in by main.bicep with loadJsonContent). Provisioning belongs here: with data-plane RBAC the app
// cannot create containers, it only verifies them at start-up.

@description('One container of infra/containers.json, the shape shared/data/catalogue.ts reads.')
type containerDefinition = {
  name: string
  description: string?
  partitionKey: {
    paths: string[]
    kind: 'Hash'
    version: int
  }
  indexingPolicy: object
  @description('Absent: TTL off; -1: on, items expire only with their own ttl; n > 0: seconds.')
  defaultTtl: int?
}

@description('The whole of infra/containers.json.')
type catalogueDefinition = {
  '$comment': string?
  containers: containerDefinition[]
}

@description('Name of the Cosmos DB account.')
param accountName string

@description('Azure region.')
param location string

@description('Tags of every resource (azd-env-name).')
param tags object

@description('Name of the database.')
param databaseName string

@description('infra/containers.json, loaded by the caller with loadJsonContent.')
param catalogue catalogueDefinition

@description('serverless or autoscale.')
@allowed([
  'serverless'
  'autoscale'
])
param throughputMode string

@description('autoscale: the database maximum RU/s.')
param autoscaleMaxThroughput int

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: throughputMode == 'serverless'
      ? [
          {
            name: 'EnableServerless'
          }
        ]
      : []
    // Entra ID only: account keys cannot read or write data, and only ARM (these templates) may change
    // databases, containers and index policies.
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    // Point-in-time restore to any second of the last 7 days; the 7-day tier has no charge.
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-04-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    // Autoscale throughput is shared by all containers of the database; serverless takes no options.
    options: throughputMode == 'autoscale'
      ? {
          autoscaleSettings: {
            maxThroughput: autoscaleMaxThroughput
          }
        }
      : {}
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = [
  for container in catalogue.containers: {
    parent: database
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: container.partitionKey
        indexingPolicy: container.indexingPolicy
        defaultTtl: container.?defaultTtl
      }
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
