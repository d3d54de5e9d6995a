import { z } from 'zod';
import { timestamp } from './common';

// Offsets ("+01:00") are accepted by Intl.DateTimeFormat but are not zone names: they ignore daylight
// saving, which is the reason a profile stores a zone at all. So a name must start with a letter.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/**
 * True for an IANA time zone name this runtime knows ("Europe/Berlin", "UTC", links such as "US/Pacific").
 * Intl.supportedValuesOf('timeZone') lists canonical names only (not even "UTC"), so the test is whether
 * Intl.DateTimeFormat accepts the name; that is also what any later formatting with it will need.
 */
export function isTimeZoneName(value: string): boolean {
  if (!ZONE_NAME.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const fields = {
  displayName: z.string().trim().min(1, 'Must not be empty.').max(100),
  email: z.email({ error: 'Must be an e-mail address.' }).max(254),
  timezone: z
    .string()
    .refine(isTimeZoneName, 'Must be an IANA time zone name, e.g. "Europe/Berlin" or "UTC".')
    .meta({ example: 'Europe/Berlin' }),
};

/**
 * PUT /me body: the whole profile. A left-out email is removed and a left-out timezone is "UTC", as PUT
 * replaces. id, userId and timestamps are the server's (dropped when sent back); any other field is 400.
 */
export const UserProfileReplace = z
  .strictObject({
    displayName: fields.displayName,
    email: fields.email.optional(),
    timezone: fields.timezone.default('UTC'),
  })
  .meta({ id: 'UserProfileReplace' });

/** The caller's profile as the API returns it; id is always the caller's userId. */
export const UserProfile = z
  .object({
    id: z.string(),
    userId: z.string(),
    displayName: fields.displayName,
    email: fields.email.optional(),
    timezone: fields.timezone,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'UserProfile' });

export type UserProfile = z.infer<typeof UserProfile>;
export type UserProfileFields = z.infer<typeof UserProfileReplace>;
