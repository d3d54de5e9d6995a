import type { DocumentStore, StoredDocument } from '../data/documentStore';
import { AppError, isAppError } from '../errors/appError';
import type { UserProfile, UserProfileFields } from '../models/user';
import { UserItemRepository } from './userItemRepository';

/** The container of user profiles; one document per user, id = userId, in the user's own partition. */
export const PROFILE_CONTAINER = 'users';

// Two PUTs racing on a missing profile both try to create it; the loser replaces the winner's version
// instead of failing. Bounded, so a pathological writer cannot keep a request spinning.
const PUT_ATTEMPTS = 5;

/** 404 PROFILE_NOT_FOUND: the caller has not created a profile yet (or erased it). */
export function profileNotFound(): AppError {
  return new AppError('You have no profile yet; create it with PUT /api/me.', {
    code: 'PROFILE_NOT_FOUND',
    category: 'NOT_FOUND',
    status: 404,
  });
}

/** The outcome of PUT /me: the stored profile and whether this request created it. */
export interface ProfileWrite {
  profile: StoredDocument<UserProfile>;
  created: boolean;
}

/** User profiles: at most one per user, addressed by the user's id alone. */
export class UserRepository extends UserItemRepository<UserProfile> {
  constructor(store: DocumentStore) {
    super(store, PROFILE_CONTAINER, 'Profile');
  }

  /** The user's profile; 404 PROFILE_NOT_FOUND when there is none. */
  async getProfile(userId: string): Promise<StoredDocument<UserProfile>> {
    const profile = await this.find(userId, userId);
    if (!profile) throw profileNotFound();
    return profile;
  }

  /**
   * Creates or replaces the user's profile. With ifMatch only that version may be replaced (412 otherwise,
   * also when there is no profile: the version the client saw is gone); without it, the write wins.
   */
  async putProfile(userId: string, fields: UserProfileFields, ifMatch?: string): Promise<ProfileWrite> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.find(userId, userId);
      if (ifMatch !== undefined && current?._etag !== ifMatch) throw this.changed(userId);
      const now = new Date().toISOString();
      const document: UserProfile = {
        id: userId,
        userId,
        ...fields,
        createdAt: current?.createdAt ?? now,
        updatedAt: now,
      };
      try {
        if (!current) {
          return { profile: (await this.store.create(this.container, document)).resource, created: true };
        }
        const replaced = await this.store.replace(this.container, document, { ifMatch: current._etag });
        return { profile: replaced.resource, created: false };
      } catch (error) {
        // Someone else created, changed or erased the profile between our read and write: with the
        // client's If-Match that is a 412; without it, start over from the newest state.
        const raced =
          isAppError(error, 'CONFLICT') ||
          isAppError(error, 'PRECONDITION_FAILED') ||
          isAppError(error, 'NOT_FOUND');
        if (!raced) throw error;
        if (ifMatch !== undefined || attempt >= PUT_ATTEMPTS) throw this.changed(userId);
      }
    }
  }
}
