import { CLIENT_STATUSES, type ClientStatus } from './heartbeat.dto.js';
import type { Heartbeat } from './heartbeat-parser.js';

/** A heartbeat body's fields read straight from its bytes (the ids are the subject's). */
export type CanonicalFields = Omit<Heartbeat, 'tenantId' | 'clientId'>;

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
const CLIENT_ID = bytesOf('{"client_id":"');
const TENANT_ID = bytesOf('","tenant_id":"');
const TIMESTAMP = bytesOf('","timestamp":"');
const STATUS = bytesOf('","status":"');
const SENT = bytesOf('","metrics":{"messages_sent":');
const RECEIVED = bytesOf(',"messages_received":');
const ERRORS = bytesOf(',"errors":');
const UPTIME = bytesOf(',"uptime_seconds":');
// None is a prefix of another; the closing quote is the next literal's.
const STATUSES = CLIENT_STATUSES.map((s) => ({ status: s, bytes: bytesOf(s) }));
/** `YYYY-MM-DDTHH:MM:SS.sssZ`, what `Date.prototype.toISOString` writes for years 1970–9999. */
const TIMESTAMP_LENGTH = 24;
/** Digits of a counter read here: 15 are always below Number.MAX_SAFE_INTEGER; longer go the full way. */
const MAX_COUNTER_DIGITS = 15;
const ZERO = 48;
const QUOTE = 34;
const CLOSE = 125;

/**
 * The SDK's heartbeat body, byte for byte as `JSON.stringify` writes it (PulseClient.heartbeatBody:
 * keys in that order, no spaces, a `toISOString` timestamp, plain non-negative integers), with the
 * subject's tenant and client ids; null for anything else, which then takes the full parse
 * (JSON.parse and the schema). Whatever this accepts, the full parse accepts with the same fields
 * (a property test checks it): it reads no escapes, no spaces, no other key order, no fractions,
 * exponents or leading zeros, and only calendar dates. It costs a few hundred instructions where
 * decoding, JSON.parse, the compiled schema and Date.parse cost several thousand.
 */
export function readCanonicalHeartbeat(data: Uint8Array, tenantId: string, clientId: string): CanonicalFields | null {
  const r = new Reader(data);
  if (!r.literal(CLIENT_ID) || !r.ascii(clientId) || !r.literal(TENANT_ID) || !r.ascii(tenantId)) return null;
  if (!r.literal(TIMESTAMP)) return null;
  const timestamp = r.timestamp();
  if (timestamp < 0 || !r.literal(STATUS)) return null;
  const status = r.status();
  if (status === null || !r.literal(SENT)) return null;
  const sent = r.counter();
  if (sent < 0 || !r.literal(RECEIVED)) return null;
  const received = r.counter();
  if (received < 0 || !r.literal(ERRORS)) return null;
  const errors = r.counter();
  if (errors < 0 || !r.literal(UPTIME)) return null;
  const uptimeSeconds = r.counter();
  if (uptimeSeconds < 0 || !r.byte(CLOSE) || !r.byte(CLOSE) || !r.atEnd()) return null;
  return { status, timestamp, sent, received, errors, uptimeSeconds };
}

/** Reads a body from the front; every method advances past what it matched, or says it did not match. */
class Reader {
  private at = 0;

  constructor(private readonly data: Uint8Array) {}

  atEnd(): boolean {
    return this.at === this.data.length;
  }

  byte(b: number): boolean {
    if (this.data[this.at] !== b) return false;
    this.at++;
    return true;
  }

  literal(bytes: Uint8Array): boolean {
    const { data } = this;
    if (this.at + bytes.length > data.length) return false;
    for (let i = 0; i < bytes.length; i++) if (data[this.at + i] !== bytes[i]) return false;
    this.at += bytes.length;
    return true;
  }

  /** `text` (an id: ASCII letters, digits, `_`, `-`, already validated) then the closing quote. */
  ascii(text: string): boolean {
    const { data } = this;
    if (this.at + text.length >= data.length) return false;
    for (let i = 0; i < text.length; i++) if (data[this.at + i] !== text.charCodeAt(i)) return false;
    this.at += text.length;
    return true;
  }

  status(): ClientStatus | null {
    for (const s of STATUSES) if (this.literal(s.bytes)) return s.status;
    return null;
  }

  /** A non-negative integer without a leading zero, at most MAX_COUNTER_DIGITS digits; -1 otherwise. */
  counter(): number {
    const { data } = this;
    const start = this.at;
    let value = 0;
    while (this.at < data.length) {
      const d = data[this.at] - ZERO;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      this.at++;
    }
    const digits = this.at - start;
    if (digits === 0 || digits > MAX_COUNTER_DIGITS || (digits > 1 && data[start] === ZERO)) return -1;
    return value;
  }

  /** `YYYY-MM-DDTHH:MM:SS.sssZ` (then the closing quote) of a real calendar day, years 1970–9999, as ms; -1 otherwise. */
  timestamp(): number {
    const { data } = this;
    const s = this.at;
    if (s + TIMESTAMP_LENGTH >= data.length || data[s + TIMESTAMP_LENGTH] !== QUOTE) return -1;
    const n = (from: number, len: number): number => {
      let v = 0;
      for (let i = from; i < from + len; i++) {
        const d = data[s + i] - ZERO;
        if (d < 0 || d > 9) return -1;
        v = v * 10 + d;
      }
      return v;
    };
    const sep = (i: number, c: string) => data[s + i] === c.charCodeAt(0);
    if (!sep(4, '-') || !sep(7, '-') || !sep(10, 'T') || !sep(13, ':') || !sep(16, ':') || !sep(19, '.')) return -1;
    if (!sep(23, 'Z')) return -1;
    const year = n(0, 4);
    const month = n(5, 2);
    const day = n(8, 2);
    const hour = n(11, 2);
    const minute = n(14, 2);
    const second = n(17, 2);
    const ms = n(20, 3);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return -1;
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return -1;
    this.at = s + TIMESTAMP_LENGTH;
    return Date.UTC(year, month - 1, day, hour, minute, second, ms);
  }
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
