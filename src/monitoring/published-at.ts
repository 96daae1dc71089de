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
const KEY = Array.from(PUBLISHED_AT_HEADER, (c) => c.charCodeAt(0));
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
 * (MsgHdrsImpl.decode, then `get` with an exact key) reads it, for the blocks where that is
 * certain: printable ASCII and tabs, lines ending in CR LF only, every header name valid (nats.js
 * throws on an invalid one, anywhere in the block). Returns the value as a number when it is 1 to 15
 * decimal digits, NO_PUBLISHED_AT when there is no such header or its value is empty, and
 * SCAN_UNDECIDED for anything else (other bytes, a lone CR or LF, an invalid name, another number
 * form), which the caller leaves to nats.js. The first line (`NATS/1.0`, a status) is not a header.
 */
export function scanPublishedAt(bytes: Uint8Array, end: number): number {
  // The first value counts, even an empty one (nats.js keeps every value, `get` returns the first).
  let found = NOT_THIS_HEADER;
  let lineStart = 0;
  let first = true;
  let i = 0;
  while (i <= end) {
    // A last line without CR LF is still a line to nats.js (it splits on CR LF).
    const c = i < end ? bytes[i] : CR;
    if (c === CR) {
      if (i < end && (i + 1 >= end || bytes[i + 1] !== LF)) return SCAN_UNDECIDED;
      if (!first && i > lineStart) {
        const value = headerLine(bytes, lineStart, i, found === NOT_THIS_HEADER);
        if (value === SCAN_UNDECIDED) return SCAN_UNDECIDED;
        if (value !== NOT_THIS_HEADER) found = value;
      }
      first = false;
      i += 2;
      lineStart = i;
    } else if ((c < SPACE && c !== TAB) || c > 126) {
      return SCAN_UNDECIDED;
    } else {
      i++;
    }
  }
  return found === NOT_THIS_HEADER ? NO_PUBLISHED_AT : found;
}

/** A valid line that is not the first `X-Published-At`, or has no colon (a result of `headerLine`). */
const NOT_THIS_HEADER = -3;

/**
 * One non-empty header line `bytes[start, end)` (printable ASCII and tabs): SCAN_UNDECIDED when its
 * name is one nats.js refuses (a byte outside 33..126), else, when `wanted` and the name is exactly
 * `X-Published-At`, its value trimmed of spaces and tabs (NO_PUBLISHED_AT when empty, the number
 * for 1 to 15 digits, SCAN_UNDECIDED otherwise); NOT_THIS_HEADER for every other line.
 */
function headerLine(bytes: Uint8Array, start: number, end: number, wanted: boolean): number {
  let colon = start;
  while (colon < end && bytes[colon] !== COLON) colon++;
  if (colon === end) return NOT_THIS_HEADER; // no colon: nats.js skips the line
  let named = wanted && colon - start === KEY.length;
  for (let j = start; j < colon; j++) {
    const c = bytes[j];
    if (c <= SPACE || c > 126) return SCAN_UNDECIDED;
    if (named && c !== KEY[j - start]) named = false;
  }
  if (!named) return NOT_THIS_HEADER;
  let from = colon + 1;
  let to = end;
  while (from < to && (bytes[from] === SPACE || bytes[from] === TAB)) from++;
  while (to > from && (bytes[to - 1] === SPACE || bytes[to - 1] === TAB)) to--;
  if (from === to) return NO_PUBLISHED_AT;
  if (to - from > MAX_DIGITS) return SCAN_UNDECIDED;
  return digitsAt(bytes, from, to);
}
