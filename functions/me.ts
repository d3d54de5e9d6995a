import { userRoute, type RouteContext } from '../shared/http/apiRoute';
import { ifMatchOf } from '../shared/http/conditionalRequest';
import { readJson, validate } from '../shared/http/requestBody';
import { itemResponse, noContent } from '../shared/http/responses';
import { AppError } from '../shared/errors/appError';
import { withoutServerFields } from '../shared/models/common';
import { UserProfile, UserProfileReplace } from '../shared/models/user';
import { eraseUserData, hasUserData } from '../shared/repositories/accountErasure';
import { publicView } from '../shared/repositories/userItemRepository';
import { UserRepository } from '../shared/repositories/userRepository';
import { httpFunction, type FunctionDefinition } from './functionDefinition';

const LOCATION = '/api/me';

const repository = (context: RouteContext) => new UserRepository(context.store);

function profileChanged(): AppError {
  return new AppError('Your profile has changed since you read it (If-Match did not match).', {
    code: 'PRECONDITION_FAILED',
    category: 'CONFLICT',
    status: 412,
  });
}

// A GET never creates the profile: a read that writes would bring an erased account back to life, and a
// client learns from the 404's code (PROFILE_NOT_FOUND, not NOT_FOUND) that it should PUT one.
async function getMe(context: RouteContext) {
  const profile = await repository(context).getProfile(context.principal.userId);
  return itemResponse(200, publicView(profile), profile._etag);
}

async function putMe(context: RouteContext) {
  const fields = validate(UserProfileReplace, withoutServerFields(await readJson(context.request), ['id']));
  const { profile, created } = await repository(context).putProfile(
    context.principal.userId,
    fields,
    ifMatchOf(context.request),
  );
  return itemResponse(
    created ? 201 : 200,
    publicView(profile),
    profile._etag,
    created ? LOCATION : undefined,
  );
}

async function deleteMe(context: RouteContext) {
  const userId = context.principal.userId;
  const ifMatch = ifMatchOf(context.request);
  if (ifMatch !== undefined) {
    // If-Match is checked once, before anything is erased; the profile goes last, so an interrupted
    // erasure repeated with the same If-Match still passes. With no profile left, RFC 9110 lets us answer
    // 2xx when the requested change has already happened, which is the case exactly when nothing is left.
    const profile = await repository(context).find(userId, userId);
    if (profile ? profile._etag !== ifMatch : await hasUserData(context.store, userId))
      throw profileChanged();
  }
  const deleted = await eraseUserData(context.store, userId);
  context.log.info('account erased', { deleted });
  return noContent();
}

/** The caller's own profile and account: /me. */
export function meFunctions(): FunctionDefinition[] {
  return [
    httpFunction('meGet', 'GET', 'me', userRoute(getMe), {
      summary: "Read the caller's profile (404 PROFILE_NOT_FOUND until it is created with PUT)",
      access: 'user',
      success: { status: 200, description: 'The profile; ETag header.', schema: UserProfile },
      errors: [404],
    }),
    httpFunction('mePut', 'PUT', 'me', userRoute(putMe), {
      summary: "Create (201) or replace (200) the caller's profile (If-Match honoured)",
      access: 'user',
      body: UserProfileReplace,
      success: {
        status: 200,
        description: 'The stored profile; ETag header. 201 with Location when this request created it.',
        schema: UserProfile,
      },
      errors: [400, 412, 413, 415],
    }),
    httpFunction('meDelete', 'DELETE', 'me', userRoute(deleteMe), {
      summary: "Erase all of the caller's data in every container, profile last (safe to repeat)",
      access: 'user',
      success: { status: 204, description: 'Nothing of the caller is left (also when there was nothing).' },
      errors: [412],
    }),
  ];
}
