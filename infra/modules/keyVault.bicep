// Key Vault in RBAC mode, for secrets the app may need where identity is not available (KEY_VAULT_URI +
// COSMOS_KEY_SECRET_NAME). The default deployment keeps none: the app reaches everything with its identity.

@description('Name of the vault (3-24 characters).')
param name string

@description('Azure region.')
param location string

@description('Tags of every resource (azd-env-name).')
param tags object

@description('On: a deleted vault cannot be purged before its retention ends. Cannot be switched off once on.')
param purgeProtection bool

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Key Vault accepts only true or an absent value here: false is rejected once the vault exists.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
