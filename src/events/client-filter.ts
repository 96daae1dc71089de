/** Longest client filter: a client id (64) with room for wildcards. */
export const MAX_CLIENT_FILTER_LENGTH = 128;
/** What a client filter may hold: a client id's characters and `*`. */
export const CLIENT_FILTER_PATTERN = /^[A-Za-z0-9_*-]{1,128}$/;

/**
 * Whether `clientId` matches the glob `filter`, where `*` stands for any run of characters (none
 * included) and every other character for itself. No regular expression is built from the
 * filter: the parts between stars are found left to right, each at its first place after the one
 * before (the leftmost place never loses a match a later one would find), so a match costs one
 * pass over the id per part; ids and filters are bounded (64 and 128 characters).
 */
export function matchesClientFilter(filter: string, clientId: string): boolean {
  const parts = filter.split('*');
  if (parts.length === 1) return filter === clientId;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (clientId.length < first.length + last.length) return false;
  if (!clientId.startsWith(first) || !clientId.endsWith(last)) return false;
  let at = first.length;
  const end = clientId.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i];
    if (part === '') continue;
    const found = clientId.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
