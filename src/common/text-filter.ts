/** Longest filter a caller may pass (a client id or a subject pattern). */
export const MAX_FILTER_LENGTH = 128;

/**
 * A caller's filter as a predicate, never a regular expression: without `*` a plain substring;
 * with `*` a glob whose `*` matches any run of characters, anchored at both ends. The glob is
 * matched part by part with indexOf, leftmost first (correct for a pattern whose only wildcard
 * is `*`), so the work is linear in the text for each part: no backtracking.
 */
export function textFilter(filter: string): (text: string) => boolean {
  if (!filter.includes('*')) return (text) => text.includes(filter);
  const parts = filter.split('*');
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter((p) => p.length > 0);
  return (text) => {
    if (text.length < first.length + last.length) return false;
    if (!text.startsWith(first) || !text.endsWith(last)) return false;
    let at = first.length;
    const end = text.length - last.length;
    for (const part of middle) {
      const found = text.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}
