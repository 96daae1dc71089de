import { connect, headers, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireBytes } from '../../src/nats/wire-bytes.js';
import { freePort, type ServerProcess, startNatsServer } from '../support/processes.js';

const PAYLOAD = new Uint8Array(100).fill(0x61);

/** The header block the client sends: `NATS/1.0\r\n`, the header lines, a blank line. */
function encodedLength(h: MsgHdrs): number {
  return (h as unknown as { encode(): Uint8Array }).encode().length;
}

function sample(): MsgHdrs {
  const h = headers();
  h.set('X-A', 'b');
  h.set('X-Published-At', '1764331200000');
  return h;
}

/** Publishes one message with headers and one without on `subject`, returns the two as received. */
async function receiveTwo(nc: NatsConnection, subject: string, h: MsgHdrs): Promise<[Msg, Msg]> {
  const received: Msg[] = [];
  const sub = nc.subscribe(subject, { max: 2, callback: (_err, msg) => void received.push(msg) });
  nc.publish(subject, PAYLOAD, { headers: h });
  nc.publish(subject, PAYLOAD);
  await nc.flush();
  await sub.closed;
  return [received[0], received[1]];
}

/**
 * `wireBytes` (the bytes of a delivery as the server counts it: headers + payload, no framing)
 * against the real NATS: the shared server on 4222 (header block as the client encodes it) and a
 * private one whose monitoring port answers the subscriber connection's `out_bytes`.
 */
describe('wireBytes (real NATS)', () => {
  it('is payload + header bytes on the shared server (4222), payload alone without headers', async () => {
    const nc = await connect({ servers: '127.0.0.1:4222' });
    try {
      const h = sample();
      const [withHeaders, without] = await receiveTwo(nc, `_PULSE_TEST.wire.${Date.now()}`, h);
      const headerBytes = encodedLength(h);
      expect(headerBytes).toBeGreaterThan(20);
      expect(withHeaders.data.length).toBe(PAYLOAD.length);
      expect(wireBytes(withHeaders)).toBe(PAYLOAD.length + headerBytes);
      expect(wireBytes(without)).toBe(PAYLOAD.length);
      // Reading the headers (the tap's latency header) does not change it.
      expect(withHeaders.headers?.get('X-A')).toBe('b');
      expect(wireBytes(withHeaders)).toBe(PAYLOAD.length + headerBytes);
    } finally {
      await nc.close();
    }
  });

  describe('against the server’s own count', () => {
    let server: ServerProcess;
    let monitor: number;

    beforeAll(async () => {
      monitor = await freePort();
      server = await startNatsServer(`http: "127.0.0.1:${monitor}"`);
    });

    afterAll(async () => {
      await server?.kill();
    });

    it('sums to the subscriber connection’s CONNZ out_bytes, and the NATS-FACTS example counts 120', async () => {
      const nc = await connect({ servers: `127.0.0.1:${server.port}`, name: 'wire-bytes-subscriber' });
      try {
        const exact = headers();
        exact.set('X-A', 'b'); // NATS/1.0\r\nX-A: b\r\n\r\n: 20 bytes
        const [a, b] = await receiveTwo(nc, 'wire.exact', exact);
        expect(wireBytes(a)).toBe(120);
        expect(wireBytes(b)).toBe(100);
        const [c, d] = await receiveTwo(nc, 'wire.sample', sample());
        const ours = [a, b, c, d].reduce((n, m) => n + wireBytes(m), 0);
        const connz = (await await fetch(`http://127.0.0.1:${monitor}/connz`, {
          signal: AbortSignal.timeout(5000),
        }).then((r) => r.json())) as { connections: { name?: string; out_msgs: number; out_bytes: number }[] };
        const mine = connz.connections.find((c) => c.name === 'wire-bytes-subscriber');
        expect(mine?.out_msgs).toBe(4);
        expect(mine?.out_bytes).toBe(ours);
      } finally {
        await nc.close();
      }
    });
  });
});
