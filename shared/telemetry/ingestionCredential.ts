// Entra ID (managed identity) ingestion for Application Insights. The App Service / Functions convention is
// APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "Authorization=AAD" (system-assigned identity) or
// "Authorization=AAD;ClientId=<client id>" (user-assigned). applicationinsights 3.x reads that variable only
// for Live Metrics, not for its exporters, so the pipeline turns it into the exporters' credential here.
import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';

/** The managed identity credential the authentication string asks for (none when unset); throws when malformed. */
export function ingestionCredential(authenticationString: string | undefined): TokenCredential | undefined {
  if (!authenticationString?.trim()) return undefined;
  const fields = new Map<string, string>();
  for (const pair of authenticationString.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) fields.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
  }
  if (fields.get('authorization')?.toUpperCase() !== 'AAD') {
    // Silently sending with the key alone would be refused where local authentication is disabled.
    throw new Error(
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be "Authorization=AAD" or "Authorization=AAD;ClientId=<client id>"',
    );
  }
  const clientId = fields.get('clientid');
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}
