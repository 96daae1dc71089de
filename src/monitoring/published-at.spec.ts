import fc from 'fast-check';
import { headers, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { latencyFromHeader, type LatencyVerdict } from '../common/latency-histogram.js';
import {
  NO_PUBLISHED_AT,
  publishedAtVerdict,
  readPublishedAt,
  SCAN_UNDECIDED,
  scanPublishedAt,
} from './published-at.js';

const NOW = Date.UTC(2026, 11, 7, 12);
const ascii = new TextEncoder();

/** nats.js's own header parser (MsgHdrsImpl.decode), as `msg.headers` runs it on a received message. */
const decode = (Object.getPrototypeOf(headers()) as { constructor: { decode(b: Uint8Array): MsgHdrs } }).constructor
  .decode;

/**
 * A message as nats.js's MsgImpl presents a received HMSG (or, with `block` null, a MSG): `_rdata`
 * the header block then the payload, `data` the payload, `headers` decoded from the block on access.
 */
function received(block: Uint8Array | null, payload = new Uint8Array(10)): Msg {
  const hdr = block === null ? -1 : block.length;
  const raw = new Uint8Array((block?.length ?? 0) + payload.length);
  if (block) raw.set(block);
  raw.set(payload, block?.length ?? 0);
  return {
    subject: 'tenant.acme.a',
    _rdata: raw,
    get data() {
      return hdr > -1 ? raw.subarray(hdr) : raw;
    },
    get headers() {
      return hdr > -1 ? decode(raw.subarray(0, hdr)) : undefined;
    },
  } as unknown as Msg;
}

/** What the tap read before: nats.js's parser, then latencyFromHeader; a block it cannot parse is invalid. */
function reference(msg: Msg, now: number): LatencyVerdict {
  try {
    return msg.headers ? latencyFromHeader(msg.headers.get('X-Published-At'), now) : 'missing';
  } catch {
    return 'invalid';
  }
}

const verdict = (msg: Msg, now = NOW) => publishedAtVerdict(msg, msg.data.length, now);
const block = (text: string) => ascii.encode(text);

describe('publishedAtVerdict (the tap reads X-Published-At in place)', () => {
  it('reads the header as the client publishes it, without nats.js parsing the block', () => {
    const msg = received(block(`NATS/1.0\r\nX-Published-At: ${NOW - 42}\r\n\r\n`));
    Object.defineProperty(msg, 'headers', {
      get: () => {
        throw new Error('parsed by nats.js');
      },
    });
    expect(verdict(msg)).toBe(42);
  });

  it('is "missing" for a message without headers and for a block without the header', () => {
    expect(verdict(received(null))).toBe('missing');
    expect(verdict(received(block('NATS/1.0\r\nX-A: b\r\n\r\n')))).toBe('missing');
    expect(verdict(received(block('NATS/1.0\r\nX-Published-At:  \r\n\r\n')))).toBe('missing');
  });

  it('takes the first value of the header, even an empty one, as nats.js does', () => {
    const two = (a: string, b: string) =>
      received(block(`NATS/1.0\r\nX-Published-At: ${a}\r\nX-Published-At: ${b}\r\n\r\n`));
    expect(verdict(two(String(NOW - 5), String(NOW - 9)))).toBe(5);
    expect(verdict(two('', String(NOW - 9)))).toBe('missing');
  });

  it('leaves what it does not decide to nats.js: number forms, other bytes, invalid names', () => {
    const undecided = [
      `NATS/1.0\r\nX-Published-At: ${NOW - 3}.5\r\n\r\n`,
      'NATS/1.0\r\nX-Published-At: 1e12\r\n\r\n',
      `NATS/1.0\r\nX-Published-At: ${NOW}\nX: y\r\n\r\n`, // a lone LF
      `NATS/1.0\r\nX-Published-At: ${NOW}\r\nBad Name: y\r\n\r\n`, // nats.js throws on the space
      `NATS/1.0\r\nX-Published-At: ${NOW}\r\nX-É: y\r\n\r\n`,
    ];
    for (const text of undecided) {
      const b = block(text);
      expect(scanPublishedAt(b, b.length)).toBe(SCAN_UNDECIDED);
      expect(verdict(received(b))).toEqual(reference(received(b), NOW));
    }
    expect(verdict(received(block(`NATS/1.0\r\nX-Published-At: ${NOW}\r\nBad Name: y\r\n\r\n`)))).toBe('invalid');
  });

  it('falls back to msg.headers for a message without the received body (a test double)', () => {
    const h = headers();
    h.set('X-Published-At', String(NOW - 7));
    expect(verdict({ subject: 's', data: new Uint8Array(3), headers: h } as unknown as Msg)).toBe(7);
    expect(verdict({ subject: 's', data: new Uint8Array(3), headers: undefined } as unknown as Msg)).toBe('missing');
  });

  it('agrees with nats.js on every header block (property-based)', () => {
    const digits = (n: number) => fc.integer({ min: 0, max: n }).map((k) => String(NOW - k));
    const key = fc.constantFrom(
      'X-Published-At',
      'X-Published-At',
      'x-published-at',
      'X-Published-At ',
      ' X-Published-At',
      'X-Published-A',
      'X-Published-Att',
      'X-A',
      '',
      'Bad Name',
      'X-\u00e9',
      'X\tY',
    );
    const value = fc.oneof(
      digits(400_000),
      digits(400_000).map((v) => ` ${v}`), // as the SDK sends it
      fc.integer({ min: 0, max: 20 }).map((n) => ` ${'7'.repeat(n)}`),
      digits(400_000).map((v) => ` ${v} `),
      digits(400_000).map((v) => `\t${v}`),
      digits(400_000).map((v) => `0${v}`),
      fc.constantFrom('', ' ', '0', '-5', '+5', '1e12', '0x10', '12 34', '9'.repeat(16), '1'.repeat(15), 'abc'),
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 6 }),
    );
    const end = fc.constantFrom('\r\n', '\r\n', '\r\n', '\n', '\r', '');
    const line = fc.oneof(
      fc.tuple(key, value, end).map(([k, v, e]) => `${k}:${v}${e}`),
      fc.tuple(fc.string({ maxLength: 10 }), end).map(([s, e]) => `${s}${e}`),
    );
    const status = fc.constantFrom('NATS/1.0', 'NATS/1.0 503', 'NATS/1.0 100 Idle Heartbeat', '', 'X-Published-At: 1');
    const blocks = fc
      .tuple(status, fc.array(line, { maxLength: 5 }), fc.constantFrom('\r\n', '', '\r\n\r\n', '\n', '\r'))
      .map(([s, lines, tail]) => block(`${s}\r\n${lines.join('')}${tail}`));
    const raw = fc.uint8Array({ maxLength: 40 }).map((b) => new Uint8Array([...block('NATS/1.0\r\n'), ...b]));
    fc.assert(
      fc.property(fc.oneof(blocks, raw), fc.integer({ min: -1000, max: 400_000 }), (b, skew) => {
        const msg = received(b);
        expect(verdict(msg, NOW + skew)).toEqual(reference(msg, NOW + skew));
      }),
      { numRuns: 20_000 },
    );
  });

  it("agrees with nats.js on blocks one byte away from the SDK's (property-based)", () => {
    const special = fc.constantFrom(9, 10, 13, 32, 48, 57, 58, 65, 0x80, 0xc3);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.nat(),
        fc.oneof(special, fc.integer({ min: 0, max: 255 })),
        fc.boolean(),
        (zeros, at, byte, replace) => {
          // 13 to 16 digits (leading zeros), a valid latency of 5 ms as long as the bytes stand.
          const b = [...block(`NATS/1.0\r\nX-Published-At: ${'0'.repeat(zeros)}${NOW - 5}\r\n\r\n`)];
          const i = at % (b.length + 1);
          if (replace && i < b.length) b[i] = byte;
          else b.splice(i, 0, byte);
          const msg = received(new Uint8Array(b));
          expect(verdict(msg)).toEqual(reference(msg, NOW));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('reads headers as nats.js does: exact names, the first value, any line, any other value', () => {
    const cases: [string, LatencyVerdict][] = [
      // Names are case-sensitive to nats.js's get(): a case variant is another header.
      [`NATS/1.0\r\nx-published-at: ${NOW - 1}\r\nX-Published-At: ${NOW - 2}\r\n\r\n`, 2],
      [`NATS/1.0\r\nX-PUBLISHED-AT: ${NOW - 1}\r\n\r\n`, 'missing'],
      // The first of duplicate lines counts; later ones only have to be parseable.
      [`NATS/1.0\r\nX-Published-At: ${NOW - 3}\r\nX-Published-At: abc\r\n\r\n`, 3],
      // Other values: colons, the key's text, non-ASCII and control bytes are nothing to nats.js.
      [`NATS/1.0\r\nA: X-Published-At: ${NOW - 9}\r\nX-Published-At: ${NOW - 4}\r\n\r\n`, 4],
      [`NATS/1.0\r\nNats-Msg-Id: é\u0001\u007f:\r\nX-Published-At: ${NOW - 5}\r\n\r\n`, 5],
      // Lines without a colon are skipped, an empty line (the block's end) does not stop nats.js.
      [`NATS/1.0\r\nno colon here\r\n\r\nX-Published-At: ${NOW - 6}\r\n\r\n`, 6],
      [`NATS/1.0\r\n\r\nX-Published-At: ${NOW - 7}`, 7], // a last line without CR LF
      // Any status line (and its bytes) is not a header.
      [`NATS/1.0 503 No Responders\r\nX-Published-At: ${NOW - 8}\r\n\r\n`, 8],
      [`X-Published-At: ${NOW - 8}\r\n\r\n`, 'missing'],
      // A name nats.js refuses, on any line with a colon, makes the block unreadable.
      [`NATS/1.0\r\nX-Published-At: ${NOW - 9}\r\n Folded: x\r\n\r\n`, 'invalid'],
      [`NATS/1.0\r\nX-Published-At: ${NOW - 9}\r\n\tfolded: x\r\n\r\n`, 'invalid'],
      [`NATS/1.0\r\nX-Published-At: ${NOW - 9}\r\n folded continuation\r\n\r\n`, 9],
    ];
    for (const [text, expected] of cases) {
      const msg = received(block(text));
      expect([text, reference(msg, NOW)]).toEqual([text, expected]);
      expect([text, verdict(msg)]).toEqual([text, expected]);
    }
  });

  it('agrees with nats.js on blocks of several headers, changed or cut anywhere (property-based)', () => {
    const name = fc.constantFrom(
      'X-Published-At',
      'x-published-at',
      'X-PUBLISHED-AT',
      'Nats-Msg-Id',
      'Nats-Expected-Stream',
      'traceparent',
      'X-Published-A',
      '',
      ' X-Published-At',
      'X-Published-At ',
    );
    const value = fc.oneof(
      fc.integer({ min: 0, max: 400_000 }).map((k) => ` ${NOW - k}`),
      fc.constantFrom(' ', '', ' abc', ` X-Published-At: ${NOW}`, ' a:b:c', ` ${NOW}\t`, '\t 1', ' 0'),
      fc.string({ maxLength: 30 }).map((v) => ` ${v}`),
      fc.string({ unit: 'grapheme', maxLength: 8 }).map((v) => ` ${v}`),
    );
    const header = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(name, value).map(([k, v]) => `${k}:${v}`) },
      { weight: 1, arbitrary: fc.constantFrom(' folded', '\tfolded: x', 'no colon', '') },
    );
    const status = fc.constantFrom('NATS/1.0', 'NATS/1.0 503', 'NATS/1.0 408 Request Timeout', 'NATS/1.0\u00e9');
    const text = fc
      .tuple(status, fc.array(header, { minLength: 1, maxLength: 6 }))
      .map(([s, lines]) => `${s}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`);
    const special = fc.constantFrom(9, 10, 13, 32, 48, 58, 0x80, 0xc3, 0xe2);
    const edit = fc.record({
      at: fc.nat(),
      byte: fc.oneof(special, fc.integer({ min: 0, max: 255 })),
      kind: fc.constantFrom('keep', 'keep', 'replace', 'insert', 'cut'),
    });
    fc.assert(
      fc.property(text, edit, (t, { at, byte, kind }) => {
        const b = [...block(t)];
        const i = at % (b.length + 1);
        if (kind === 'replace' && i < b.length) b[i] = byte;
        else if (kind === 'insert') b.splice(i, 0, byte);
        else if (kind === 'cut') b.length = i;
        const msg = received(new Uint8Array(b));
        expect(verdict(msg)).toEqual(reference(msg, NOW));
      }),
      { numRuns: 20_000 },
    );
  });

  it('decides the usual blocks itself (the property above is not all fallback)', () => {
    const sdk = block(`NATS/1.0\r\nX-Published-At: ${NOW - 1}\r\n\r\n`);
    expect(readPublishedAt(sdk, sdk.length)).toBe(NOW - 1);
    const other = block(`NATS/1.0\r\nNats-Msg-Id: abc\r\nX-Published-At: ${NOW - 1}\r\n\r\n`);
    expect(readPublishedAt(other, other.length)).toBe(NOW - 1);
    const variants = block(
      `NATS/1.0 100\r\nx-published-at: 1\r\nA: X-Published-At: 2 \u00e9\r\n\r\nX-Published-At:\t${NOW - 1} \r\n\r\n`,
    );
    expect(readPublishedAt(variants, variants.length)).toBe(NOW - 1);
    const none = block('NATS/1.0\r\nNats-Msg-Id: abc\r\n\r\n');
    expect(readPublishedAt(none, none.length)).toBe(NO_PUBLISHED_AT);
    // 15 digits are read; 16 go to nats.js (Number() would round them).
    const fifteen = block(`NATS/1.0\r\nX-Published-At: ${'9'.repeat(15)}\r\n\r\n`);
    expect(readPublishedAt(fifteen, fifteen.length)).toBe(999_999_999_999_999);
    const sixteen = block(`NATS/1.0\r\nX-Published-At: ${'9'.repeat(16)}\r\n\r\n`);
    expect(readPublishedAt(sixteen, sixteen.length)).toBe(SCAN_UNDECIDED);
  });
});
