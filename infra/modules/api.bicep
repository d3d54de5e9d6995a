// The function app on Flex Consumption (Linux, Node.js 22), running as the user-assigned identity. Every
// connection is identity-based: host storage, the deployment package, Cosmos DB, Application Insights.

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the function app; also the first label of its host name.')
param appName string

@description('Azure region.')
param location string

@description('Tags of every resource (azd-env-name).')
param tags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Name of the storage account (host storage, package, reports).')
param storageAccountName string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Cosmos DB account endpoint.')
param cosmosEndpoint string

@description('Cosmos DB database name.')
param cosmosDatabaseName string

@description('serverless or autoscale, for the cost report and its throughput advice.')
@allowed([
  'serverless'
  'autoscale'
])
param cosmosThroughputMode string

@description('autoscale: the database maximum RU/s.')
param cosmosAutoscaleMaxThroughput int

@description('easyauth or jwt (AUTH_MODE).')
@allowed([
  'easyauth'
  'jwt'
])
param authMode string

@description('Client id of the Entra app registration of the API; empty for none.')
param authClientId string

@description('jwt: token audience; empty: authClientId.')
param jwtAudience string

@description('jwt: token issuer; empty: Entra ID v2.0 of this tenant.')
param jwtIssuer string

@description('jwt: signing keys of the issuer; empty: Entra ID v2.0 keys of this tenant.')
param jwtJwksUri string

@description('Most instances the plan may scale out to.')
param maximumInstanceCount int

@description('Memory of each instance, in MB.')
param instanceMemoryMB int

@description('Origins of browser clients allowed to call the API.')
param corsAllowedOrigins array

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Microsoft Entra ID of the deploying tenant, from the cloud's own endpoints (sovereign clouds included).
var entraAuthority = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
var entraSigningKeys = '${environment().authentication.loginEndpoint}${tenant().tenantId}/discovery/v2.0/keys'
var jwt = {
  issuer: empty(jwtIssuer) ? entraAuthority : jwtIssuer
  audience: empty(jwtAudience) ? authClientId : jwtAudience
  jwksUri: empty(jwtJwksUri) ? entraSigningKeys : jwtJwksUri
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  // azd finds the app to deploy to by this tag: the service name in azure.yaml.
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // Flex Consumption takes the language from here; FUNCTIONS_WORKER_RUNTIME is not an app setting on it.
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Every setting the app reads (shared/config/settings.ts, documented in local.settings.sample.json), with
// the sample's defaults where Azure needs nothing else; tests/infra/appSettings.test.ts keeps the three
// in step. Settings that only make sense on a laptop (PORT, DATA_DIR, COSMOS_KEY, ...) are left out.
resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // Host storage and the reports, identity-based. Blob is all the host needs for HTTP and timer triggers
    // (leases, keys); queue and table endpoints would only add roles the app never uses.
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // Read by the host and by the telemetry exporter: ingestion needs an Entra ID token (local auth is off).
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
    // Read by @azure/identity: DefaultAzureCredential (the Cosmos DB client) picks this user-assigned identity.
    AZURE_CLIENT_ID: identityClientId
    DATA_BACKEND: 'cosmos'
    AUTH_MODE: authMode
    JWT_ISSUER: authMode == 'jwt' ? jwt.issuer : ''
    JWT_AUDIENCE: authMode == 'jwt' ? jwt.audience : ''
    JWT_JWKS_URI: authMode == 'jwt' ? jwt.jwksUri : ''
    LOG_LEVEL: 'info'
    HEALTH_CHECK_SCHEDULE: '0 */5 * * * *'
    COSMOS_ENDPOINT: cosmosEndpoint
    COSMOS_DATABASE: cosmosDatabaseName
    // Empty: the identity reaches Cosmos DB, so no key is read from Key Vault (local auth is off anyway).
    COSMOS_KEY_SECRET_NAME: ''
    KEY_VAULT_URI: ''
    // Empty: a single-region account.
    COSMOS_PREFERRED_REGIONS: ''
    COSMOS_REQUEST_TIMEOUT_MS: '10000'
    // The templates own the containers; the app only checks they exist.
    COSMOS_PROVISIONING: 'verify'
    STORE_OPERATION_TIMEOUT_MS: '15000'
    STORE_BREAKER_THRESHOLD: '5'
    STORE_BREAKER_HALF_OPEN_MS: '5000'
    STORE_MAX_CONCURRENCY: '64'
    STORE_MAX_QUEUE: '512'
    STORE_RETRY_ATTEMPTS: '2'
    USAGE_FLUSH_INTERVAL_MS: '60000'
    USAGE_MAX_SHAPES: '500'
    QUERY_CACHE_TTL_MS: '10000'
    QUERY_CACHE_MAX_ENTRIES: '5000'
    QUERY_CACHE_MAX_MB: '64'
    INDEX_METRICS_SAMPLE_INTERVAL_MS: '3600000'
    COST_REPORT_SCHEDULE: '0 30 0 * * *'
    COST_USD_PER_MILLION_RU: '0.25'
    COST_USD_PER_100_RU_PER_HOUR: '0.008'
    COST_USD_PER_100_AUTOSCALE_RU_PER_HOUR: '0.012'
    COSMOS_THROUGHPUT_MODE: cosmosThroughputMode
    COSMOS_THROUGHPUT_RU: cosmosThroughputMode == 'autoscale' ? string(cosmosAutoscaleMaxThroughput) : ''
  }
}

// App Service Authentication. On in easyauth mode, where the app trusts x-ms-client-principal*: with it on,
// the platform validates tokens and strips those headers from incoming requests, so no caller can forge
// them. Anonymous requests pass (GET /api/health and /api/openapi.json are public; the app answers 401
// elsewhere). Written in jwt mode too, switched off, so a change of mode never leaves the other one on.
resource authSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'authsettingsV2'
  // One configuration change of the site at a time: parallel ones can be refused as a conflict.
  dependsOn: [
    appSettings
  ]
  properties: {
    platform: {
      enabled: authMode == 'easyauth'
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
    identityProviders: empty(authClientId)
      ? {}
      : {
          azureActiveDirectory: {
            enabled: true
            registration: {
              clientId: authClientId
              openIdIssuer: entraAuthority
            }
            validation: {
              allowedAudiences: [
                authClientId
                'api://${authClientId}'
              ]
            }
          }
        }
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
