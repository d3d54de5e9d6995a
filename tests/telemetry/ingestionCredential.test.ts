import { ManagedIdentityCredential } from '@azure/identity';
import { ingestionCredential } from '../../shared/telemetry/ingestionCredential';

describe('Entra ID ingestion (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)', () => {
  it('is off when the string is unset or empty', () => {
    expect(ingestionCredential(undefined)).toBeUndefined();
    expect(ingestionCredential('  ')).toBeUndefined();
  });

  it('uses the managed identity: system-assigned, or the user-assigned one the ClientId names', () => {
    expect(ingestionCredential('Authorization=AAD')).toBeInstanceOf(ManagedIdentityCredential);
    expect(
      ingestionCredential('authorization=aad; ClientId=00000000-0000-0000-0000-000000000001'),
    ).toBeInstanceOf(ManagedIdentityCredential);
  });

  it('refuses anything else, naming the setting but not echoing its value', () => {
    expect(() => ingestionCredential('Authorization=Key;Secret=abc')).toThrow(
      /^APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be/,
    );
    expect(() => ingestionCredential('Authorization=Key;Secret=abc')).not.toThrow(/abc/);
  });
});
