// The whole LifeTracker Pro data API in one resource group: `azd up` provisions this, then deploys the app.
// Local modules only (no registry modules), so the templates build without network access.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: the resource group is rg-<name>, and it seeds every resource name.')
param environmentName string

@minLength(1)
@description('Azure region of every resource (a region that offers Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of whoever runs azd. Gets data-plane access so local runs, the migration and the seed tool work against this environment. Empty: no access for anyone but the app.')
param principalId string = ''

@description('Kind of principalId: User for a person, ServicePrincipal when a pipeline runs azd.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('How the API learns who calls it (AUTH_MODE). dev is refused by the app in Azure, so it cannot be chosen here.')
@allowed([
  'easyauth'
  'jwt'
])
param authMode string = 'easyauth'

@description('Client id of the Microsoft Entra app registration that represents the API. easyauth: App Service Authentication validates its tokens (empty: no identity provider, every protected route answers 401). jwt: the default token audience.')
param authClientId string = ''

@description('jwt: the audience (aud) tokens must carry. Empty: authClientId.')
param jwtAudience string = ''

@description('jwt: the issuer (iss) tokens must carry. Empty: Microsoft Entra ID v2.0 of this tenant.')
param jwtIssuer string = ''

@description('jwt: where the issuer publishes its signing keys. Empty: Microsoft Entra ID v2.0 keys of this tenant.')
param jwtJwksUri string = ''

@description('Cosmos DB capacity mode: serverless (pay per request unit, nothing at rest) or autoscale (provisioned, shared by the database). Fixed when the account is created.')
@allowed([
  'serverless'
  'autoscale'
])
param cosmosThroughputMode string = 'serverless'

@description('autoscale: the database maximum RU/s (it scales between 10% and 100% of it).')
@minValue(1000)
@maxValue(1000000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('Name of the Cosmos DB database; the app default of COSMOS_DATABASE.')
param cosmosDatabaseName string = 'lifetracker'

@description('Key Vault purge protection. On: a deleted vault cannot be purged (not even by azd down --purge) until its retention ends. Cannot be switched off once on.')
param keyVaultPurgeProtection bool = false

@description('Most instances the Flex Consumption plan may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Origins (https://app.example.com) of browser clients allowed to call the API. Empty: no cross-origin browser calls.')
param corsAllowedOrigins array = []

@description('Alert when Cosmos DB spends more request units than this in 24 hours.')
@minValue(1)
param dailyRuBudget int = 1000000

@description('Alert when Cosmos DB answers more than this many 429 (throttled) responses in 15 minutes.')
@minValue(1)
param throttleAlertThreshold int = 50

@description('E-mail address alerts are sent to. Empty: alerts fire in the portal only.')
param alertEmail string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
// The blob container the app writes its reports to: REPORTS_CONTAINER in shared/reports/reportStore.ts.
var reportsContainerName = 'reports'
var deploymentContainerName = 'app-package'

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    reportsContainerName: reportsContainerName
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    accountName: 'cosmos-${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    // The one container catalogue, also read by shared/data/catalogue.ts: no second copy of an index policy.
    catalogue: loadJsonContent('containers.json')
    throughputMode: cosmosThroughputMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    purgeProtection: keyVaultPurgeProtection
  }
}

module access 'modules/access.bicep' = {
  name: 'access'
  scope: rg
  params: {
    apiPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
    storageAccountName: storage.outputs.name
    reportsContainerName: reportsContainerName
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    cosmosAccountName: cosmos.outputs.accountName
  }
}

module api 'modules/api.bicep' = {
  name: 'api'
  scope: rg
  // The app reaches storage, Cosmos DB and Application Insights with its identity from its first start.
  dependsOn: [
    access
  ]
  params: {
    planName: 'plan-${resourceToken}'
    appName: 'func-api-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    // From the storage module's output, so the container exists before the app points at it.
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmosDatabaseName
    cosmosThroughputMode: cosmosThroughputMode
    cosmosAutoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    authMode: authMode
    authClientId: authClientId
    jwtAudience: jwtAudience
    jwtIssuer: jwtIssuer
    jwtJwksUri: jwtJwksUri
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    corsAllowedOrigins: corsAllowedOrigins
  }
}

module observability 'modules/observability.bicep' = {
  name: 'observability'
  scope: rg
  params: {
    location: location
    tags: tags
    appInsightsName: monitoring.outputs.appInsightsName
    cosmosAccountName: cosmos.outputs.accountName
    dailyRuBudget: dailyRuBudget
    throttleAlertThreshold: throttleAlertThreshold
    alertEmail: alertEmail
  }
}

// azd stores these in .azure/<env>/.env. Names under the app's own prefixes (COSMOS_, KEY_VAULT_, AUTH_, ...)
// are only ones the app reads, with values it accepts, so the file can feed a local run without a typo error.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_API_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output API_BASE_URL string = 'https://${api.outputs.defaultHostName}/api'
output API_AUTH_MODE string = authMode
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmosDatabaseName
output AZURE_COSMOS_ACCOUNT_NAME string = cosmos.outputs.accountName
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_REPORTS_CONTAINER string = reportsContainerName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.appInsightsName
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.logAnalyticsName
output AZURE_WORKBOOK_ID string = observability.outputs.workbookId
