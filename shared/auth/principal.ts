/** The authenticated caller of a request. */
export interface Principal {
  /** Stable user id; every user document is partitioned by it. */
  userId: string;
  roles: string[];
  /** Display name or e-mail when the identity provider supplies one. */
  name?: string;
}

/** The role operations endpoints need. */
export const ADMIN_ROLE = 'admin';

// A user id becomes a partition key value and part of stored documents; keep it to what identity
// providers actually issue (GUIDs, subject ids, e-mail-like names) and refuse anything else.
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9@._:|-]{0,127}$/;

/** True when the id is acceptable as a user id. */
export function isValidUserId(id: string): boolean {
  return USER_ID.test(id);
}

/** Splits a comma-separated role list, trimmed, without empties. */
export function parseRoles(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
}
