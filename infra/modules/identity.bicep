// The user-assigned identity the function app runs as. It is the app's only credential: storage, Cosmos DB,
// Key Vault and Application Insights all accept it, so no key or connection secret exists anywhere.

@description('Name of the identity.')
param name string

@description('Azure region.')
param location string

@description('Tags of every resource (azd-env-name).')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
