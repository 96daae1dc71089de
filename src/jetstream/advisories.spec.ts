import { describe, expect, it } from 'vitest';
import { isJetStreamName, MAX_ADVISORY_BYTES, parseAdvisory, readWindow, tally } from './advisories.js';

const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
// As nats-server 2.9 sends them (captured from a private server).
const MAX_DELIVER = {
  type: 'io.nats.jetstream.advisory.v1.max_deliver',
  id: 'MDFvqNTFZhg9ZzbLmdD1m4',
  timestamp: '2026-12-07T03:01:34.413306505Z',
  stream: 'ORDERS',
  consumer: 'worker',
  stream_seq: 1,
  deliveries: 2,
};
const MD_SUBJECT = '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.worker';

describe('JetStream advisories', () => {
  it('parses the advisories counted, from their subject and payload', () => {
    expect(parseAdvisory(MD_SUBJECT, bytes(MAX_DELIVER))).toEqual({
      kind: 'max_deliver',
      stream: 'ORDERS',
      consumer: 'worker',
      streamSeq: 1,
      deliveries: 2,
    });
    const nak = { ...MAX_DELIVER, type: 'io.nats.jetstream.advisory.v1.nak', consumer_seq: 3 };
    expect(parseAdvisory('$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.ORDERS.worker', bytes(nak))).toMatchObject({
      kind: 'nak',
    });
    const created = { type: 'io.nats.jetstream.advisory.v1.stream_action', stream: 'ORDERS', action: 'create' };
    expect(parseAdvisory('$JS.EVENT.ADVISORY.STREAM.CREATED.ORDERS', bytes(created))).toEqual({
      kind: 'stream_created',
      stream: 'ORDERS',
      consumer: null,
      streamSeq: null,
      deliveries: null,
    });
    const deleted = {
      ...created,
      type: 'io.nats.jetstream.advisory.v1.consumer_action',
      consumer: 'w',
      action: 'delete',
    };
    expect(parseAdvisory('$JS.EVENT.ADVISORY.CONSUMER.DELETED.ORDERS.w', bytes(deleted))).toMatchObject({
      kind: 'consumer_deleted',
      consumer: 'w',
    });
    const leader = { type: 'io.nats.jetstream.advisory.v1.stream_leader_elected', stream: 'ORDERS' };
    expect(parseAdvisory('$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.ORDERS', bytes(leader))).toMatchObject({
      kind: 'leader_elected',
    });
  });

  it('skips the API audit unread and ignores kinds it does not count', () => {
    expect(parseAdvisory('$JS.EVENT.ADVISORY.API', bytes('x'.repeat(100_000)))).toBe('ignored');
    const snapshot = { type: 'io.nats.jetstream.advisory.v1.snapshot_create', stream: 'ORDERS' };
    expect(parseAdvisory('$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_CREATE.ORDERS', bytes(snapshot))).toBe('ignored');
  });

  it('rejects what is malformed, too large, too deep, or names a stream its subject does not', () => {
    const reject = (subject: string, data: Uint8Array) => expect(parseAdvisory(subject, data)).toBeNull();
    reject(MD_SUBJECT, bytes('{"type":'));
    reject(MD_SUBJECT, bytes('[1]'));
    reject(MD_SUBJECT, bytes({ ...MAX_DELIVER, pad: 'x'.repeat(MAX_ADVISORY_BYTES) }));
    reject(MD_SUBJECT, bytes(`${'['.repeat(100)}${']'.repeat(100)}`));
    reject(MD_SUBJECT, bytes({ ...MAX_DELIVER, type: 'something.else' }));
    reject(MD_SUBJECT, bytes({ ...MAX_DELIVER, consumer: undefined }));
    reject(MD_SUBJECT, bytes({ ...MAX_DELIVER, stream: 'OTHER' }));
    reject('$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.A.B.worker', bytes({ ...MAX_DELIVER, stream: 'A.B' }));
    reject(MD_SUBJECT, bytes({ ...MAX_DELIVER, stream: 'OR DERS' }));
  });

  it('names: NATS stream and consumer names, checked in one pass', () => {
    expect(isJetStreamName('ORDERS_v2-eu:1')).toBe(true);
    for (const bad of ['', 'a.b', 'a*', 'a>', 'a/b', 'a\\b', 'a b', 'x'.repeat(256)])
      expect(isJetStreamName(bad)).toBe(false);
    expect(isJetStreamName('x'.repeat(255))).toBe(true);
  });

  it('accepts names beyond ASCII as nats-server does, within 255 bytes of UTF-8', () => {
    for (const good of ['Zählung', 'é', '注文', 'orders_😀', 'a:b-c~d'.repeat(3)])
      expect(isJetStreamName(good), good).toBe(true);
    const controls = [
      'a\tb',
      'a\nb',
      'a\u0000',
      'a\u007f',
      'a\u0085',
      'a\u00a0b',
      'a\u2028',
      'a\u3000b',
      '\ud800',
      'a\udc00b',
    ];
    for (const bad of controls) expect(isJetStreamName(bad), JSON.stringify(bad)).toBe(false);
    // 255 bytes: 127 two-byte characters and one byte fit; one more byte does not.
    expect(isJetStreamName('ä'.repeat(127) + 'x')).toBe(true);
    expect(isJetStreamName('ä'.repeat(128))).toBe(false);
    expect(isJetStreamName('注'.repeat(85))).toBe(true);
    expect(isJetStreamName('注'.repeat(86))).toBe(false);
  });

  it('tallies a batch into hash fields and reads a window back', () => {
    const md = parseAdvisory(MD_SUBJECT, bytes(MAX_DELIVER));
    const md2 = parseAdvisory(MD_SUBJECT, bytes({ ...MAX_DELIVER, stream_seq: 7, deliveries: 2 }));
    const term = parseAdvisory(
      '$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.ORDERS.worker',
      bytes({ ...MAX_DELIVER, type: 'io.nats.jetstream.advisory.v1.terminated' }),
    );
    const ops = tally([md, md2, term].map((a) => (typeof a === 'object' && a !== null ? a : expect.fail())));
    expect(ops).toEqual([
      ['i', 'k:max_deliver', 2],
      ['i', 'md:ORDERS/worker', 2],
      ['i', 'k:terminated', 1],
      ['s', 'mds:ORDERS/worker', 7],
      ['s', 'mdd:ORDERS/worker', 2],
    ]);
    const hash = Object.fromEntries(ops.map(([, f, v]) => [f, String(v)]));
    const read = readWindow({ ...hash, over: '3', 'k:unknown': '1', constructor: 'x' });
    expect(read.kinds).toEqual(
      new Map([
        ['max_deliver', 2],
        ['terminated', 1],
      ]),
    );
    expect(read.over).toBe(3);
    expect(read.maxDeliveries).toEqual(
      new Map([['ORDERS/worker', { stream: 'ORDERS', consumer: 'worker', count: 2, streamSeq: 7, deliveries: 2 }]]),
    );
  });
});
