/** Applies a JSON merge patch (RFC 7396) to an object's top-level fields: null removes, anything else sets. */
export function applyMergePatch<T extends Record<string, unknown>>(
  current: T,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next;
}
