import type { Msg } from '@nats-io/transport-node';
import { latencyFromHeader, latencySince, type LatencyVerdict } from '../common/latency-histogram.js';

export const PUBLISHED_AT_HEADER = 'X-Published-At';

/** The one field of nats.js's MsgImpl read here (as in nats/wire-bytes.ts): the HMSG/MSG body as received. */
interface ReceivedMsg {
  readonly _rdata?: Uint8Array;
}

/** No `X-Published-At` line, or an empty value (a result of `scanPublishedAt`). */
export const NO_PUBLISHED_AT = -1;
/** A block the byte scan does not decide, for nats.js's parser to read (a result of `scanPublishedAt`). */
export const SCAN_UNDECIDED = -2;

const CR = 13;
const LF = 10;
const TAB = 9;
const SPACE = 32;
const COLON = 58;
const KEY = Uint8Array.from(PUBLISHED_AT_HEADER, (c) => c.charCodeAt(0));
/** Up to 15 digits a number is an exact integer (< 2^53), as Number() would read it. */
const MAX_DIGITS = 15;

/**
 * The latency verdict of a received message's `X-Published-At` header, exactly as
 * `latencyFromHeader(msg.headers.get(PUBLISHED_AT_HEADER), now)` gives it (a header block nats.js
 * cannot parse: 'invalid'), without nats.js's header parsing (a string, an array of lines, a Map
 * and a canonical key per header, a regular expression per value: most of a tapped message's cost).
 * The header block is scanned in place; a block the scan does not decide, and a message without
 * the received body (a test double), go through nats.js's parser as before.
 */
export function publishedAtVerdict(msg: Msg, payloadLength: number, now: number): LatencyVerdict {
  const raw = (msg as ReceivedMsg)._rdata;
  if (raw !== undefined) {
    // The body is the header block then the payload (nats/wire-bytes.ts): no block, no header.
    const headerLength = raw.length - payloadLength;
    if (headerLength === 0) return 'missing';
    const scanned = readPublishedAt(raw, headerLength);
    if (scanned === NO_PUBLISHED_AT) return 'missing';
    if (scanned !== SCAN_UNDECIDED) return latencySince(scanned, now);
  }
  try {
    return msg.headers ? latencyFromHeader(msg.headers.get(PUBLISHED_AT_HEADER), now) : 'missing';
  } catch {
    return 'invalid';
  }
}

/**
 * `X-Published-At` from a header block `bytes[0, end)` as nats.js reads it, where the bytes decide
 * it: the SDK's block by one comparison a byte (`sdkBlock`), any other by `scanPublishedAt`.
 */
export function readPublishedAt(bytes: Uint8Array, end: number): number {
  const sdk = sdkBlock(bytes, end);
  return sdk === SCAN_UNDECIDED ? scanPublishedAt(bytes, end) : sdk;
}

/** The header block Pulse's SDK (and the benchmarks' publishers) send, up to the value. */
const SDK_PREFIX = Uint8Array.from(`NATS/1.0\r\n${PUBLISHED_AT_HEADER}: `, (c) => c.charCodeAt(0));

/**
 * The value of a block that is exactly `NATS/1.0\r\nX-Published-At: <1 to 15 digits>\r\n\r\n` (one
 * header, as the SDK stamps it), else SCAN_UNDECIDED: one comparison a byte, no line splitting.
 */
function sdkBlock(bytes: Uint8Array, end: number): number {
  const valueEnd = end - 4;
  const digits = valueEnd - SDK_PREFIX.length;
  if (digits < 1 || digits > MAX_DIGITS) return SCAN_UNDECIDED;
  if (bytes[valueEnd] !== CR || bytes[end - 3] !== LF || bytes[end - 2] !== CR || bytes[end - 1] !== LF)
    return SCAN_UNDECIDED;
  for (let k = 0; k < SDK_PREFIX.length; k++) if (bytes[k] !== SDK_PREFIX[k]) return SCAN_UNDECIDED;
  return digitsAt(bytes, SDK_PREFIX.length, valueEnd);
}

