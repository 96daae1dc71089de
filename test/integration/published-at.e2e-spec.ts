import { connect, headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latencyFromHeader } from '../../src/common/latency-histogram.js';
import { publishedAtVerdict, readPublishedAt, SCAN_UNDECIDED } from '../../src/monitoring/published-at.js';
import { PulseClient } from '../../src/sdk/pulse-client.js';

/** nats.js's own reading of the header, as the tap read it before (a block it cannot parse: invalid). */
function reference(msg: Msg, now: number) {
  try {
    return msg.headers ? latencyFromHeader(msg.headers.get('X-Published-At'), now) : 'missing';
  } catch {
    return 'invalid';
  }
}

/** The received body (nats/wire-bytes.ts): header block, then payload. */
const headerBlock = (msg: Msg) => {
  const raw = (msg as unknown as { _rdata: Uint8Array })._rdata;
  return { raw, length: raw.length - msg.data.length };
};

/**
 * The tap's in-place reading of `X-Published-At` on messages as the real NATS server delivers them:
 * the SDK's block is read by the byte scan (not left to nats.js), others agree with nats.js.
 */
describe('publishedAtVerdict on messages from the real NATS server', () => {
  let nc: NatsConnection;
  const subject = `_PULSE_TEST.published-at.${Date.now()}`;

  beforeAll(async () => {
    nc = await connect({ servers: '127.0.0.1:4222' });
  });

  afterAll(async () => {
    await nc?.close();
  });

  async function receive(count: number, send: () => void): Promise<Msg[]> {
    const received: Msg[] = [];
    const sub = nc.subscribe(`${subject}.>`, { max: count, callback: (_err, msg) => void received.push(msg) });
    send();
    await nc.flush();
    await sub.closed;
    return received;
  }

  it("reads the SDK's header itself, with nats.js's verdict", async () => {
    const clock = Date.now() - 12;
    const pulse = new PulseClient({
      connection: nc,
      tenantId: 'acme',
      clientId: 'c1',
      subjectPrefix: subject,
      now: () => clock,
    });
    const [msg] = await receive(1, () => pulse.publish('orders.created', 'x'.repeat(100)));
    const { raw, length } = headerBlock(msg);
    expect(readPublishedAt(raw, length)).toBe(clock);
    const now = clock + 12;
    expect(publishedAtVerdict(msg, msg.data.length, now)).toBe(12);
    expect(reference(msg, now)).toBe(12);
  });

  it('agrees with nats.js on other header blocks and on a message without headers', async () => {
    const now = Date.now();
    const blocks: [string, string][][] = [
      [
        ['Nats-Msg-Id', 'a1'],
        ['X-Published-At', String(now - 3)],
      ],
      [['X-Published-At', ` ${now - 4} `]],
      [['X-Published-At', '1.5e12']],
      [['X-Other', 'y']],
    ];
    const msgs = await receive(blocks.length + 1, () => {
      for (const [i, pairs] of blocks.entries()) {
        const h = headers();
        for (const [k, v] of pairs) h.append(k, v);
        nc.publish(`${subject}.b${i}`, 'payload', { headers: h });
      }
      nc.publish(`${subject}.plain`, 'payload');
    });
    expect(msgs).toHaveLength(blocks.length + 1);
    for (const msg of msgs) expect(publishedAtVerdict(msg, msg.data.length, now)).toEqual(reference(msg, now));
    const first = headerBlock(msgs[0]);
    expect(readPublishedAt(first.raw, first.length)).not.toBe(SCAN_UNDECIDED);
  });
});
