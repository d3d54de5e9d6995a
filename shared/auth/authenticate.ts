import type { HttpRequest } from '@azure/functions';
import type { Settings } from '../config/settings';
import { devPrincipal } from './devPrincipal';
import { easyAuthPrincipal } from './easyAuthPrincipal';
import { jwtPrincipal } from './jwtPrincipal';
import type { Principal } from './principal';

/** The caller of a request under the configured AUTH_MODE, or undefined when there is no valid identity. */
export async function authenticate(request: HttpRequest, settings: Settings): Promise<Principal | undefined> {
  switch (settings.authMode) {
    case 'dev':
      return devPrincipal(request);
    case 'easyauth':
      return easyAuthPrincipal(request);
    case 'jwt':
      return settings.jwt ? jwtPrincipal(request, settings.jwt) : undefined;
  }
}
