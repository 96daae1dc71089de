import type { Msg } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { wireBytes } from './wire-bytes.js';

/** A received message as nats.js's MsgImpl holds it: the body read (`_rdata`), `data` its view after the headers. */
function received(headerBlock: string, payload: number): Msg {
  const head = new TextEncoder().encode(headerBlock);
  const body = new Uint8Array(head.length + payload);
  body.set(head);
  return { subject: 's', _rdata: body, data: body.subarray(head.length) } as unknown as Msg;
}

describe('wireBytes', () => {
  it('counts the header block and the payload, as the server counts a delivery', () => {
    expect(wireBytes(received('NATS/1.0\r\nX-A: b\r\n\r\n', 100))).toBe(120);
    expect(wireBytes(received('', 100))).toBe(100);
    expect(wireBytes(received('NATS/1.0\r\nX-A: b\r\n\r\n', 0))).toBe(20);
  });

  it('falls back to the payload for a message object without the received body', () => {
    expect(wireBytes({ subject: 's', data: new Uint8Array(42) } as unknown as Msg)).toBe(42);
  });
});
