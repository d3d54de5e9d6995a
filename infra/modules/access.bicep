// Who may do what, with data-plane roles only and each at the narrowest scope that works. The app's identity
// gets what it uses; the person (or pipeline) running azd gets what a local run, the migration and the seed
// tool need against this environment. Nobody gets keys: every store here has key access switched off.

@description('Principal id of the function app identity.')
param apiPrincipalId string

@description('Object id of whoever runs azd. Empty: no assignments for them.')
param userPrincipalId string

@description('Kind of userPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param userPrincipalType string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the blob container holding the reports.')
param reportsContainerName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Name of the Cosmos DB account.')
param cosmosAccountName string

// Built-in role definitions (the same ids in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}
var assignUser = !empty(userPrincipalId)

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource reports 'containers' existing = {
      name: reportsContainerName
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' existing = {
  name: cosmosAccountName
}

// Cosmos DB's own data-plane role (not an Azure RBAC role): read and write items, run queries, read
// metadata. It cannot create or delete databases and containers, which stay with these templates.
var cosmosDataContributor = '${cosmos.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'

// The Functions host needs Owner, not Contributor, on its storage account: it creates its own containers and
// takes blob leases for the timers. That account holds nothing but the app's own blobs.
resource apiBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, apiPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource apiSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, apiPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource apiMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, apiPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Scoped to the account, which holds nothing but this app's database; the SDK also reads account-level
// metadata (regions, capabilities) when it starts.
resource apiCosmosData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: cosmos
  name: guid(cosmos.id, apiPrincipalId, cosmosDataContributor)
  properties: {
    principalId: apiPrincipalId
    roleDefinitionId: cosmosDataContributor
    scope: cosmos.id
  }
}

// The person running azd reads and writes reports (the report routes and npm start against this
// environment), so Contributor on the reports container is enough; the host's own blobs stay the app's.
resource userReportsContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (assignUser) {
  name: guid(storage::blobService::reports.id, userPrincipalId, roles.storageBlobDataContributor)
  scope: storage::blobService::reports
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.storageBlobDataContributor
    )
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

resource userSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (assignUser) {
  name: guid(vault.id, userPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

resource userMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (assignUser) {
  name: guid(appInsights.id, userPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

resource userCosmosData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = if (assignUser) {
  parent: cosmos
  name: guid(cosmos.id, userPrincipalId, cosmosDataContributor)
  properties: {
    principalId: userPrincipalId
    roleDefinitionId: cosmosDataContributor
    scope: cosmos.id
  }
}
