import type { Msg } from '@nats-io/transport-node';

/** The one field of nats.js's MsgImpl read here: the message's headers and payload as received. */
interface ReceivedMsg {
  readonly _rdata?: Uint8Array;
}

/**
 * The bytes of a received message as the NATS server counts a delivery: header bytes plus payload
 * bytes, no protocol framing (NATS-FACTS.md: `NATS/1.0\r\nX-A: b\r\n\r\n` and 100 payload bytes
 * count 120). nats.js (`@nats-io/nats-core` MsgImpl) keeps the HMSG/MSG body it read as `_rdata`,
 * exactly `size` bytes of the protocol line, and `data` is its view after the header block; so the
 * length of `_rdata` is the count, one property read, no header parsing. A message object without
 * it (another client version, a test double) falls back to the payload's length: headers then
 * go uncounted. Pinned against a real server by test/integration/wire-bytes.e2e-spec.ts.
 */
export function wireBytes(msg: Msg): number {
  const raw = (msg as ReceivedMsg)._rdata;
  return raw ? raw.length : msg.data.length;
}