/** The decimal number in `bytes[from, to)` (at most MAX_DIGITS digits), or SCAN_UNDECIDED for any other byte. */
function digitsAt(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let j = from; j < to; j++) {
    const d = bytes[j] - 48;
    if (d < 0 || d > 9) return SCAN_UNDECIDED;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Reads the first `X-Published-At` value of a NATS header block (`bytes[0, end)`) the way nats.js
 * (MsgHdrsImpl.decode, then `get` with the exact key) reads it, in one pass over the bytes, for
 * the blocks where that is certain. nats.js splits the block on CR LF; the first line (`NATS/1.0`,
 * a status) is not a header; a line without a colon is skipped; on every other line the name (up
 * to the first colon) must be bytes 33..126 and the trimmed value must hold no CR or LF, or nats.js
 * throws, whichever line it is; the names are case-sensitive (`x-published-at` is another header)
 * and the first value counts, even an empty one. Other header values may hold any byte but CR and
 * LF (non-ASCII bytes decode to characters that are neither). Returns the value as a number when it
 * is 1 to 15 decimal digits between spaces and tabs, NO_PUBLISHED_AT when there is no such header
 * or its value is empty, and SCAN_UNDECIDED for anything else (a lone CR or LF after the first
 * line, a line with a colon whose name nats.js refuses, another number form or byte in the value),
 * which the caller leaves to nats.js. Linear in the block, every byte read once (the key's 14
 * bytes twice), nothing allocated.
 */
export function scanPublishedAt(bytes: Uint8Array, end: number): number {
  // The first line, up to the first CR LF (its bytes do not matter to nats.js).
  let i = 0;
  for (;;) {
    while (i < end && bytes[i] !== CR) i++;
    if (i + 1 >= end) return NO_PUBLISHED_AT; // one line: no headers
    if (bytes[i + 1] === LF) break;
    i++;
  }
  i += 2;
  let found = NOT_FOUND;
  let c = 0;
  while (i < end) {
    const start = i;
    while (i < end && (c = bytes[i]) > SPACE && c < 127 && c !== COLON) i++;
    if (i === end) break; // a last line (no CR LF) without a colon
    if (c !== COLON) {
      // Not a name byte: the line must have no colon (nats.js skips it, an empty line too).
      while (i < end && (c = bytes[i]) !== COLON && c !== CR && c !== LF) i++;
      if (c === COLON) return SCAN_UNDECIDED;
    } else if (found === NOT_FOUND && i - start === KEY.length && isKey(bytes, start)) {
      i++;
      while (i < end && ((c = bytes[i]) === SPACE || c === TAB)) i++;
      const from = i;
      let n = 0;
      while (i < end && (c = bytes[i] - ZERO) >= 0 && c <= 9) {
        n = n * 10 + c;
        i++;
      }
      const digits = i - from;
      while (i < end && ((c = bytes[i]) === SPACE || c === TAB)) i++;
      if (digits > MAX_DIGITS || (i < end && bytes[i] !== CR)) return SCAN_UNDECIDED;
      found = digits === 0 ? NO_PUBLISHED_AT : n;
    } else {
      // Another header's value: up to the CR (one comparison for a byte above CR).
      i++;
      while (i < end && ((c = bytes[i]) > CR || (c !== CR && c !== LF))) i++;
    }
    if (i === end) break; // a last line without CR LF is still a line to nats.js
    if (bytes[i] !== CR || i + 1 === end || bytes[i + 1] !== LF) return SCAN_UNDECIDED; // a lone CR or LF
    i += 2;
  }
  return found === NOT_FOUND ? NO_PUBLISHED_AT : found;
}

/** No `X-Published-At` line seen yet (in `scanPublishedAt`). */
const NOT_FOUND = -3;
const ZERO = 48;

/** Whether `bytes[start, start + 14)` is `X-Published-At`, exactly (nats.js's `get` is case-sensitive). */
function isKey(bytes: Uint8Array, start: number): boolean {
  for (let k = 0; k < KEY.length; k++) if (bytes[start + k] !== KEY[k]) return false;
  return true;
}
