/**
 * Bounds on a JSON text's shape, checked before JSON.parse. The byte bound alone does not bound
 * the parse: V8 parses 64 KiB of `[[[[…` in ~1.5-2 ms (a valid 64 KiB object in a tenth of that),
 * and the event loop that runs it is every tenant's.
 */
export interface JsonShapeLimits {
  /** Most nested arrays/objects open at once. */
  maxDepth: number;
  /** Most structural tokens (`{`, `[`, `,`, `:` outside strings): a value per token at most. */
  maxTokens: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * Whether JSON text (UTF-8 bytes) stays within `limits`: one pass, stopping at the first byte
 * past a bound, no allocation. It does not validate the text (JSON.parse does that after); it
 * only counts, so malformed text within the bounds passes and the parser refuses it as before.
 * Strings are skipped (an escape skips the byte after the backslash), so brackets inside a
 * string count for nothing. UTF-8 continuation bytes are all ≥ 0x80 and never mistaken for one
 * of the ASCII bytes counted.
 */
export function withinJsonShape(data: Uint8Array, limits: JsonShapeLimits): boolean {
  let depth = 0;
  let tokens = 0;
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const b = data[i];
    if (b === QUOTE) {
      for (i++; i < n; i++) {
        const c = data[i];
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) break;
      }
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > limits.maxDepth || ++tokens > limits.maxTokens) return false;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    } else if (b === COMMA || b === COLON) {
      if (++tokens > limits.maxTokens) return false;
    }
  }
  return true;
}
